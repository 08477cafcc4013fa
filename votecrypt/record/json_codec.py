"""Strict JSON reading and canonical JSON writing for every published file (spec 15.1).

Writing: `canonical_json` gives one byte string per value: UTF-8, keys sorted, no insignificant
white space, text in NFC, integers only (no floats), no escapes beyond what JSON requires.

Reading: `parse_json` refuses duplicate keys, floats, NaN/Infinity, non-UTF-8, lone
surrogates (the escape `\\ud800` alone), integers of more than 4,300 digits (Python's
conversion limit) and nesting deeper than MAX_DEPTH, counted before parsing so that no
recursion limit matters (py_ecc raises Python's to 100,000, deep enough to overflow the C
stack); `Fields` reads one object and refuses missing, unknown or mistyped fields, naming
the path of the offending field in the error.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any, TypeVar

from votecrypt.errors import EncodingError
from votecrypt.math.encoding import nfc
from votecrypt.math.group import Group, Point
from votecrypt.math.scalar import Scalar

T = TypeVar("T")

MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")  # +1 and -1 as signed bytes


def canonical_json(value: Any, *, normalised: bool = False) -> bytes:
    """The canonical UTF-8 JSON encoding of plain data (dict, list, str, int, bool, None).
    `normalised`: the caller vouches that `value` is already in the form the normalisation
    gives (lists, dicts with text keys, text in NFC, integers, at most MAX_DEPTH levels), as
    `parse_json`'s output is once every text in it was checked to be NFC; it is then written
    without being walked again."""
    return json.dumps(
        value if normalised else _normalised(value, 0),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def _normalised(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise EncodingError("JSON value nested too deeply")
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, (list, tuple)):
        return [_normalised(item, depth + 1) for item in value]
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError("JSON object keys must be text")
            normal = nfc(key)
            if normal in result:
                raise EncodingError(f"JSON key {normal!r} appears twice")
            result[normal] = _normalised(item, depth + 1)
        return result
    raise EncodingError(f"{type(value).__name__} cannot be written as canonical JSON")


def _reject_constant(name: str) -> Any:
    raise EncodingError(f"JSON constant {name} is not allowed")


def _reject_float(text: str) -> Any:
    raise EncodingError(f"JSON number {text} is not an integer")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        key = nfc(key)
        if key in result:
            raise EncodingError(f"JSON key {key!r} appears twice")
        result[key] = value
    return result


def parse_json(data: bytes | str) -> Any:
    """Parse JSON strictly (see the module docstring)."""
    given_text = isinstance(data, str)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise EncodingError("file is not UTF-8 text") from None
    # The top-level array or object holds values at most MAX_DEPTH levels below it.
    if _nesting(data) > MAX_DEPTH + 1:
        raise EncodingError("JSON value nested too deeply")
    try:
        value = json.loads(
            data,
            object_pairs_hook=_unique_keys,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise EncodingError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise EncodingError("JSON value nested too deeply") from None
    except ValueError:  # Python's limit on the digits of an integer (4,300)
        raise EncodingError("not valid JSON: an integer with too many digits") from None
    # Lone surrogates come from \ud800-style escapes, or in text given as str (UTF-8 bytes
    # cannot hold them).
    if ("\\u" in data and _SURROGATE_ESCAPE.search(data)) or (
        given_text and _SURROGATE.search(data)
    ):
        _check_surrogates(value)
    return value


def _nesting(text: str) -> int:
    """How deeply arrays and objects nest in JSON text (an upper bound when it is short),
    found without recursion. Escapes are removed first, then strings (JSON's string extents
    are then exactly `"[^"]*"`), then everything but brackets; all three are linear. Where
    the text stops being valid JSON the count may be wrong, but json.loads stops there too."""
    openers = text.count("[") + text.count("{")
    if openers <= MAX_DEPTH + 1:
        return openers
    if "\\" in text:
        text = _ESCAPE.sub("", text)
    if '"' in text:
        text = _STRING.sub("", text)
    brackets = _NOT_BRACKET.sub("", text)
    steps = array("b", brackets.encode("ascii").translate(_STEP))
    return max(accumulate(steps))


def _check_text(text: str) -> None:
    if _SURROGATE.search(text):
        raise EncodingError("JSON text holds a lone surrogate (not Unicode text)")


def _check_surrogates(value: Any) -> None:
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, list):
        for item in value:
            _check_surrogates(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_surrogates(item)


class Fields:
    """A strict reader of one JSON object. Call `done()` last: it refuses unread fields."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise EncodingError(f"{path}: expected an object")
        self._value: dict[str, Any] = value
        self._path = path
        self._read: set[str] = set()

    def _get(self, key: str) -> Any:
        if key not in self._value:
            raise EncodingError(f"{self._path}: missing field {key!r}")
        self._read.add(key)
        return self._value[key]

    def path(self, key: str) -> str:
        return f"{self._path}.{key}"

    def raw(self, key: str) -> Any:
        return self._get(key)

    def has(self, key: str) -> bool:
        return key in self._value

    def text(self, key: str, *, max_length: int = 10_000, allow_empty: bool = False) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise EncodingError(f"{self.path(key)}: expected text")
        if (not value and not allow_empty) or len(value) > max_length:
            raise EncodingError(f"{self.path(key)}: text length out of range")
        return nfc(value)

    def constant(self, key: str, expected: str) -> None:
        if self._get(key) != expected:
            raise EncodingError(f"{self.path(key)}: expected {expected!r}")

    def integer(self, key: str, minimum: int = 0, maximum: int = 2**63 - 1) -> int:
        value = self._get(key)
        if type(value) is not int or not minimum <= value <= maximum:
            raise EncodingError(f"{self.path(key)}: expected an integer in [{minimum}, {maximum}]")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise EncodingError(f"{self.path(key)}: expected true or false")
        return value

    def hex_bytes(self, key: str, length: int | None = None, *, max_length: int = 1 << 16) -> bytes:
        return decode_hex(self._get(key), self.path(key), length, max_length=max_length)

    def point(self, key: str, group: Group, *, allow_identity: bool = False) -> Point:
        return decode_point(self._get(key), self.path(key), group, allow_identity=allow_identity)

    def scalar(self, key: str) -> Scalar:
        return decode_scalar(self._get(key), self.path(key))

    def items(self, key: str, *, max_items: int = 1_000_000) -> Iterator[tuple[str, Any]]:
        """(path, item) for every item of a list field."""
        value = self._get(key)
        if not isinstance(value, list):
            raise EncodingError(f"{self.path(key)}: expected a list")
        if len(value) > max_items:
            raise EncodingError(f"{self.path(key)}: too many items")
        for position, item in enumerate(value):
            yield f"{self.path(key)}[{position}]", item

    def objects(self, key: str, *, max_items: int = 1_000_000) -> Iterator[Fields]:
        for path, item in self.items(key, max_items=max_items):
            yield Fields(item, path)

    def listed(
        self, key: str, decode: Callable[[Any, str], T], *, max_items: int = 1_000_000
    ) -> tuple[T, ...]:
        return tuple(decode(item, path) for path, item in self.items(key, max_items=max_items))

    def nested(self, key: str) -> Fields:
        return Fields(self._get(key), self.path(key))

    def done(self) -> None:
        unknown = sorted(set(self._value) - self._read)
        if unknown:
            raise EncodingError(f"{self._path}: unknown field(s) {', '.join(unknown)}")


