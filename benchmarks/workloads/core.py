"""Per-operation costs of the cryptographic core, on both group backends."""

from __future__ import annotations

import os
import random
from collections.abc import Callable

from benchmarks.timing import Measurement, measure
from votecrypt.math import FixedBase, Group, Point, Scalar, native, secp256k1
from votecrypt.math.backends import CoincurveBackend
from votecrypt.math.tags import TEST_MEMBERSHIP
from votecrypt.primitives import Packing, SecretKey, discrete_log, encrypt
from votecrypt.primitives.membership import prove_membership, value_points, verify_membership

CONTEXT = (b"bench",)


def run(backends: list[str], quick: bool) -> list[Measurement]:
    rows = []
    for backend in backends:
        rows += _backend(backend, quick)
    return rows


def _backend(backend: str, quick: bool) -> list[Measurement]:
    group = secp256k1(backend)
    rng = random.Random(1)
    slow = backend == "py_ecc"
    reps = 3 if quick else (20 if slow else 300)
    runs = 3 if quick else 5

    def row(operation: str, function: Callable[[], object]) -> Measurement:
        return measure("core", operation, backend, function, repetitions=reps, runs=runs)

    k = Scalar(rng.randrange(1, group.order))
    point = Scalar(rng.randrange(1, group.order)) * group.generator
    other = Scalar(rng.randrange(1, group.order)) * group.generator
    encoded = point.to_bytes()
    key = SecretKey(Scalar(rng.randrange(1, group.order)), group).public_key
    table = group.vartime_fixed_base(key)
    result = [
        row("fixed-base multiply k*G", lambda: k * group.generator),
        row("variable-base multiply k*P", lambda: k * point),
        row("k*P, variable time", lambda: group.vartime_multiply(k, point)),
        row("point addition", lambda: point + other),
        row("point decoding (33 bytes)", lambda: group.point_from_canonical_bytes(encoded)),
        row("a*P + b*G, variable time", lambda: group.vartime_double_multiply(k, point, k)),
        row("k*K from the key table", lambda: table.vartime_multiply(k)),
        row("encrypt a small integer", lambda: encrypt(key, 2304)),
    ]
    for size in (2, 3, 4):
        prove, verify = _membership(group, key, table, size)
        result.append(row(f"set-membership prove L={size}", prove))
        result.append(row(f"set-membership verify L={size}", verify))
    prove_row, verify_row = _membership(group, key, table, 4, with_encryption=True)
    result.append(row("4-option row: encrypt + prove", prove_row))
    result.append(row("4-option row: verify", verify_row))
    _, verify_plain = _membership(group, key, None, 4)
    result.append(row("4-option row: verify without key table", verify_plain))
    result += _multi_multiply(group, rng, quick)
    for exponent in (6, 9):
        if exponent == 9 and (slow or quick):
            continue
        result.append(
            measure(
                "core",
                f"discrete log, range 10^{exponent}",
                backend,
                _discrete_log(group, rng, 10**exponent),
                repetitions=1,
                runs=2 if (slow or quick or exponent == 9) else 3,
                warmup=0 if exponent == 9 else 1,
            )
        )
    return result


def _multi_multiply(group: Group, rng: random.Random, quick: bool) -> list[Measurement]:
    """sum(k_i * P_i) over 2, 100 and 1,000 points on the path in use (the native accelerator
    where it is built, spec 18.2) and, for the default backend, on the pure path too."""
    paths = [(group.backend_name, group)]
    if group.backend_name == "coincurve" and native.load() is not None:
        previous = os.environ.get(native.SWITCH)
        os.environ[native.SWITCH] = "0"
        try:
            pure = Group(CoincurveBackend())
        finally:
            if previous is None:
                del os.environ[native.SWITCH]
            else:
                os.environ[native.SWITCH] = previous
        paths = [("coincurve", group), ("coincurve", pure)]
    result = []
    if group.backend_name == "coincurve":
        # One branch's commitments a = z*G - c*alpha, b = z*K - c*shifted (spec 18.2): as the
        # ballot check computes them, and by two multi-scalar multiplications.
        c, z = (Scalar(rng.randrange(1, group.order)) for _ in range(2))
        key, alpha, shifted = (
            Scalar(rng.randrange(1, group.order)) * group.generator for _ in range(3)
        )
        table = group.vartime_fixed_base(key)
        reps = 3 if quick else 300
        result.append(
            measure(
                "core",
                "a and b of one branch, as the ballot check does",
                "coincurve",
                lambda: table.vartime_commitments(c, z, alpha, shifted),
                repetitions=reps,
                runs=2 if quick else 5,
            )
        )
        for _, on in paths:
            path = "native" if getattr(on._backend, "_msm", None) is not None else "pure"
            result.append(
                measure(
                    "core",
                    f"a and b of one branch, two multi-multiplications ({path})",
                    "coincurve",
                    lambda on=on: (
                        on.vartime_multi_multiply([-c, z], [alpha, on.generator]).to_bytes(),
                        on.vartime_multi_multiply([z, -c], [key, shifted]).to_bytes(),
                    ),
                    repetitions=reps,
                    runs=2 if quick else 5,
                )
            )
    for size in (2, 100) if quick or group.backend_name == "py_ecc" else (2, 100, 1000):
        points = [Scalar(rng.randrange(1, group.order)) * group.generator for _ in range(size)]
        scalars = [Scalar(rng.randrange(group.order)) for _ in range(size)]
        for backend, on in paths:
            path = "native" if getattr(on._backend, "_msm", None) is not None else "pure"
            result.append(
                measure(
                    "core",
                    f"multi-scalar multiplication, {size} points ({path})",
                    backend,
                    lambda on=on, k=scalars, p=points: on.vartime_multi_multiply(k, p),
                    repetitions=1 if group.backend_name == "py_ecc" else max(2, 2000 // size),
                    runs=2 if quick else 5,
                )
            )
    return result


def _membership(
    group: Group, key: Point, table: FixedBase | None, size: int, with_encryption: bool = False
) -> tuple[Callable[[], object], Callable[[], object]]:
    """(prove, verify) closures for one single-lane row of `size` outcomes."""
    allowed = Packing.for_ballot(size, 47, rows=1).allowed()
    negated = value_points(group, allowed)
    vector = allowed[-1]
    ciphertext, nonce = encrypt(key, vector[0])
    proof = prove_membership(
        key, [ciphertext], vector, [nonce], allowed, tag=TEST_MEMBERSHIP, context=CONTEXT
    )

    def prove() -> object:
        ct, r = encrypt(key, vector[0]) if with_encryption else (ciphertext, nonce)
        return prove_membership(
            key, [ct], vector, [r], allowed, tag=TEST_MEMBERSHIP, context=CONTEXT, negated=negated
        )

    def verify() -> None:
        verify_membership(
            proof,
            key,
            [ciphertext],
            allowed,
            tag=TEST_MEMBERSHIP,
            context=CONTEXT,
            key_table=table,
            negated=negated,
        )

    return prove, verify


def _discrete_log(group: Group, rng: random.Random, bound: int) -> Callable[[], object]:
    targets = [Scalar(rng.randrange(0, bound)) * group.generator for _ in range(3)]
    state = {"next": 0}

    def solve() -> object:
        target = targets[state["next"] % len(targets)]
        state["next"] += 1
        return discrete_log(group, target, bound)

    return solve
