"""The native prover helper (spec 18.1, A.45, A.46): a ballot's encryptions and proof
commitments from native/prove.c are the points of the spec's formulas (checked against the
reference implementation), so ballots are byte for byte the pure path's given the same
randomness; it refuses malformed input, leaves degenerate cases to the pure path, clears the
secrets it was handed, and calls only constant-time code on secrets. Skipped where the
accelerator is not built."""

from __future__ import annotations

import re
from pathlib import Path

import coincurve
import pytest
from coincurve._libsecp256k1 import ffi
from hypothesis import given, settings
from hypothesis import strategies as st

from votecrypt.math import Scalar, native, native_prove, secp256k1
from votecrypt.math.backends import CoincurveBackend
from votecrypt.math.randomness import _deterministic
from votecrypt.math.scalar import N
from votecrypt.math.tags import TEST_MEMBERSHIP, DomainTag
from votecrypt.primitives.membership import encrypt_and_prove, verify_membership
from votecrypt.protocol.ballot import check_ballot
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.credentials import issue_credentials

ROOT = Path(__file__).resolve().parent.parent
PROVER = native_prove.load()
needs_prover = pytest.mark.skipif(PROVER is None, reason="the accelerator is not built here")

scalars = st.integers(min_value=1, max_value=N - 1).map(Scalar)


def _reference(key: bytes, vectors: list[tuple[int, ...]], row: tuple) -> list[str]:
    """The points of Group.prove_points by the spec's formulas, on py_ecc: alpha = r*G,
    beta = r*K + m*G, a = z*G - c*alpha, b = z*K - c*(beta - v*G)."""
    group = secp256k1("py_ecc")
    g, k = group.generator, group.point_from_canonical_bytes(key)
    m, r, c, z = row
    alphas = [r_l * g for r_l in r]
    betas = [r_l * k + Scalar(m_l) * g for m_l, r_l in zip(m, r, strict=True)]
    out = [p for pair in zip(alphas, betas, strict=True) for p in pair]
    for vector, c_j, z_j in zip(vectors, c, z, strict=True):
        for alpha, beta, v, z_jl in zip(alphas, betas, vector, z_j, strict=True):
            out.append(z_jl * g - c_j * alpha)
            out.append(z_jl * k - c_j * (beta - Scalar(v) * g))
    return [p.hex() for p in out]


@st.composite
def _rows(draw: st.DrawFn) -> tuple:
    lanes = draw(st.integers(1, 3))
    branches = draw(st.integers(1, 5))
    values = st.integers(0, 40)
    vectors = draw(
        st.lists(st.tuples(*[values] * lanes), min_size=branches, max_size=branches, unique=True)
    )
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        true = draw(st.integers(0, branches - 1))
        m = vectors[true]
        r = draw(st.lists(scalars, min_size=lanes, max_size=lanes))
        c = draw(st.lists(scalars, min_size=branches, max_size=branches))
        z = draw(st.lists(st.lists(scalars, min_size=lanes, max_size=lanes),
                          min_size=branches, max_size=branches))  # fmt: skip
        c[true] = Scalar(0)  # the true branch, as the prover passes it
        rows.append((m, r, c, z))
    return vectors, rows


@needs_prover
@settings(max_examples=25)
@given(_rows(), scalars)
def test_the_points_are_the_formulas_of_the_spec(shape: tuple, secret: Scalar) -> None:
    group = secp256k1()
    key = secret * group.generator
    vectors, rows = shape
    points = group.prove_points(key, vectors, rows)
    expected_rows = [_reference(key.to_bytes(), vectors, row) for row in rows]
    if any("00" * 33 in expected for expected in expected_rows):
        # a zero multiplier (z = c*r, say) or an identity: left to the pure path
        assert points is None
        return
    assert points is not None
    size = len(points) // len(rows)
    for i, expected in enumerate(expected_rows):
        assert [p.hex() for p in points[i * size : (i + 1) * size]] == expected
        # each point's native form is its encoding's (no stale coordinates)
        assert [group._backend.encode(p._native).hex() for p in points[i * size :][:size]] == (
            expected
        )


def _context():  # one small election for the ballot tests
    from benchmarks import fixtures

    return fixtures.context(secp256k1(), 4, 3)


@pytest.fixture(scope="module")
def election() -> tuple:
    context = _context()
    credential = issue_credentials(context.manifest_hash, 1)[0][0]
    return context, credential


def _prepare_both(monkeypatch: pytest.MonkeyPatch, election: tuple, outcomes: list[int],
                  seed: bytes) -> tuple[bytes, bytes]:  # fmt: skip
    from votecrypt.record.ballot_codec import ballot_to_json

    context, credential = election
    with _deterministic(seed):
        native_ballot = prepare_ballot(context, credential, outcomes).ballot
    with monkeypatch.context() as patch:
        patch.setattr(secp256k1()._backend, "_prover", None)
        with _deterministic(seed):
            pure_ballot = prepare_ballot(context, credential, outcomes).ballot
    return ballot_to_json(native_ballot), ballot_to_json(pure_ballot)


