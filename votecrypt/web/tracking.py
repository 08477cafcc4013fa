"""The tracking codes of the ballots on the board (spec 10.5), kept in memory and brought up
to date from the log before each lookup.

The server adds the ballots it accepts itself as it accepts them; entries appended by anyone
else (`votecrypt ballot cast` on the server machine) are read from the log and decoded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from votecrypt.errors import EncodingError
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_from_plain
from votecrypt.record.log import Entry
from votecrypt.service import tracking as service_tracking


class EntrySource(Protocol):
    """Where the index reads the log: the board's store, or a mirror's replica."""

    def entries(self, start: int, limit: int) -> list[Entry]: ...


CAST = "cast"
CHALLENGED = "challenged"
_PAGE = 1000


def normalise_tracking_code(text: str) -> str | None:
    """A tracking code as "K7QX-2M4D-3FAB" (service.tracking: any case, with or without dashes
    or spaces, 0, 1 and 8 read as O, I and B, spec 10.5); None if the text cannot be one."""
    try:
        return service_tracking.normalise_tracking_code(text)
    except EncodingError:
        return None


@dataclass(frozen=True)
class Tracked:
    """A ballot on the board: cast, or challenged with its opened choices (outcome keys)."""

    tracking_code: str
    status: str
    seq: int
    entry_hash: bytes
    choices: tuple[str, ...] | None = None

    def plain(self) -> dict[str, object]:
        """The answer of GET /api/v1/tracking/{code}, on the board and on a mirror alike."""
        answer: dict[str, object] = {
            "tracking_code": self.tracking_code,
            "status": self.status,
            "seq": self.seq,
            "entry_hash": self.entry_hash.hex(),
        }
        if self.choices is not None:
            answer["choices"] = list(self.choices)
        return answer


class BallotIndex:
    """Tracking code -> ballot on the board; thread-safe."""

    def __init__(self, context: ElectionContext) -> None:
        self._context = context
        self._outcome_keys = context.manifest.outcomes()
        self._lock = threading.Lock()  # guards the tables below
        self._sync_lock = threading.Lock()  # one reader of the log at a time
        self._by_code: dict[str, Tracked] = {}
        self._read_up_to = -1
        self._known_seqs: set[int] = set()

    def add_cast(self, code: str, seq: int, entry_hash: bytes) -> None:
        with self._lock:
            self._by_code[code] = Tracked(code, CAST, seq, entry_hash)
            self._known_seqs.add(seq)

    def add_challenged(
        self, code: str, seq: int, entry_hash: bytes, outcomes: tuple[int, ...]
    ) -> None:
        choices = tuple(self._outcome_keys[o] for o in outcomes)
        with self._lock:
            self._by_code[code] = Tracked(code, CHALLENGED, seq, entry_hash, choices)
            self._known_seqs.add(seq)

    def find(self, store: EntrySource, code: str) -> Tracked | None:
        self.update(store)
        with self._lock:
            return self._by_code.get(code)

    def update(self, store: EntrySource) -> None:
        """Read the entries appended since the last update."""
        with self._sync_lock:
            while True:
                entries = store.entries(self._read_up_to + 1, _PAGE)
                if not entries:
                    return
                for entry in entries:
                    self._read(entry)
                with self._lock:
                    self._read_up_to = entries[-1].seq
                    self._known_seqs = {s for s in self._known_seqs if s > self._read_up_to}

    def _read(self, entry: Entry) -> None:
        if entry.kind not in ("ballot", "challenge"):
            return
        with self._lock:
            if entry.seq in self._known_seqs:
                return
        group = self._context.group
        try:
            if entry.kind == "ballot":
                ballot = ballot_from_plain(entry.payload, group)
                self.add_cast(ballot.tracking_code(), entry.seq, entry.hash)
            else:
                challenged = challenged_from_plain(entry.payload, group)
                self.add_challenged(
                    challenged.tracking_code(), entry.seq, entry.hash, challenged.outcomes
                )
        except (EncodingError, IndexError):
            # The board checked every entry before appending it; an entry that does not
            # decode is left out of the index (the verifier reports it).
            return
