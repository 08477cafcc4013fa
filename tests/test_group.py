"""The group: arithmetic laws, the identity, strict decoding, and backend equivalence."""

from __future__ import annotations

import functools
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import nonzero_scalars, scalar_ints, scalars

from votecrypt.errors import EncodingError, VotecryptError
from votecrypt.math import IDENTITY_BYTES, Group, N, Scalar, backends, secp256k1
from votecrypt.math.backends import P
from votecrypt.math.group import FixedBase, Point

G_BYTES = bytes.fromhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
TWO_G_BYTES = bytes.fromhex("02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5")


def test_generator_and_known_multiples(group: Group) -> None:
    assert group.generator.to_bytes() == G_BYTES
    assert (Scalar(2) * group.generator).to_bytes() == TWO_G_BYTES
    assert (group.generator + group.generator).to_bytes() == TWO_G_BYTES


def test_identity_cases(group: Group) -> None:
    g = group.generator
    assert (g + (-g)).is_identity()
    assert (g - g).to_bytes() == IDENTITY_BYTES
    assert (Scalar(0) * g).is_identity()
    assert (Scalar(N - 1) * g) == -g
    assert (Scalar(5) * group.identity).is_identity()
    assert g + group.identity == g
    assert group.identity + g == g
    assert -group.identity == group.identity
    assert group.sum([]) == group.identity
    assert group.sum([g, -g, g]) == g
    assert group.sum([g, g, -(Scalar(2) * g)]) == group.identity


@given(a=scalars, b=scalars)
def test_scalar_multiplication_is_a_homomorphism(group: Group, a: Scalar, b: Scalar) -> None:
    g = group.generator
    assert (a * g) + (b * g) == (a + b) * g
    assert a * (b * g) == (a * b) * g
    assert (a * g) - (b * g) == (a - b) * g


@given(a=nonzero_scalars, b=nonzero_scalars, c=nonzero_scalars)
def test_addition_is_associative_and_commutative(
    group: Group, a: Scalar, b: Scalar, c: Scalar
) -> None:
    x, y, z = a * group.generator, b * group.generator, c * group.generator
    assert x + y == y + x
    assert (x + y) + z == x + (y + z)
    assert group.sum([x, y, z]) == x + y + z


@given(k=scalars)
def test_encoding_round_trip(group: Group, k: Scalar) -> None:
    point = k * group.generator
    decoded = group.point_from_canonical_bytes(point.to_bytes(), allow_identity=True)
    assert decoded == point
    assert hash(decoded) == hash(point)
    assert Scalar.from_canonical_bytes(k.to_bytes()) == k


@given(k=scalars)
def test_points_pickle_as_their_encoding(group: Group, k: Scalar) -> None:
    point = k * group.generator
    assert pickle.loads(pickle.dumps(point)) == point