@needs_prover
@settings(max_examples=12)
@given(st.lists(st.integers(0, 3), min_size=4, max_size=4), st.binary(min_size=1, max_size=8))
def test_ballots_are_the_pure_paths_byte_for_byte(
    election: tuple, outcomes: list[int], seed: bytes
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        native_json, pure_json = _prepare_both(monkeypatch, election, outcomes, seed)
    assert native_json == pure_json


@needs_prover
def test_a_native_ballot_is_accepted(election: tuple) -> None:
    context, credential = election
    ballot = prepare_ballot(context, credential, [0, 1, 2, 3]).ballot
    check_ballot(ballot, context)


def _call(key: coincurve.PublicKey, shape: tuple, values: bytes, secrets: bytes) -> int:
    assert PROVER is not None
    result = PROVER.prove(key, shape, values, bytearray(secrets))
    return result if isinstance(result, int) else 1


@needs_prover
def test_malformed_input_is_refused() -> None:
    key = coincurve.PublicKey.from_valid_secret((7).to_bytes(32, "big"))
    good_values = native_prove.scalars([0, 1])
    good = native_prove.scalars([1, 3, 5, 0, 11, 13])  # m, r, c_0, c_1, z_0, z_1
    assert _call(key, (1, 1, 2), good_values, good) == 1
    too_big = N.to_bytes(32, "big")
    for i in range(6):  # every secret scalar, and every value, must be below n
        assert _call(key, (1, 1, 2), good_values, good[: 32 * i] + too_big + good[32 * i + 32 :]) \
            == native_prove.REFUSED  # fmt: skip
    assert _call(key, (1, 1, 2), too_big + good_values[32:], good) == native_prove.REFUSED
    assert _call(key, (1, 1, 2), good_values, (2**256 - 1).to_bytes(32, "big") + good[32:]) \
        == native_prove.REFUSED  # fmt: skip
    # a key that is not a point of the curve (x = 1, y = 1)
    forged = coincurve.PublicKey.from_valid_secret((2).to_bytes(32, "big"))
    ffi.memmove(forged.public_key, (1).to_bytes(32, "little") * 2, 64)
    assert _call(forged, (1, 1, 2), good_values, good) == native_prove.REFUSED
    # a table of another key
    other = coincurve.PublicKey.from_valid_secret((8).to_bytes(32, "big"))
    assert PROVER.table(other) is not None
    prover = PROVER._ffi, PROVER._lib
    secrets = prover[0].from_buffer(bytearray(good))
    storage = ffi.new("secp256k1_pubkey *[]", [ffi.new("secp256k1_pubkey *") for _ in range(6)])
    status = prover[1].votecrypt_prove(
        PROVER._pointer(key), PROVER.table(other), 1, 1, 2, good_values, secrets,
        bytes(64), prover[0].cast("void *", ffi.cast("uintptr_t", storage)),
        prover[0].new("char[]", 6 * 33),
    )  # fmt: skip
    assert status == native_prove.REFUSED
    # shapes out of bounds: no lane, no branch
    assert _call(key, (1, 0, 2), b"", good[: 32 * 2]) == native_prove.REFUSED
    assert _call(key, (1, 1, 0), b"", good[: 32 * 2]) == native_prove.REFUSED
    assert _call(key, (1, 65, 1), bytes(32 * 65), bytes(32 * 196)) == native_prove.REFUSED
    # scalars that do not match the shape never reach C
    with pytest.raises(ValueError, match="do not match the shape"):
        _call(key, (2, 1, 2), good_values, good)


@needs_prover
def test_a_key_whose_table_holds_the_identity_is_refused() -> None:
    """K = c*P, P the fixed point of libsecp256k1's table (x = "The scalar for this x is
    unknown"), c = -1/9: entry (1, 1) of K's table, 2*(P + K) + 16*K, is the identity, which
    the comb would add as a point (wrong, even off-curve results). The table is refused, so
    the ballot is proven on the general path and its proofs hold."""
    p = 2**256 - 2**32 - 977
    x = int.from_bytes(b"The scalar for this x is unknown", "big")
    y = pow((x**3 + 7) % p, (p + 1) // 4, p)
    fixed = coincurve.PublicKey.from_point(x, p - y if y & 1 else y)
    crafted = fixed.multiply(((-pow(9, -1, N)) % N).to_bytes(32, "big"))
    assert PROVER.table(crafted) is None
    values = native_prove.scalars([0, 1])
    assert _call(crafted, (1, 1, 2), values, native_prove.scalars([1, 3, 5, 0, 11, 13])) \
        == native_prove.REFUSED  # fmt: skip
    group = secp256k1()
    key = group.point_from_canonical_bytes(crafted.format())
    allowed = [(0,), (1,)]
    for _ in range(8):
        [(ciphertexts, _, proof)] = encrypt_and_prove(
            key, [[1]], allowed, tag=TEST_MEMBERSHIP, contexts=[[b"crafted"]]
        )
        verify_membership(
            proof, key, ciphertexts, allowed, tag=TEST_MEMBERSHIP, context=[b"crafted"]
        )


@needs_prover
def test_a_zero_multiplier_is_left_to_the_pure_path() -> None:
    key = coincurve.PublicKey.from_valid_secret((7).to_bytes(32, "big"))
    values = native_prove.scalars([0, 1])
    # r = 0: alpha would be the identity
    assert _call(key, (1, 1, 2), values, native_prove.scalars([1, 0, 5, 0, 11, 13])) == 0
    # t = z - c*r = 0 in branch 0 (z = c*r = 15)
    assert _call(key, (1, 1, 2), values, native_prove.scalars([1, 3, 5, 0, 15, 13])) == 0
    # w = 0 at the true branch
    assert _call(key, (1, 1, 2), values, native_prove.scalars([1, 3, 5, 0, 11, 0])) == 0
    group = secp256k1()
    row = ((1,), (Scalar(3),), (Scalar(5), Scalar(0)), ((Scalar(15),), (Scalar(13),)))
    assert group.prove_points(Scalar(7) * group.generator, [(0,), (1,)], [row]) is None


@needs_prover
def test_a_degenerate_case_gives_the_pure_paths_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    group = secp256k1()
    key = Scalar.random() * group.generator
    allowed = [(0,), (1,), (5,)]
    calls = []

    def degenerate(*args: object) -> int:
        calls.append(args)
        return native_prove.DEGENERATE

    with _deterministic(b"degenerate"):
        expected = encrypt_and_prove(key, [(5,), (0,)], allowed, tag=_tag(), contexts=[[], [b"1"]])
    monkeypatch.setattr(group._backend._prover, "prove", degenerate)
    with _deterministic(b"degenerate"):
        proved = encrypt_and_prove(key, [(5,), (0,)], allowed, tag=_tag(), contexts=[[], [b"1"]])
    assert len(calls) == 1
    assert _as_bytes(proved) == _as_bytes(expected)
    for (ciphertexts, _, proof), context in zip(proved, [[], [b"1"]], strict=True):
        verify_membership(proof, key, ciphertexts, allowed, tag=_tag(), context=context)


def _tag() -> DomainTag:
    return TEST_MEMBERSHIP


def _as_bytes(proved: list) -> list:
    return [
        (
            [(ct.alpha.hex(), ct.beta.hex()) for ct in ciphertexts],
            [r.hex() for r in nonces],
            [c.hex() for c in proof.challenges],
            [[a.hex() + b.hex() for a, b in branch] for branch in proof.commitments],
        )
        for ciphertexts, nonces, proof in proved
    ]


@needs_prover
def test_the_secrets_handed_to_c_are_cleared() -> None:
    key = coincurve.PublicKey.from_valid_secret((7).to_bytes(32, "big"))
    secrets = bytearray(native_prove.scalars([1, 3, 5, 0, 11, 13]))
    assert PROVER is not None
    PROVER.prove(key, (1, 1, 2), native_prove.scalars([0, 1]), secrets)
    assert secrets == bytes(len(secrets))


def test_the_switch_turns_the_prover_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.SWITCH, "0")
    assert native_prove.load() is None
    assert native_prove.status() == "pure (coincurve, product by product)"
    assert CoincurveBackend()._prover is None


def test_a_library_without_the_prover_is_not_used(tmp_path: Path) -> None:
    assert native_prove.load(tmp_path / "missing.so") is None
    assert native_prove.status(tmp_path / "missing.so").startswith("pure")


def test_a_wrong_prover_is_refused() -> None:
    class Wrong:
        def prove(self, *args: object) -> int:
            return native_prove.DEGENERATE

    assert native_prove._check(Wrong()) != ""  # type: ignore[arg-type]


def test_secrets_meet_only_constant_time_code() -> None:
    """prove.c calls none of libsecp256k1's variable-time multiplications, and its only
    variable-time helpers read public data: the key's check and the results' encoding."""
    source = (ROOT / "native" / "prove.c").read_text()
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    called = set(re.findall(r"\b(secp256k1_\w+)\s*\(", code))
    assert not {
        name for name in called if re.search(r"ecmult(?!_gen|_const)|ecmult_multi|strauss|"
                                             r"pippenger|wnaf\b", name)
    }  # fmt: skip
    assert {name for name in called if name.endswith("_var")} <= {
        "secp256k1_ge_is_valid_var",  # the public key K, on loading
        "secp256k1_fe_normalize_var",  # a published result, on encoding
        "secp256k1_gej_add_ge_var",  # whether the table given is K's
    }
