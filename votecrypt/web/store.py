"""The storage seam of the board server: what the server needs from the bulletin board.

`BoardStore` is the interface; `SqliteBoardStore` keeps the embedded SQLite board
(votecrypt.storage.board) behind it, one connection per thread, since SQLite connections
belong to the thread that opened them. A server database can replace it by implementing the
same methods with the same guarantees (docs/voting-stations.md): the stateful checks of
spec 11.3 (steps 5-9) and the append in one transaction, and a log read in sequence order.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from votecrypt.errors import BallotError, BoardError
from votecrypt.math.group import Group
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.log import Entry
from votecrypt.service.election_dir import ElectionDir
from votecrypt.service.voting import load_board
from votecrypt.storage.board import BulletinBoard, CheckedBallot, CheckedChallenge, Receipt
from votecrypt.storage.board_db import reading


@dataclass(frozen=True)
class SetupItems:
    """The published items a booth needs, exactly as they are on the board."""

    manifest: Any
    ceremony_outcome: Any
    credentials: Any


@dataclass(frozen=True)
class BoardStatus:
    """Phase, counts and the head of the log (spec 11.1, 11.2). The counts are read just
    after the head, so while voting goes on they may include a few later ballots."""

    phase: str
    ballots: int
    challenged: int
    head_seq: int
    head_hash: bytes
    #: Credentials in force: the list and every supplement (spec 9.6).
    issued: int


class BoardStore(Protocol):
    """The board as the server uses it. Every method may be called from any thread."""

    @property
    def context(self) -> ElectionContext: ...

    @property
    def setup(self) -> SetupItems: ...

    @property
    def folder(self) -> Path:
        """Where the server keeps files beside the board (the cosigned checkpoints)."""
        ...

    def status(self) -> BoardStatus: ...

    def accept_checked_ballots(
        self, ballots: Sequence[CheckedBallot]
    ) -> list[Receipt | BallotError]:
        """Steps 5-9 of spec 11.3 and the append of each ballot, whose signature and proofs
        were checked, all in one transaction: a receipt or the refusal of each, in order.
        Nothing may be acknowledged before this returns (then all of it is durable)."""
        ...

    def accept_checked_challenge(self, challenge: CheckedChallenge) -> Receipt:
        """The board's checks of a challenged ballot that check_challenge verified (voting
        open, new ballot id and ciphertexts) and its append, in one transaction; BallotError
        otherwise."""
        ...

    def entries(self, start: int, limit: int) -> list[Entry]:
        """At most `limit` entries from sequence number `start`, in order."""
        ...

    def lines(self, start: int, limit: int) -> list[tuple[int, bytes]]:
        """(sequence number, log line) of at most `limit` entries from `start`, in order: the
        record's bytes as they are served (each line the one entry_to_line gives)."""
        ...

    def credential_state(self, public_key: bytes) -> tuple[bool, bool]:
        """(issued, used) of a credential's public key."""
        ...

    def credential_cancelled(self, public_key: bytes) -> bool:
        """Whether a credential was issued and then cancelled by a supplement (spec 9.6)."""
        ...


class SqliteBoardStore:
    """The embedded SQLite board, one connection per thread."""

    def __init__(self, directory: ElectionDir, context: ElectionContext, setup: SetupItems):
        self._directory = directory
        self._context = context
        self._setup = setup
        self._local = threading.local()

    @classmethod
    def open(cls, directory: ElectionDir, group: Group) -> SqliteBoardStore:
        """Open the board of an election directory; BoardError if it was never opened for
        voting (no credential list: `votecrypt board open` has not run)."""
        board, context = load_board(directory, group)
        with board:
            items = {}
            for kind in ("manifest", "ceremony-outcome", "credentials"):
                entry = next(board.entries_of(kind), None)
                if entry is None:
                    raise BoardError(f"the board has no {kind} entry: run `votecrypt board open`")
                items[kind] = entry.payload
        setup = SetupItems(items["manifest"], items["ceremony-outcome"], items["credentials"])
        return cls(directory, context, setup)

    @property
    def context(self) -> ElectionContext:
        return self._context

    @property
    def setup(self) -> SetupItems:
        return self._setup

    @property
    def folder(self) -> Path:
        return self._directory.root

    def _board(self) -> BulletinBoard:
        board: BulletinBoard | None = getattr(self._local, "board", None)
        if board is None:
            board = BulletinBoard(self._directory.board, self._context.group)
            board.use_context(self._context)
            self._local.board = board
        return board

    def status(self) -> BoardStatus:
        board = self._board()
        with reading(self._directory.board):
            # The head first: the counts then include at least every ballot up to it.
            seq, digest = board.head()
            phase = board.phase()
            ballots, challenged = board.count("ballot"), board.count("challenge")
            issued = board.issued()
        return BoardStatus(phase, ballots, challenged, seq, digest, issued)

    def accept_checked_ballots(
        self, ballots: Sequence[CheckedBallot]
    ) -> list[Receipt | BallotError]:
        return self._board().accept_checked_ballots(ballots)

    def accept_checked_challenge(self, challenge: CheckedChallenge) -> Receipt:
        return self._board().accept_checked_challenge(challenge)

    # Reads outside a write transaction: SQLite's errors as the board's (BoardBusy,
    # StorageError: 503 unavailable), as for appends.

    def entries(self, start: int, limit: int) -> list[Entry]:
        board = self._board()
        with reading(self._directory.board):
            return list(islice(board.entries(start), limit))

    def lines(self, start: int, limit: int) -> list[tuple[int, bytes]]:
        board = self._board()
        with reading(self._directory.board):
            return board.lines(start, limit)

    def credential_state(self, public_key: bytes) -> tuple[bool, bool]:
        board = self._board()
        with reading(self._directory.board):
            return board.credential_state(public_key)

    def credential_cancelled(self, public_key: bytes) -> bool:
        board = self._board()
        with reading(self._directory.board):
            return board.credential_cancelled(public_key)
