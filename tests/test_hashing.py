"""The typed canonical encoding and the domain-separated hash."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from votecrypt.math import Group, Scalar, encode, hash_bytes, hash_to_scalar
from votecrypt.math.encoding import Encoded, encode_list_of, encode_point_pairs
from votecrypt.math.tags import BALLOT, MANIFEST, DomainTag, all_tags

encodable = st.recursive(
    st.one_of(
        st.binary(max_size=40),
        st.text(max_size=20),
        st.integers(min_value=0, max_value=2**300),
        st.booleans(),
        st.none(),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)


def test_layout_of_each_type(group: Group) -> None:
    assert encode(b"ab") == b"\x01" + (2).to_bytes(8, "big") + b"ab"
    assert encode("ab") == b"\x02" + (2).to_bytes(8, "big") + b"ab"
    assert encode(0) == b"\x03" + bytes(8)
    assert encode(258) == b"\x03" + (2).to_bytes(8, "big") + b"\x01\x02"
    assert encode(Scalar(1)) == b"\x04" + (32).to_bytes(8, "big") + bytes(31) + b"\x01"
    assert encode(group.generator) == b"\x05" + (33).to_bytes(8, "big") + group.generator.to_bytes()
    assert encode([]) == b"\x06" + bytes(8)
    assert encode({}) == b"\x07" + bytes(8)
    assert encode(True) == b"\x08" + (1).to_bytes(8, "big") + b"\x01"
    assert encode(None) == b"\x09" + bytes(8)


def test_text_is_nfc_normalised() -> None:
    name = "Hoàng Thị Thúy Lan"
    decomposed = unicodedata.normalize("NFD", name)
    assert decomposed != name
    assert encode(decomposed) == encode(name)
    assert hash_bytes(MANIFEST, decomposed) == hash_bytes(MANIFEST, name)


def test_maps_are_sorted_and_collisions_refused() -> None:
    assert encode({"b": 1, "a": 2}) == encode({"a": 2, "b": 1})
    with pytest.raises(ValueError):
        encode({"Lê": 1, unicodedata.normalize("NFD", "Lê"): 2})


def test_types_are_distinguished() -> None:
    values = [b"1", "1", 1, True, [1], {"1": 1}, None, [b"1"], ["1"]]
    assert len({encode(v) for v in values}) == len(values)


@pytest.mark.parametrize("value", [-1, 1.5, object(), {1: 2}])
def test_unencodable_values(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        encode(value)  # type: ignore[arg-type]


@given(a=st.lists(encodable, max_size=3), b=st.lists(encodable, max_size=3))
def test_hash_is_injective_on_sequences(a: list[object], b: list[object]) -> None:
    # Distinct inputs (as encoded values) give distinct preimages, hence distinct hashes.
    preimage_a = b"".join(encode(x) for x in a)  # type: ignore[arg-type]
    preimage_b = b"".join(encode(x) for x in b)  # type: ignore[arg-type]
    if preimage_a == preimage_b:
        assert [encode(x) for x in a] == [encode(x) for x in b]  # type: ignore[arg-type]
    else:
        assert hash_bytes(BALLOT, *a) != hash_bytes(BALLOT, *b)  # type: ignore[arg-type]


@given(value=encodable)
def test_an_encoding_computed_earlier_stands_for_its_value(value: object) -> None:
    # Encoded carries an encoding across processes (the server's checking processes compute
    # the board entry's); it must hash exactly as the value would, inside any structure.
    earlier = Encoded.of(value)  # type: ignore[arg-type]
    assert encode(earlier) == encode(value)  # type: ignore[arg-type]
    assert hash_bytes(BALLOT, 1, earlier, [earlier]) == hash_bytes(BALLOT, 1, value, [value])  # type: ignore[arg-type]
    assert str(len(earlier.data)) in repr(earlier)


@given(points=st.lists(st.integers(1, 2**64), max_size=6), split=st.integers(0, 3))
def test_point_pairs_encode_as_lists(group: Group, points: list[int], split: int) -> None:
    # The one-pass encoders of the proofs' hashes give the bytes of spec 3.1's lists.
    ps = [Scalar(k) * group.generator for k in points]
    pairs = list(zip(ps[0::2], ps[1::2], strict=False))
    encodings = [(p.to_bytes(), q.to_bytes()) for p, q in pairs]
    assert encode_point_pairs(encodings).data == encode([[p, q] for p, q in pairs])
    branches = [pairs[:split], pairs[split:]]
    nested = encode_list_of(
        [encode_point_pairs([(p.to_bytes(), q.to_bytes()) for p, q in b]) for b in branches]
    )
    assert nested.data == encode([[[p, q] for p, q in branch] for branch in branches])


def test_hash_definition() -> None:
    expected = hashlib.sha256(encode(BALLOT.text) + encode(b"x") + encode(7)).digest()
    assert hash_bytes(BALLOT, b"x", 7) == expected
    assert hash_to_scalar(BALLOT, b"x", 7) == Scalar.reduce(int.from_bytes(expected, "big"))


def test_tags_separate_domains() -> None:
    assert hash_bytes(BALLOT, b"x") != hash_bytes(MANIFEST, b"x")


def test_tags_are_unique_and_versioned() -> None:
    tags = all_tags()
    texts = [tag.text for tag in tags.values()]
    assert len(set(texts)) == len(texts)
    assert all(text.startswith("votecrypt/1/") for text in texts)


def test_hash_needs_a_registered_tag_type() -> None:
    with pytest.raises(TypeError):
        hash_bytes("votecrypt/1/ballot", b"x")  # type: ignore[arg-type]
    assert isinstance(BALLOT, DomainTag)
