"""The typed, length-prefixed canonical encoding that every hash input goes through (spec 3.1).

Each value is encoded as `type (1 byte) || length of body (8 bytes, big-endian) || body`:

| type | value                         | body                                               |
|------|-------------------------------|----------------------------------------------------|
| 0x01 | bytes                         | the bytes                                          |
| 0x02 | text (str)                    | UTF-8 of the NFC normal form                       |
| 0x03 | non-negative integer          | minimal big-endian bytes (empty for 0)             |
| 0x04 | Scalar                        | 32-byte canonical encoding                         |
| 0x05 | Point                         | 33-byte canonical encoding (identity: 33 zeros)    |
| 0x06 | list or tuple                 | concatenated encodings of the items                |
| 0x07 | map with text keys            | encoded (key, value) pairs, sorted by key bytes    |
| 0x08 | bool                          | one byte, 0x00 or 0x01                             |
| 0x09 | None                          | empty                                              |

Every encoding is self-delimiting, so a concatenation of encodings determines its parts: two
different inputs can never produce the same bytes. `Encoded` carries a value's encoding
computed earlier (in another process, say), and stands for that value in any input.
"""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from votecrypt.math.group import Point
from votecrypt.math.scalar import Scalar


@dataclass(frozen=True, slots=True)
class Encoded:
    """The canonical encoding of a value, computed once (`Encoded.of`): encoding it again
    gives the same bytes, `encode(Encoded.of(v)) == encode(v)`, at the cost of a copy."""

    data: bytes

    @classmethod
    def of(cls, value: Encodable) -> Encoded:
        return cls(encode(value))

    def __repr__(self) -> str:
        return f"Encoded({len(self.data)} bytes)"


Encodable = Union[  # noqa: UP007 (a recursive alias needs the string form)
    bytes,
    str,
    int,
    bool,
    None,
    Scalar,
    Point,
    Sequence["Encodable"],
    Mapping[str, "Encodable"],
    Encoded,
]

T_BYTES = 0x01
T_TEXT = 0x02
T_UINT = 0x03
T_SCALAR = 0x04
T_POINT = 0x05
T_LIST = 0x06
T_MAP = 0x07
T_BOOL = 0x08
T_NULL = 0x09


def nfc(text: str) -> str:
    """Unicode NFC: Vietnamese text has several byte forms; hashes see only this one."""
    if text.isascii():  # ASCII text (hex, keys) is always in NFC: skip the table lookups
        return text
    return unicodedata.normalize("NFC", text)


_HEADER = struct.Struct(">BQ")  # type, length of the body


def _frame(type_code: int, body: bytes) -> bytes:
    return _HEADER.pack(type_code, len(body)) + body


def encode(value: Encodable) -> bytes:
    """The canonical typed encoding of `value` (spec 3.1). Raises TypeError on other types."""
    encoder = _BY_TYPE.get(type(value))
    if encoder is not None:
        return encoder(value)
    # Subclasses and abstract mappings; bool is checked before int (bool subclasses int).
    if isinstance(value, bool):
        return _encode_bool(value)
    if isinstance(value, bytes):
        return _frame(T_BYTES, value)
    if isinstance(value, str):
        return _encode_text(value)
    if isinstance(value, int):
        return _encode_int(value)
    if isinstance(value, (list, tuple)):
        return _encode_list(value)
    if isinstance(value, Mapping):
        return _frame(T_MAP, _encode_map(value))
    raise TypeError(f"{type(value).__name__} has no canonical encoding")


def _encode_bool(value: bool) -> bytes:
    return _frame(T_BOOL, b"\x01" if value else b"\x00")


def _encode_text(value: str) -> bytes:
    body = value.encode("ascii") if value.isascii() else nfc(value).encode("utf-8")
    return _HEADER.pack(T_TEXT, len(body)) + body


def _encode_int(value: int) -> bytes:
    if value < 0:
        raise ValueError("only non-negative integers have a canonical encoding")
    return _frame(T_UINT, value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _encode_list(value: Sequence[Encodable]) -> bytes:
    # The type table first, as in `encode`, without a call of `encode` per item (hot: every
    # proof's challenge hashes lists of points).
    by_type = _BY_TYPE
    return _frame(T_LIST, b"".join([(by_type.get(type(item)) or encode)(item) for item in value]))


_POINT_HEADER = bytes((T_POINT,)) + (33).to_bytes(8, "big")
_SCALAR_HEADER = bytes((T_SCALAR,)) + (32).to_bytes(8, "big")

_BY_TYPE: dict[type, Callable[[Any], bytes]] = {
    Point: lambda p: _POINT_HEADER + p.to_bytes(),
    Scalar: lambda k: _SCALAR_HEADER + k.to_bytes(),
    tuple: _encode_list,
    list: _encode_list,
    bytes: lambda b: _frame(T_BYTES, b),
    str: _encode_text,
    int: _encode_int,
    bool: _encode_bool,
    type(None): lambda _: _frame(T_NULL, b""),
    Encoded: lambda e: e.data,
    dict: lambda m: _frame(T_MAP, _encode_map(m)),
}


_PAIR_HEADER = bytes((T_LIST,)) + (2 * (9 + 33)).to_bytes(8, "big") + _POINT_HEADER


def encode_point_pairs(pairs: Iterable[tuple[bytes, bytes]]) -> Encoded:
    """`Encoded.of([[p, q], ...])` for a list of pairs of points given as their 33-byte
    encodings (ciphertexts, the commitments of a proof branch), in one pass: the same bytes
    (spec 3.1), without a call per item."""
    return Encoded(_point_pairs(pairs))


def encode_point_pair_lists(lists: Iterable[Iterable[tuple[bytes, bytes]]]) -> Encoded:
    """`Encoded.of([[[p, q], ...], ...])` for lists of pairs of points given as their 33-byte
    encodings (a proof's commitments, one list per branch): the same bytes (spec 3.1)."""
    return Encoded(_frame(T_LIST, b"".join([_point_pairs(pairs) for pairs in lists])))


def _point_pairs(pairs: Iterable[tuple[bytes, bytes]]) -> bytes:
    header, point = _PAIR_HEADER, _POINT_HEADER
    return _frame(T_LIST, b"".join([header + p + point + q for p, q in pairs]))


def encode_list_of(encoded: Iterable[Encoded]) -> Encoded:
    """`Encoded.of([v, ...])` from the items' encodings (spec 3.1)."""
    return Encoded(_frame(T_LIST, b"".join([item.data for item in encoded])))


def _encode_map(mapping: Mapping[str, Encodable]) -> bytes:
    pairs: dict[bytes, bytes] = {}
    by_type = _BY_TYPE
    for key, item in mapping.items():
        if not isinstance(key, str):
            raise TypeError("map keys must be text")
        key_bytes = nfc(key).encode("utf-8")
        if key_bytes in pairs:
            raise ValueError("map keys collide after NFC normalisation")
        pairs[key_bytes] = (by_type.get(type(item)) or encode)(item)
    header = _HEADER.pack
    return b"".join([header(T_TEXT, len(key)) + key + pairs[key] for key in sorted(pairs)])
