"""Finding a ballot by its tracking code, on the board or in a published record (spec 10.5).

On the board the code of every ballot and challenge is indexed in the append's transaction
(table `tracking` of board.sqlite), so a lookup is one indexed query, whatever the number of
ballots. For a published record, `board export` writes `tracking-index.txt` beside the log:
for every ballot and challenge its code, sequence number and the byte offset of its line in
log.jsonl, in fixed-width lines sorted by code (spec 15.1). An index file is written once at
export rather than built on each lookup because building it means decoding every ballot
(seconds for tens of thousands), while a binary search in it reads about log2(n) lines and
then one line of the log: constant time in practice, for a record directory (an archive's
index member is read whole, then searched the same way).

Neither index is trusted (spec rule: whoever acts on data checks it first). A hit is checked
by decoding that one entry, checking its entry hash and recomputing its tracking code; a
miss, or a record without an index, falls back to decoding every ballot, so an index that
leaves a ballot out cannot hide it from its voter.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from votecrypt.errors import EncodingError, FileError
from votecrypt.math.group import Group
from votecrypt.protocol.manifest import Manifest
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_from_plain
from votecrypt.record.election_codec import manifest_from_plain
from votecrypt.record.log import Entry, entry_from_line, entry_hash
from votecrypt.record.reader import LOG_NAME, RecordSource
from votecrypt.storage.board import BulletinBoard

TRACKING_INDEX = "tracking-index.txt"
INDEX_HEADER = b"votecrypt/tracking-index 1\n"
#: "CODE12 seq offset\n": the code without dashes, 12 and 16 decimal digits.
INDEX_LINE = 12 + 1 + 12 + 1 + 16 + 1
MAX_INDEX_BYTES = 1 << 30
CODE_CHARACTERS = 12
#: RFC 4648 base 32 has no 0, 1 or 8: read them as the letters they look like.
_READ_ALIKE = str.maketrans({"0": "O", "1": "I", "8": "B"})
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


@dataclass(frozen=True, slots=True)
class Tracked:
    """A ballot found by its code: cast (`kind` "ballot") or challenged ("challenge"), its
    board entry, and for a challenged ballot the choices it opened, by outcome key."""

    code: str
    seq: int
    kind: str
    choices: tuple[str, ...] | None = None


def normalise_tracking_code(text: str) -> str:
    """ "k7qx 2m4d-3fab" -> "K7QX-2M4D-3FAB"; case, spaces and dashes do not matter and 0, 1,
    8 are read as O, I, B. EncodingError when it cannot be a tracking code."""
    # ASCII only: Unicode case mapping would read "ſ" as S or "ﬀ" as FF.
    characters = "".join(text.split()).replace("-", "").upper().translate(_READ_ALIKE)
    if not text.isascii() or len(characters) != CODE_CHARACTERS or not set(characters) <= _ALPHABET:
        raise EncodingError(
            f"{text!r} is not a tracking code: 12 letters and digits 2-7, e.g. K7QX-2M4D-3FAB"
        )
    return "-".join(characters[i : i + 4] for i in range(0, CODE_CHARACTERS, 4))


def code_of(entry: Entry, group: Group, manifest: Manifest) -> Tracked:
    """Decode a ballot or challenge entry and recompute its tracking code."""
    if entry.kind == "ballot":
        ballot = ballot_from_plain(entry.payload, group)
        return Tracked(ballot.tracking_code(), entry.seq, entry.kind)
    challenged = challenged_from_plain(entry.payload, group)
    outcomes = manifest.outcomes()
    choices = tuple(outcomes[o] if 0 <= o < len(outcomes) else "?" for o in challenged.outcomes)
    return Tracked(challenged.tracking_code(), entry.seq, entry.kind, choices)


def _checked(entry: Entry | None, code: str, group: Group, manifest: Manifest) -> Tracked | None:
    """The entry if it is a ballot or challenge whose hash and code check, else None."""
    if entry is None or entry.kind not in ("ballot", "challenge"):
        return None
    if entry_hash(entry.seq, entry.prev, entry.kind, entry.payload) != entry.hash:
        return None
    try:
        found = code_of(entry, group, manifest)
    except EncodingError:
        return None
    return found if found.code == code else None


# On the board


def track_on_board(
    board: BulletinBoard, group: Group, manifest: Manifest, code: str
) -> list[Tracked]:
    """Ballots and challenges on the board with this (normalised) code."""
    indexed = board.tracked(code)
    if indexed is not None:
        hits = [_checked(board.entry(seq), code, group, manifest) for seq in indexed]
        if indexed and all(hits):
            return [hit for hit in hits if hit is not None]
    found = []
    for kind in ("ballot", "challenge"):
        for entry in board.entries_of(kind):
            tracked = code_of(entry, group, manifest)
            if tracked.code == code:
                found.append(tracked)
    return sorted(found, key=lambda t: t.seq)


# In a published record


def record_manifest(source: RecordSource) -> Manifest:
    """The manifest of a record, from the first entry of its log."""
    for number, line in source.lines():
        entry = entry_from_line(line, number)
        if entry.kind != "manifest":
            break
        return manifest_from_plain(entry.payload)
    raise FileError(f"{source.path}: the log does not begin with the manifest")


def track_in_record(source: RecordSource, group: Group, code: str) -> list[Tracked]:
    """Ballots and challenges in a published record with this (normalised) code."""
    manifest = record_manifest(source)
    index = _read_index(source, code)
    if index:
        hits = [_entry_at(source, seq, offset) for seq, offset in index]
        checked = [_checked(hit, code, group, manifest) for hit in hits]
        if all(checked):
            return [hit for hit in checked if hit is not None]
    found = []
    for number, line in source.lines():
        if b'"ballot"' not in line and b'"challenge"' not in line:
            continue
        entry = entry_from_line(line, number)
        if entry.kind in ("ballot", "challenge"):
            tracked = code_of(entry, group, manifest)
            if tracked.code == code:
                found.append(tracked)
    return found


def _read_index(source: RecordSource, code: str) -> list[tuple[int, int]] | None:
    """(seq, offset) of the index lines for `code` by binary search, or None when the record
    has no well-formed index (then every ballot is decoded instead)."""
    key = code.replace("-", "").encode("ascii")
    try:
        if source.path.is_dir():
            path = source.path / TRACKING_INDEX
            if not path.is_file():
                return None
            with open(path, "rb") as handle:
                return _search(handle.read, handle.seek, path.stat().st_size, key)
        data = source.read(TRACKING_INDEX, max_bytes=MAX_INDEX_BYTES)
        if data is None:
            return None
        buffer = io.BytesIO(data)
        return _search(buffer.read, buffer.seek, len(data), key)
    except (OSError, FileError, ValueError):
        return None


def _search(
    read: Callable[[int], bytes], seek: Callable[[int], int], size: int, key: bytes
) -> list[tuple[int, int]] | None:
    if read(len(INDEX_HEADER)) != INDEX_HEADER or (size - len(INDEX_HEADER)) % INDEX_LINE:
        return None
    count = (size - len(INDEX_HEADER)) // INDEX_LINE

    def line(number: int) -> bytes:
        seek(len(INDEX_HEADER) + number * INDEX_LINE)
        return read(INDEX_LINE)

    low, high = 0, count
    while low < high:  # the first line whose code is >= key
        middle = (low + high) // 2
        if line(middle)[:12] < key:
            low = middle + 1
        else:
            high = middle
    found = []
    while low < count:
        text = line(low)
        if text[:12] != key:
            break
        found.append((int(text[13:25]), int(text[26:42])))
        low += 1
    return found


def _entry_at(source: RecordSource, seq: int, offset: int) -> Entry | None:
    """The log entry at a byte offset (a directory record) or line seq + 1 (an archive)."""
    try:
        if source.path.is_dir():
            with open(source.path / LOG_NAME, "rb") as log:
                log.seek(offset)
                return entry_from_line(log.readline(1 << 24), seq + 1)
        for number, line in source.lines():
            if number == seq + 1:
                return entry_from_line(line, number)
    except (OSError, EncodingError):
        return None
    return None


def tracking_index(entries: Iterator[tuple[Entry, int, str]]) -> bytes:
    """The index file written at export from (entry, byte offset, code) triples: the header,
    then one fixed-width line per entry, sorted by code (spec 15.1)."""
    lines = sorted(
        f"{code.replace('-', '')} {entry.seq:012d} {offset:016d}\n".encode("ascii")
        for entry, offset, code in entries
    )
    return INDEX_HEADER + b"".join(lines)


__all__ = [
    "TRACKING_INDEX",
    "Tracked",
    "normalise_tracking_code",
    "track_in_record",
    "track_on_board",
    "tracking_index",
]
