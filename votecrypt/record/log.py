"""The hash-chained log: its entries and their hashes (spec 11.2, 15.2).

    hash_i = H(BOARD_ENTRY, i, hash_{i-1}, kind_i, payload_i),   hash_{-1} = 32 zero bytes

`payload` is the published item's JSON value, hashed in the typed encoding of spec 3.1. In the
record, `log.jsonl` holds one entry per line:
    {"seq": i, "kind": ..., "payload": {...}, "prev": hex32, "hash": hex32}
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from votecrypt.errors import EncodingError
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.tags import BOARD_ENTRY
from votecrypt.record.json_codec import Fields, canonical_json, parse_json

GENESIS = bytes(32)

#: The entry kinds each phase of the board accepts (spec 11.1)...
PHASE_KINDS: dict[str, tuple[str, ...]] = {
    "start": ("manifest",),
    "setup": ("ceremony", "ceremony-outcome", "credentials", "open"),
    "voting": ("ballot", "challenge", "credential-supplement", "close"),
    "closed": ("tally",),
    "tallied": ("decryption-share", "results"),
    "published": (),
}
#: ...and the phase that an entry of these kinds begins.
NEXT_PHASE = {
    "manifest": "setup",
    "open": "voting",
    "close": "closed",
    "tally": "tallied",
    "results": "published",
}
KINDS = tuple(kind for kinds in PHASE_KINDS.values() for kind in kinds)
#: Kinds with a single entry, copied to their own file in the record (spec 15.1).
SINGLE_ITEMS = ("manifest", "ceremony-outcome", "credentials", "tally", "results")
#: Kinds of which a log holds at most one entry (spec 11.1): a second outcome, credential
#: list or tally would let some party choose which one to act on.
ONCE = (*SINGLE_ITEMS, "open", "close")
#: A credential supplement: credentials added or cancelled while voting is open (spec 9.6).
SUPPLEMENT_KIND = "credential-supplement"
#: The order of the setup entries after the manifest (spec 11.1).
SETUP_ORDER = ("ceremony", "ceremony-outcome", "credentials", "open")


def setup_in_order(kind: str, seen: set[str] | frozenset[str]) -> bool:
    """Whether a setup entry of `kind` may come after the single items in `seen` (spec 11.1):
    nothing of a later stage yet, and every single item of an earlier stage already."""
    if kind not in SETUP_ORDER:
        return True
    position = SETUP_ORDER.index(kind)
    later = SETUP_ORDER[position + 1 :]
    earlier = SETUP_ORDER[1:position]
    return not any(k in seen for k in later) and all(k in seen for k in earlier)


def entry_hash(seq: int, prev: bytes, kind: str, payload: Any) -> bytes:
    """H(BOARD_ENTRY, seq, prev, kind, payload) (spec 11.2)."""
    return hash_bytes(BOARD_ENTRY, seq, prev, kind, payload)


@dataclass(frozen=True, slots=True)
class Entry:
    """One log entry; `payload` is plain JSON data."""

    seq: int
    kind: str
    payload: Any
    prev: bytes
    hash: bytes

    def expected_hash(self) -> bytes:
        return entry_hash(self.seq, self.prev, self.kind, self.payload)


def entry_to_line(entry: Entry) -> bytes:
    """One line of log.jsonl (canonical JSON and a newline)."""
    return _line(entry, normalised=False)


def is_canonical_line(entry: Entry, line: bytes) -> bool:
    """Whether `line` is `entry_to_line(entry)`, for an entry `entry_from_line` read from
    it: its kind and every text of its payload are then in NFC and its values plain JSON,
    so its canonical JSON is written without normalising them again (the same bytes)."""
    return _line(entry, normalised=True) == line


def _line(entry: Entry, *, normalised: bool) -> bytes:
    plain = {
        "seq": entry.seq,
        "kind": entry.kind,
        "payload": entry.payload,
        "prev": entry.prev.hex(),
        "hash": entry.hash.hex(),
    }
    return canonical_json(plain, normalised=normalised) + b"\n"


def entry_from_line(line: bytes, line_number: int) -> Entry:
    """Decode one line of log.jsonl strictly (the hash is not checked here)."""
    fields = Fields(parse_json(line), f"log line {line_number}")
    kind = fields.text("kind", max_length=40)
    if kind not in KINDS:
        raise EncodingError(f"log line {line_number}: unknown entry kind {kind!r}")
    payload = fields.raw("payload")
    if not _hashable(payload):
        _check_hashable(payload, f"log line {line_number}: payload")
    entry = Entry(
        seq=fields.integer("seq"),
        kind=kind,
        payload=payload,
        prev=fields.hex_bytes("prev", 32),
        hash=fields.hex_bytes("hash", 32),
    )
    fields.done()
    return entry


def _hashable(value: Any) -> bool:
    """True when `_check_hashable` has nothing to refuse in plain JSON data (one walk, no
    paths written out); False when it may, and then it names the place."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is str:
            if not item.isascii() and not unicodedata.is_normalized("NFC", item):
                return False
        elif kind is dict:
            for key in item:
                if type(key) is not str or not (
                    key.isascii() or unicodedata.is_normalized("NFC", key)
                ):
                    return False
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
        elif kind is int:
            if item < 0:
                return False
        elif kind is not bool and item is not None:
            return False
    return True


def _check_hashable(value: Any, path: str) -> None:
    """The typed encoding (spec 3.1) has no negative integers: such a payload has no hash.
    Every text is in NFC (spec 15.2): the typed encoding hashes the NFC form, so a line
    holding another form would hash like the canonical one; it does not decode."""
    if isinstance(value, str):
        _check_nfc(value, path)
        return
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if value < 0:
            raise EncodingError(f"{path}: negative integer {value}")
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _check_hashable(item, f"{path}[{position}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_nfc(key, f"{path}: key {key!r}")
            _check_hashable(item, f"{path}.{key}")


def _check_nfc(text: str, path: str) -> None:
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        raise EncodingError(f"{path}: text not in Unicode NFC (spec 15.2)")