def _x_not_on_curve() -> bytes:
    x = 0
    while True:
        if pow((x**3 + 7) % P, (P - 1) // 2, P) != 1:
            return b"\x02" + x.to_bytes(32, "big")
        x += 1


INVALID_POINTS = {
    "empty": b"",
    "too short": G_BYTES[:32],
    "too long": G_BYTES + b"\x00",
    "uncompressed prefix": b"\x04" + G_BYTES[1:],
    "prefix 00 with data": b"\x00" + G_BYTES[1:],
    "prefix 05": b"\x05" + G_BYTES[1:],
    "x equal to p": b"\x02" + P.to_bytes(32, "big"),
    "x above p": b"\x02" + (P + 1).to_bytes(32, "big"),
    "x not on the curve": _x_not_on_curve(),
    "identity where forbidden": IDENTITY_BYTES,
}


@pytest.mark.parametrize("name", sorted(INVALID_POINTS))
def test_invalid_points_are_rejected(group: Group, name: str) -> None:
    with pytest.raises(EncodingError):
        group.point_from_canonical_bytes(INVALID_POINTS[name])


def test_non_bytes_point_is_rejected(group: Group) -> None:
    with pytest.raises(EncodingError):
        group.point_from_canonical_bytes(G_BYTES.hex())  # type: ignore[arg-type]


def test_identity_allowed_on_request(group: Group) -> None:
    assert group.point_from_canonical_bytes(IDENTITY_BYTES, allow_identity=True).is_identity()


INVALID_SCALARS = {
    "empty": b"",
    "31 bytes": b"\x01" * 31,
    "33 bytes": b"\x01" * 33,
    "equal to n": N.to_bytes(32, "big"),
    "above n": (2**256 - 1).to_bytes(32, "big"),
}


@pytest.mark.parametrize("name", sorted(INVALID_SCALARS))
def test_invalid_scalars_are_rejected(name: str) -> None:
    with pytest.raises(EncodingError):
        Scalar.from_canonical_bytes(INVALID_SCALARS[name])


def test_errors_share_one_root() -> None:
    assert issubclass(EncodingError, VotecryptError)


def test_scalar_repr_hides_the_value() -> None:
    secret = Scalar(123456789)
    assert "123456789" not in repr(secret)
    assert "75bcd15" not in repr(secret)


def test_values_are_immutable(group: Group) -> None:
    with pytest.raises(AttributeError):
        group.generator._native = None  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Scalar(1)._value = 2  # type: ignore[misc]


def test_mixing_backends_is_refused() -> None:
    with pytest.raises(TypeError):
        secp256k1("coincurve").generator + secp256k1("py_ecc").generator


def test_unknown_backend() -> None:
    with pytest.raises(ValueError):
        secp256k1("openssl")


# Differential tests: every operation gives byte-identical results on both backends.


@given(k=scalar_ints)
def test_backends_agree_on_fixed_base_multiply(
    fast_group: Group, reference_group: Group, k: int
) -> None:
    assert (Scalar(k) * fast_group.generator).to_bytes() == (
        Scalar(k) * reference_group.generator
    ).to_bytes()


@given(a=scalar_ints, k=scalar_ints)
def test_backends_agree_on_variable_base_multiply(
    fast_group: Group, reference_group: Group, a: int, k: int
) -> None:
    fast = Scalar(k) * fast_group.point_from_canonical_bytes(
        (Scalar(a) * fast_group.generator).to_bytes(), allow_identity=True
    )
    ref = Scalar(k) * reference_group.point_from_canonical_bytes(
        (Scalar(a) * reference_group.generator).to_bytes(), allow_identity=True
    )
    assert fast.to_bytes() == ref.to_bytes()


@given(a=nonzero_scalars, k=scalar_ints)
def test_constant_and_variable_time_products_agree(
    fast_group: Group, reference_group: Group, a: Scalar, k: int
) -> None:
    # `k * P` (secrets, constant time through libsecp256k1's ECDH) and vartime_multiply
    # (public values) are the same function, on both backends.
    outputs = set()
    for group in (fast_group, reference_group):
        point = a * group.generator
        outputs.add((Scalar(k) * point).to_bytes())
        outputs.add(group.vartime_multiply(Scalar(k), point).to_bytes())
    assert len(outputs) == 1


def test_constant_time_product_edge_scalars(group: Group) -> None:
    point = Scalar(7) * group.generator
    for k in (1, 2, N - 2, N - 1):
        assert Scalar(k) * point == group.vartime_multiply(Scalar(k), point)
    assert Scalar(N - 1) * point == -point
    assert (Scalar(0) * point).is_identity()
    assert group.vartime_multiply(Scalar(0), point).is_identity()
    assert group.vartime_multiply(Scalar(3), group.identity).is_identity()


def test_products_by_secrets_run_in_libsecp256k1s_constant_time_code() -> None:
    """spec 18.1: `k * P` for an arbitrary point goes through secp256k1_ecdh (the library's
    constant-time secp256k1_ecmult_const), never through the tweak (variable-time
    secp256k1_ecmult); the library's calls are counted with cProfile."""
    import cProfile
    import pstats

    group = secp256k1("coincurve")
    point = Scalar(11) * group.generator
    secret = Scalar(0x1234567890ABCDEF)
    profiler = cProfile.Profile()
    profiler.enable()
    secret * point
    profiler.disable()
    calls = {name for (_, _, name) in pstats.Stats(profiler).stats}  # type: ignore[attr-defined]
    assert "<built-in method _libsecp256k1.secp256k1_ecdh>" in calls
    assert "<built-in method _libsecp256k1.secp256k1_ec_pubkey_tweak_mul>" not in calls


def test_a_computer_that_forbids_the_callback_refuses_products_by_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Some hardened systems refuse the executable memory of a cffi callback (MemoryError).
    # Then a product by a secret fails with one clear error, never falling back to the
    # variable-time tweak; importing the library and verifying still work.
    from votecrypt.errors import UnsupportedPlatform
    from votecrypt.math import backends

    class NoCallbacks:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def callback(self, *args: object) -> object:
            raise MemoryError("Cannot allocate write+execute memory for ffi.callback()")

    real = backends.ffi
    group = secp256k1("coincurve")
    point = Scalar(3) * group.generator
    backends._copy_coordinates.cache_clear()
    monkeypatch.setattr(backends, "ffi", NoCallbacks())
    try:
        with pytest.raises(UnsupportedPlatform, match="constant-time"):
            Scalar(5) * point
        assert group.vartime_multiply(Scalar(5), point) == Scalar(15) * group.generator
    finally:
        monkeypatch.undo()
        backends._copy_coordinates.cache_clear()
    assert Scalar(5) * point == Scalar(15) * group.generator


@given(a=scalar_ints, b=scalar_ints, negate=st.booleans())
def test_backends_agree_on_addition(
    fast_group: Group, reference_group: Group, a: int, b: int, negate: bool
) -> None:
    # negate=True exercises P + (-P) = identity, which libsecp256k1 cannot represent.
    b_value = (N - a) % N if negate else b
    results = []
    for group in (fast_group, reference_group):
        x = Scalar(a) * group.generator
        y = Scalar(b_value) * group.generator
        results.append(((x + y).to_bytes(), (x - y).to_bytes(), (-x).to_bytes()))
    assert results[0] == results[1]


@given(data=st.binary(min_size=33, max_size=33))
def test_backends_agree_on_decoding(fast_group: Group, reference_group: Group, data: bytes) -> None:
    outcomes = []
    for group in (fast_group, reference_group):
        try:
            outcomes.append(group.point_from_canonical_bytes(data).to_bytes())
        except EncodingError:
            outcomes.append(None)
    assert outcomes[0] == outcomes[1]


@given(x=st.integers(min_value=0, max_value=2**256 - 1), odd=st.booleans())
def test_backends_agree_on_decoding_any_x(
    fast_group: Group, reference_group: Group, x: int, odd: bool
) -> None:
    data = bytes((3 if odd else 2,)) + x.to_bytes(32, "big")
    outcomes = []
    for group in (fast_group, reference_group):
        try:
            outcomes.append(group.point_from_canonical_bytes(data).to_bytes())
        except EncodingError:
            outcomes.append(None)
    assert outcomes[0] == outcomes[1]
    if outcomes[0] is not None:
        assert outcomes[0] == data


# Variable-time helpers for public values (spec 18.2): same results as the plain operations.


@given(a=scalar_ints, k=scalar_ints, b=scalar_ints)
def test_vartime_double_multiply_matches_plain_arithmetic(
    fast_group: Group, reference_group: Group, a: int, k: int, b: int
) -> None:
    outputs = []
    for group in (fast_group, reference_group):
        point = Scalar(k) * group.generator
        expected = Scalar(a) * point + Scalar(b) * group.generator
        result = group.vartime_double_multiply(Scalar(a), point, Scalar(b))
        assert result == expected
        outputs.append(result.to_bytes())
    assert outputs[0] == outputs[1]


def test_vartime_double_multiply_edge_cases(group: Group) -> None:
    g = group.generator
    p = Scalar(7) * g
    assert group.vartime_double_multiply(Scalar(0), p, Scalar(0)).is_identity()
    assert group.vartime_double_multiply(Scalar(0), p, Scalar(3)) == Scalar(3) * g
    assert group.vartime_double_multiply(Scalar(2), group.identity, Scalar(3)) == Scalar(3) * g
    # 1*P + (-7)*G is the identity, which libsecp256k1 cannot return.
    assert group.vartime_double_multiply(Scalar(1), p, Scalar(N - 7)).is_identity()
    # Without a G part the fast backend multiplies instead of recovering.
    assert group.vartime_double_multiply(Scalar(5), p, Scalar(0)) == Scalar(35) * g
    assert group.vartime_double_multiply(Scalar(N - 1), p, Scalar(0)) == -p


@given(k=scalar_ints, base=nonzero_scalars)
def test_fixed_base_table_matches_multiplication(group: Group, k: int, base: Scalar) -> None:
    point = base * group.generator
    table = group.vartime_fixed_base(point)
    extra = Scalar(5) * group.generator
    assert table.vartime_multiply(Scalar(k)) == Scalar(k) * point
    assert table.vartime_multiply(Scalar(k), (extra,)) == Scalar(k) * point + extra


def test_fixed_base_table_edge_cases(group: Group) -> None:
    point = Scalar(11) * group.generator
    table = group.vartime_fixed_base(point)
    assert table.vartime_multiply(Scalar(0)).is_identity()
    assert table.vartime_multiply(Scalar(0), (group.identity,)).is_identity()
    assert table.vartime_multiply(Scalar(0), (point,)) == point
    # Sums equal to the identity, which libsecp256k1 cannot return.
    assert table.vartime_multiply(Scalar(3), (Scalar(N - 33) * group.generator,)).is_identity()
    assert table.vartime_multiply(Scalar(N - 1), (point,)).is_identity()
    # The largest digit in 30 of the 32 windows (a scalar just below n).
    everything = Scalar(int.from_bytes(b"\xff" * 15 + b"\xfe\xb9" + b"\xff" * 15, "big"))
    assert table.vartime_multiply(everything) == everything * point


# Points whose x-coordinate is n or above (anyone can publish one as a ciphertext component):
# x = n gives r = 0, which libsecp256k1's recovery refuses (the fallback path), and x > n sets
# bit 1 of the recovery id. Both x = n and x = n + 2 are on the curve.
HIGH_X_POINTS = [
    bytes((prefix,)) + (N + offset).to_bytes(32, "big") for offset in (0, 2) for prefix in (2, 3)
]


@functools.cache
def _table_for(group: Group, encoded: bytes) -> FixedBase:
    """One table per point, not one per example (building one is the slow part)."""
    return group.vartime_fixed_base(group.point_from_canonical_bytes(encoded))


@pytest.mark.parametrize(
    "encoded",
    HIGH_X_POINTS,
    ids=lambda data: data[:1].hex() + "..n+" + str(int.from_bytes(data[1:], "big") - N),
)
@given(a=scalar_ints, b=scalar_ints)
def test_variable_time_paths_on_points_with_large_x(
    fast_group: Group, reference_group: Group, encoded: bytes, a: int, b: int
) -> None:
    outputs = []
    for group in (fast_group, reference_group):
        point = group.point_from_canonical_bytes(encoded)
        expected = Scalar(a) * point + Scalar(b) * group.generator
        assert group.vartime_double_multiply(Scalar(a), point, Scalar(b)) == expected
        table = _table_for(group, encoded)
        assert table.vartime_multiply(Scalar(a), (Scalar(b) * group.generator,)) == expected
        outputs.append(expected.to_bytes())
    assert outputs[0] == outputs[1]


@given(
    c=st.one_of(st.just(0), st.just(1), st.just(N - 1), scalar_ints),
    z=st.one_of(st.just(0), st.just(1), scalar_ints),
    x=st.one_of(st.just(0), st.just(1), scalar_ints),
    y=st.one_of(st.just(0), scalar_ints),
    k=nonzero_scalars,
)
def test_fused_commitments_match_the_plain_products(
    fast_group: Group, reference_group: Group, c: int, z: int, x: int, y: int, k: Scalar
) -> None:
    # A branch's (a, b) = (z*G - c*alpha, z*K - c*shifted) in one backend call (spec 18.2):
    # the bytes of the separate products, on both backends, identities included (c = z
    # gives a = 0 when alpha = G).
    def commitments(group: Group) -> tuple[bytes, bytes]:
        alpha, shifted = Scalar(x) * group.generator, Scalar(y) * group.generator
        key = k * group.generator
        return group.vartime_fixed_base(key).vartime_commitments(
            Scalar(c), Scalar(z), alpha, shifted
        )

    a = (Scalar(z) * fast_group.generator) - Scalar(c) * (Scalar(x) * fast_group.generator)
    key = k * fast_group.generator
    b = Scalar(z) * key - Scalar(c) * (Scalar(y) * fast_group.generator)
    assert commitments(fast_group) == (a.to_bytes(), b.to_bytes())
    assert commitments(reference_group) == (a.to_bytes(), b.to_bytes())


def test_fused_commitments_give_the_identity_where_it_falls(group: Group) -> None:
    g, k = group.generator, Scalar(7)
    table = group.vartime_fixed_base(k * g)
    # a = 5*G - 5*G; b = 1*K - 1*(7*G)
    assert table.vartime_commitments(Scalar(5), Scalar(5), g, Scalar(3) * g) == (
        IDENTITY_BYTES,
        (Scalar(5) * k * g - Scalar(15) * g).to_bytes(),
    )
    assert table.vartime_commitments(Scalar(1), Scalar(1), Scalar(2) * g, k * g) == (
        (-g).to_bytes(),
        IDENTITY_BYTES,
    )


# Multi-scalar multiplication (the batch check of spec 5.7, 18.2)

_MSM_SCALARS = st.one_of(
    st.sampled_from([0, 1, 2, 255, 256, N // 2, N // 2 + 1, N - 1, 2**128 - 1, 2**128]),
    st.integers(min_value=0, max_value=2**128 - 1),
    scalar_ints,
)


def _msm_expected(group: Group, terms: list[tuple[int, int]]) -> Point:
    """sum k_i * (x_i * G) computed as (sum k_i x_i) * G."""
    return group.multiply_generator(Scalar(sum(k * x for k, x in terms) % N))


@pytest.mark.parametrize("pippenger_from", [10**9, 1])
@given(
    terms=st.lists(st.tuples(_MSM_SCALARS, st.integers(min_value=1, max_value=N - 1)), max_size=8),
    opposite=st.booleans(),
)
def test_vartime_multi_multiply_matches_plain_arithmetic(
    group: Group, pippenger_from: int, terms: list[tuple[int, int]], opposite: bool
) -> None:
    # Both the term-by-term path and Pippenger's buckets (forced from one term), with scalars
    # above n/2 (negated points), zeros, and a point next to its opposite under the same
    # scalar (a bucket that sums to the identity).
    if opposite and terms:
        k, x = terms[0]
        terms = [*terms, (k, N - x)]
    scalars = [Scalar(k) for k, _ in terms]
    points = [group.multiply_generator(Scalar(x)) for _, x in terms]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backends, "_PIPPENGER_FROM", pippenger_from)
        assert group.vartime_multi_multiply(scalars, points) == _msm_expected(group, terms)


def test_vartime_multi_multiply_many_terms(fast_group: Group) -> None:
    # The Pippenger path as the batch check uses it: 128-bit weights on many points, a few
    # full scalars, repeated points, zero scalars, the identity among the points; then the
    # same terms plus one that cancels them (the identity, which libsecp256k1 cannot return).
    import random

    rng = random.Random(7)
    xs = [rng.randrange(1, N) for _ in range(2 * backends._PIPPENGER_FROM)]
    xs[10:20] = [xs[0]] * 10
    terms = [(rng.getrandbits(128), x) for x in xs]
    terms += [(rng.randrange(N), rng.randrange(1, N)) for _ in range(40)]
    terms[5] = (0, terms[5][1])
    scalars = [Scalar(k) for k, _ in terms] + [Scalar(5)]
    points = [fast_group.multiply_generator(Scalar(x)) for _, x in terms] + [fast_group.identity]
    total = fast_group.vartime_multi_multiply(scalars, points)
    assert total == _msm_expected(fast_group, terms)
    cancel = fast_group.vartime_multi_multiply([*scalars, Scalar(N - 1)], [*points, total])
    assert cancel.is_identity()


def test_vartime_multi_multiply_refuses_mismatched_lists(group: Group) -> None:
    with pytest.raises(ValueError):
        group.vartime_multi_multiply([Scalar(1)], [])
    with pytest.raises(TypeError):
        group.vartime_multi_multiply(
            [Scalar(1)],
            [secp256k1("py_ecc" if group.backend_name == "coincurve" else "coincurve").generator],
        )
    assert group.vartime_multi_multiply([], []).is_identity()
