"""Bounded discrete logarithms by baby-step giant-step (spec 6.4).

Finds m in [0, bound] with m*G == target. With s = ceil(sqrt(bound + 1)) the baby-step table
holds j*G for j < s (built once per call and shared by all targets of that call); each target
then needs at most s giant steps target - i*s*G. Cost O(sqrt(bound)) additions per target,
memory O(sqrt(bound)) entries. The table lives only for the duration of the call: no global
cache. A target with no logarithm in range raises PlaintextOutOfRange, which after a correct
decryption can only mean a wrong key or tampered data.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import isqrt

from votecrypt.errors import PlaintextOutOfRange
from votecrypt.math.group import Group, Point
from votecrypt.math.scalar import Scalar

#: The largest bound this module accepts (spec 6.2): 2^40, about 2^20 steps per target.
MAX_BOUND = 2**40


def discrete_logs(group: Group, targets: Sequence[Point], bounds: Sequence[int]) -> list[int]:
    """For each target, the m in [0, bound] with m*G == target (one shared baby-step table)."""
    if len(targets) != len(bounds):
        raise ValueError("one bound per target is needed")
    if not targets:
        return []
    if any(type(b) is not int or not 0 <= b <= MAX_BOUND for b in bounds):
        raise ValueError("discrete-log bounds must be integers in [0, 2^40]")
    steps = isqrt(max(bounds)) + 1  # steps^2 > max bound
    table = _baby_steps(group, steps)
    giant = -group.multiply_generator(Scalar(steps))
    return [
        _giant_steps(table, target, giant, steps, bound)
        for target, bound in zip(targets, bounds, strict=True)
    ]


def discrete_log(group: Group, target: Point, bound: int) -> int:
    """The m in [0, bound] with m*G == target."""
    return discrete_logs(group, [target], [bound])[0]


def _baby_steps(group: Group, steps: int) -> dict[bytes, int]:
    table: dict[bytes, int] = {}
    point = group.identity
    g = group.generator
    for j in range(steps):
        table[point.to_bytes()] = j
        point = point + g
    return table


def _giant_steps(
    table: dict[bytes, int], target: Point, giant: Point, steps: int, bound: int
) -> int:
    point = target
    for i in range(bound // steps + 1):
        j = table.get(point.to_bytes())
        if j is not None:
            m = i * steps + j
            if m <= bound:
                return m
            break
        point = point + giant
    raise PlaintextOutOfRange(f"no discrete logarithm in [0, {bound}]: wrong key or tampered data")