_HEX_DIGITS = frozenset("0123456789abcdef")


def decode_hex(
    value: Any, path: str, length: int | None = None, *, max_length: int = 1 << 16
) -> bytes:
    """Lower-case hex without prefix; exactly `length` bytes when given."""
    if not isinstance(value, str) or len(value) % 2 or len(value) > 2 * max_length:
        raise EncodingError(f"{path}: expected lower-case hex")
    if value != value.lower():
        raise EncodingError(f"{path}: hex must be lower case")
    if not _HEX_DIGITS.issuperset(value):
        # bytes.fromhex would skip white space: one value, several encodings
        raise EncodingError(f"{path}: expected lower-case hex digits only")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise EncodingError(f"{path}: expected lower-case hex") from None
    if length is not None and len(data) != length:
        raise EncodingError(f"{path}: expected {length} bytes, got {len(data)}")
    return data


def decode_point(value: Any, path: str, group: Group, *, allow_identity: bool = False) -> Point:
    data = decode_hex(value, path, 33)
    try:
        return group.point_from_canonical_bytes(data, allow_identity=allow_identity)
    except EncodingError as exc:
        raise EncodingError(f"{path}: {exc}") from None


def decode_scalar(value: Any, path: str) -> Scalar:
    data = decode_hex(value, path, 32)
    try:
        return Scalar.from_canonical_bytes(data)
    except EncodingError as exc:
        raise EncodingError(f"{path}: {exc}") from None


def decode_index(value: Any, path: str, maximum: int) -> int:
    if type(value) is not int or not 1 <= value <= maximum:
        raise EncodingError(f"{path}: expected an index in [1, {maximum}]")
    return value
