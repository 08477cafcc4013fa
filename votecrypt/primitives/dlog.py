"""Bounded discrete logarithms by baby-step giant-step with the negation map (spec 6.4).

Finds m in [0, bound] with m*G == target, for many targets at once. One table serves every
target of a call: the x-coordinates of j*G for j in [0, s], which stand for both j*G and -j*G
(a point and its negation share their x). Giant steps of w = 2s + 1 then cover every m:
target - (s + i*w)*G is e*G with |e| <= s exactly when m = s + i*w + e. With
s = sqrt(sum of (bound + 1) / 2) the whole call costs about sqrt(2 * sum of (bound + 1))
additions, however the sum is split among the targets, and a table of s entries (8 bytes of x
per entry; a table hit is confirmed on the full point). The table lives only for the duration
of the call: no global cache. A target with no logarithm in range raises PlaintextOutOfRange,
which after a correct decryption can only mean a wrong key or tampered data.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import isqrt

from votecrypt.errors import PlaintextOutOfRange
from votecrypt.math.group import Group, Point
from votecrypt.math.scalar import Scalar

#: The largest bound this module accepts (spec 6.2).
MAX_BOUND = 2**40

#: Giant steps are taken this many at a time between two lookups in the table.
_CHUNK = 2048


def discrete_logs(group: Group, targets: Sequence[Point], bounds: Sequence[int]) -> list[int]:
    """For each target, the m in [0, bound] with m*G == target (one shared table)."""
    if len(targets) != len(bounds):
        raise ValueError("one bound per target is needed")
    if not targets:
        return []
    if any(type(b) is not int or not 0 <= b <= MAX_BOUND for b in bounds):
        raise ValueError("discrete-log bounds must be integers in [0, 2^40]")
    half = table_half_width(bounds)
    table = _Table(group, half)
    return [
        _giant_steps(group, table, target, bound)
        for target, bound in zip(targets, bounds, strict=True)
    ]


def discrete_log(group: Group, target: Point, bound: int) -> int:
    """The m in [0, bound] with m*G == target."""
    return discrete_logs(group, [target], [bound])[0]


def table_half_width(bounds: Sequence[int]) -> int:
    """s for these bounds (spec 6.4): floor(sqrt(sum(bound + 1) / 2)) + 1, at most
    floor(max bound / 2) + 1 (a table wider than every range saves nothing)."""
    total = sum(bound + 1 for bound in bounds)
    return min(isqrt(total // 2) + 1, max(bounds) // 2 + 1)


class _Table:
    """x-prefix -> j for j*G, j in [0, s]; -1 stands for the identity (j = 0)."""

    __slots__ = ("entries", "group", "half", "more")

    def __init__(self, group: Group, half: int) -> None:
        self.group = group
        self.half = half
        prefixes = group.x_prefixes(group.identity, group.generator, half + 1)
        self.entries = dict(zip(prefixes, range(half + 1), strict=True))
        self.more: dict[int, list[int]] = {}  # the rare further j of a shared 8-byte prefix
        if len(self.entries) <= half:
            self.entries = {}
            for j, prefix in enumerate(prefixes):
                if prefix in self.entries:
                    self.more.setdefault(prefix, []).append(j)
                else:
                    self.entries[prefix] = j

    def candidates(self, prefix: int) -> list[int]:
        first = self.entries.get(prefix)
        if first is None:
            return []
        return [first, *self.more.get(prefix, ())]


def _giant_steps(group: Group, table: _Table, target: Point, bound: int) -> int:
    half = table.half
    width = 2 * half + 1
    steps = bound // width + 1  # blocks [i*w, i*w + 2s] for i < steps cover [0, bound]
    back = -group.multiply_generator(Scalar(width))
    for first in range(0, steps, _CHUNK):
        start = half + first * width
        prefixes = group.x_prefixes(
            target - group.multiply_generator(Scalar(start)), back, min(_CHUNK, steps - first)
        )
        if table.entries.keys().isdisjoint(prefixes):
            continue
        m = _first_match(group, table, target, start, width, prefixes)
        if m is not None:
            if m > bound:
                break  # the logarithm lies above the bound: none in range (spec 6.4)
            return m
    raise PlaintextOutOfRange(f"no discrete logarithm in [0, {bound}]: wrong key or tampered data")


def _first_match(
    group: Group, table: _Table, target: Point, start: int, width: int, prefixes: list[int]
) -> int | None:
    """The logarithm found at the first giant step of this chunk whose point is in the table."""
    for offset, prefix in enumerate(prefixes):
        for j in table.candidates(prefix):
            m = _confirm(group, target, start + offset * width, j)
            if m is not None:  # else two x-coordinates share 8 bytes: not a match
                return m
    return None


def _confirm(group: Group, target: Point, centre: int, j: int) -> int | None:
    """centre + j or centre - j if that is target's logarithm, else None."""
    rest = target - group.multiply_generator(Scalar(centre))
    point = group.multiply_generator(Scalar(j))
    if rest == point:
        return centre + j
    if rest == -point:
        return centre - j
    return None
