"""The optional native accelerator (spec 18.2, A.37): libsecp256k1's multi-scalar
multiplication gives the same points, and so the same verdicts, as the pure path and the
reference; it refuses what is not a point; `VOTECRYPT_NATIVE=0` forces the pure path; and
`votecrypt selftest` says which path is in use. Where the accelerator is not built (no C
compiler), the tests of the native path are skipped and the pure path is what runs."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from votecrypt.errors import EncodingError
from votecrypt.math import Group, Point, Scalar, native, secp256k1
from votecrypt.math.backends import CoincurveBackend

ROOT = Path(__file__).resolve().parent.parent
BUILT = native.load() is not None
needs_native = pytest.mark.skipif(not BUILT, reason="the accelerator is not built here")


def _pure(monkeypatch: pytest.MonkeyPatch) -> Group:
    monkeypatch.setenv(native.SWITCH, "0")
    group = Group(CoincurveBackend())
    monkeypatch.delenv(native.SWITCH)
    return group


def _random_point(group: Group) -> Point:
    return group.multiply_generator(Scalar(secrets.randbelow(group.order - 1) + 1))


def _cases(group: Group) -> list[tuple[list[Scalar], list[Point]]]:
    n = group.order
    p = _random_point(group)
    q = _random_point(group)
    cases: list[tuple[list[Scalar], list[Point]]] = [
        ([], []),
        ([Scalar(5)], [group.generator]),
        ([Scalar(0)], [p]),
        ([Scalar(3)], [group.identity]),
        ([Scalar(7), Scalar(7)], [p, -p]),  # cancels: the identity
        ([Scalar(2), Scalar(n - 1)], [group.generator, group.generator]),  # G + ... = G
        ([Scalar(n - 1), Scalar(1)], [p, p]),  # the identity again
        ([Scalar(1), Scalar(2), Scalar(3)], [p, q, group.generator]),
        ([Scalar(n - 1)] * 3, [p, q, p + q]),
    ]
    for size in (1, 2, 3, 10, 90, 300):  # Strauss below 88 points, Pippenger above
        points = [_random_point(group) for _ in range(size)]
        points[size // 2] = group.generator
        scalars = [Scalar(secrets.randbelow(n)) for _ in range(size)]
        cases.append((scalars, points))
    return cases


def _expected(scalars: list[Scalar], points: list[Point]) -> bytes:
    reference = secp256k1("py_ecc")
    total = reference.identity
    for k, point in zip(scalars, points, strict=True):
        total = total + k * reference.point_from_canonical_bytes(
            point.to_bytes(), allow_identity=True
        )
    return total.to_bytes()


def test_every_path_computes_the_reference_sum(monkeypatch: pytest.MonkeyPatch) -> None:
    default = secp256k1()
    pure = _pure(monkeypatch)
    assert pure._backend._msm is None  # type: ignore[attr-defined]
    for scalars, points in _cases(default):
        expected = _expected(scalars, points)
        assert default.vartime_multi_multiply(scalars, points).to_bytes() == expected
        assert pure.vartime_multi_multiply(scalars, points).to_bytes() == expected
        reference = secp256k1("py_ecc")
        converted = [
            reference.point_from_canonical_bytes(p.to_bytes(), allow_identity=True) for p in points
        ]
        assert reference.vartime_multi_multiply(scalars, converted).to_bytes() == expected


def test_a_point_with_x_equal_to_n_and_above_n() -> None:
    # Points with x = n (r = 0 for the recovery trick) and x > n: no special case here.
    group = secp256k1()
    n = group.order
    for x in range(n, n + 40):
        try:
            point = group.point_from_canonical_bytes(b"\x02" + x.to_bytes(32, "big"))
        except EncodingError:
            continue
        scalars = [Scalar(12345), Scalar(678)]
        points = [point, group.generator]
        assert group.vartime_multi_multiply(scalars, points).to_bytes() == _expected(
            scalars, points
        )
        return
    pytest.skip("no point with x in [n, n + 40)")


def test_mismatched_lengths_are_refused() -> None:
    group = secp256k1()
    with pytest.raises(ValueError):
        group.vartime_multi_multiply([Scalar(1)], [])


@needs_native
def test_the_library_refuses_what_is_not_a_point_and_a_scalar_not_below_n() -> None:
    import coincurve
    from coincurve._libsecp256k1 import ffi

    msm = native.load()
    assert msm is not None
    generator = coincurve.PublicKey.from_valid_secret((1).to_bytes(32, "big"))
    forged = coincurve.PublicKey.from_valid_secret((2).to_bytes(32, "big"))
    # Overwrite the point's stored coordinates with ones off the curve (x = 1, y = 1).
    ffi.memmove(forged.public_key, (1).to_bytes(32, "little") * 2, 64)
    assert msm.multiply([forged], [3], generator) is False
    # A scalar not below n, given to the library directly (the Python side reduces them).
    out = ffi.new("secp256k1_pubkey *")
    array = ffi.new("secp256k1_pubkey *[]", [generator.public_key])
    lib, cffi_ = msm._lib, msm._ffi
    status = lib.votecrypt_msm(
        cffi_.cast("void *", ffi.cast("uintptr_t", array)),
        (2**256 - 1).to_bytes(32, "big"),
        1,
        cffi_.NULL,
        cffi_.cast("void *", ffi.cast("uintptr_t", out)),
    )
    assert status == -1


@needs_native
def test_a_refused_input_falls_back_to_the_pure_path(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = CoincurveBackend()
    assert backend._msm is not None
    calls = []

    def refuse(*args: object) -> bool:
        calls.append(args)
        return False

    monkeypatch.setattr(backend._msm, "multiply", refuse)
    group = Group(backend)
    scalars, points = _cases(group)[7]
    assert group.vartime_multi_multiply(scalars, points).to_bytes() == _expected(scalars, points)
    assert len(calls) == 1


def test_a_file_that_is_not_the_library_is_not_used(tmp_path: Path) -> None:
    fake = tmp_path / "libvotecrypt_msm.so.1"
    fake.write_bytes(b"not a shared library")
    assert native.load(fake) is None
    assert native.status(fake).startswith("pure (coincurve, term by term): ")
    assert native.load(tmp_path / "missing.so") is None
    assert "not built" in native.status(tmp_path / "missing.so")


def test_the_switch_forces_the_pure_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.SWITCH, "0")
    assert native.load() is None
    assert native.status() == "pure (coincurve, term by term): VOTECRYPT_NATIVE=0"
    assert CoincurveBackend()._msm is None


def _selftest(environment: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from votecrypt_cli.main import main; main()", "selftest"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_selftest_says_which_path_is_in_use() -> None:
    environment = {k: v for k, v in os.environ.items() if k != native.SWITCH}
    line = [x for x in _selftest(environment).splitlines() if "multi-scalar" in x]
    assert line == [f"multi-scalar multiplication: {native.status()}"]
    if BUILT:
        assert line[0].startswith("multi-scalar multiplication: native, libsecp256k1 0.2.0")
    forced = _selftest({**environment, native.SWITCH: "0"})
    assert "multi-scalar multiplication: pure (coincurve, term by term): VOTECRYPT_NATIVE=0" in (
        forced
    )


@needs_native
def test_every_vector_on_the_pure_path_too() -> None:
    # This run uses the accelerator; the vectors run again in a process that is told not to.
    environment = {**os.environ, native.SWITCH: "0", "HYPOTHESIS_PROFILE": "ci"}
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "tests/test_vectors.py", "tests/test_election_vectors.py",
            "tests/test_ceremony_vectors.py",
        ],
        capture_output=True, text=True, env=environment, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


def test_the_build_refuses_a_source_that_is_not_the_pinned_one(tmp_path: Path) -> None:
    wrong = tmp_path / "libsecp256k1_0.2.0.orig.tar.xz"
    wrong.write_bytes(b"something else")
    done = subprocess.run(
        [sys.executable, str(ROOT / "native" / "build.py"), "--source", str(wrong)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "not the pinned" in lines[0]
