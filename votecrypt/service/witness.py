"""A witness (spec 11.10): follows a board server, verifies every new entry once with the
verifier's checks, keeps a full replica of the log, and cosigns the board's checkpoint only
when it is consistent with the last one it cosigned and everything up to it verifies.

The replica is a directory:
    log.jsonl        the log, entry by entry as verified (appended, synced)
    cosigned.txt     the last checkpoint this witness cosigned (the board's note and its line)
    evidence/        pairs of board-signed checkpoints that cannot both hold (a split view,
                     a rewritten or shortened log), each a file `<n>-a.txt`, `<n>-b.txt`,
                     with `<n>-why.txt` saying why
A witness that stops and starts again reads its replica back (verifying it again) and goes
on from there.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from votecrypt.errors import EncodingError, InvalidSignature, VotecryptError
from votecrypt.math.group import Group
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.board_setup import BoardSetup
from votecrypt.record.checkpoint import Checkpoint, board_note_key, open_checkpoint
from votecrypt.record.cosignature import cosign
from votecrypt.record.log import entry_from_line
from votecrypt.record.merkle import MerkleTree, leaf_hash
from votecrypt.record.note import COSIGNATURE_V1, NoteKey, SignedNote
from votecrypt.record.reader import RecordSource
from votecrypt.storage.files import write_atomic
from votecrypt.verifier.incremental import GrowingLog
from votecrypt.verifier.verify import verify_log

#: Longest answer read from the board (a page of the record may be large).
_MAX_ANSWER = 1 << 28
_TIMEOUT = 60.0
#: Kinds after which a full verification of the replica is needed before cosigning.
_FINAL_KINDS = ("tally", "decryption-share", "results")


class WitnessError(VotecryptError):
    """The witness cannot go on: the board is unreachable or this witness is not named."""


class BoardFeed:
    """The board server's API as a witness reads it (standard library HTTP only)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def _get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=_TIMEOUT) as answer:
                return int(answer.status), answer.read(_MAX_ANSWER)
        except urllib.error.HTTPError as error:
            return error.code, error.read(4096)
        except (urllib.error.URLError, OSError) as error:
            raise WitnessError(f"the board at {self.base} cannot be reached: {error}") from None

    def lines(self, start: int) -> list[bytes]:
        status, body = self._get(f"/api/v1/record?start={start}")
        if status != 200:
            raise WitnessError(f"the board's record answered HTTP {status}")
        return body.splitlines(keepends=True)

    def checkpoint(self) -> bytes | None:
        status, body = self._get("/api/v1/checkpoint")
        return body if status == 200 else None

    def publish(self, note: bytes) -> bool:
        request = urllib.request.Request(
            self.base + "/api/v1/cosignatures",
            data=note,
            headers={"content-type": "text/plain; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:
                return int(answer.status) == 201
        except (urllib.error.URLError, OSError):
            return False


@dataclass(frozen=True)
class Step:
    """What one round of the witness did."""

    entries: int
    verified: bool
    cosigned: Checkpoint | None
    published: bool
    evidence: str | None


class Witness:
    """One witness's state: its key, its replica and what it verified and cosigned."""

    def __init__(
        self, name: str, key: SigningKey, replica: Path, group: Group, feed: BoardFeed
    ) -> None:
        self.name = name
        self.key = key
        self.replica = Path(replica)
        self.group = group
        self.feed = feed
        self.replica.mkdir(parents=True, exist_ok=True)
        self.log_path = self.replica / "log.jsonl"
        self.growing = GrowingLog(group, self.replica)
        self.tree = MerkleTree()
        self.board_key: NoteKey | None = None
        self.last: Checkpoint | None = None
        self._final_verified = 0
        self._resume()

    # The replica

    def _resume(self) -> None:
        """Read the replica back: every entry verified again, the tree rebuilt."""
        if self.log_path.exists():
            lines = self.log_path.read_bytes().splitlines(keepends=True)
            # A line cut by a crash while appending is dropped: it is fetched again.
            if lines and not lines[-1].endswith(b"\n"):
                lines.pop()
                with self.log_path.open("r+b") as replica:
                    replica.truncate(sum(len(line) for line in lines))
            self._take(lines)
        cosigned = self.replica / "cosigned.txt"
        if cosigned.exists() and self.board_key is not None:
            self.last, _ = open_checkpoint(cosigned.read_bytes(), self.board_key)

    def _take(self, lines: list[bytes]) -> None:
        self.growing.add(lines)
        for number, line in enumerate(lines, start=self.tree.size + 1):
            self.tree.append(leaf_hash(entry_from_line(line, number).hash))
        context = self.growing.verification.context
        if self.board_key is None and context is not None:
            self._check_named(context.manifest.board, context.hash)

    def _check_named(self, board: BoardSetup | None, context_hash: bytes) -> None:
        if board is None:
            raise WitnessError("the election's manifest names no board key: nothing to witness")
        mine = NoteKey(self.name, COSIGNATURE_V1, self.key.verify_key.to_bytes())
        if not any(w.name == mine.name and w.key == mine.public_key for w in board.witnesses):
            raise WitnessError(
                f"the manifest does not name the witness {self.name} with this key; the "
                "trustees endorse the witnesses with the setup (spec 7.1)"
            )
        self.board_key = board_note_key(context_hash, board.key)

    def _append(self, lines: list[bytes]) -> None:
        with self.log_path.open("ab") as replica:
            replica.write(b"".join(lines))
            replica.flush()
            os.fsync(replica.fileno())

    # One round

    def step(self) -> Step:
        """Fetch new entries, verify them, and cosign the board's checkpoint if it holds."""
        fetched = self._fetch()
        note_bytes = self.feed.checkpoint()
        if note_bytes is None or self.board_key is None:
            return Step(fetched, self.growing.ok, None, False, None)
        try:
            checkpoint, note = open_checkpoint(note_bytes, self.board_key)
        except (EncodingError, InvalidSignature) as error:
            return Step(fetched, self.growing.ok, None, False, f"refused checkpoint: {error}")
        if checkpoint.size > self.tree.size:
            fetched += self._fetch()
        problem = self._inconsistency(checkpoint)
        if problem is not None:
            self._keep_evidence(note, problem)
            return Step(fetched, self.growing.ok, None, False, problem)
        if not self._verified_up_to(checkpoint.size):
            return Step(fetched, False, None, False, None)
        if self.last is not None and checkpoint.size <= self.last.size:
            return Step(fetched, True, None, False, None)
        line = cosign(note, self.name, self.key, int(time.time()))
        cosigned = note.with_signature(line)
        write_atomic(self.replica / "cosigned.txt", cosigned.to_bytes())
        self.last = checkpoint
        published = self.feed.publish(cosigned.to_bytes())
        return Step(fetched, True, checkpoint, published, None)

    def _fetch(self) -> int:
        total = 0
        while True:
            lines = self.feed.lines(self.tree.size)
            if not lines:
                return total
            if not lines[-1].endswith(b"\n"):
                lines.pop()  # cut off in transit: fetched again next time
            if not lines:
                return total
            self._append(lines)
            self._take(lines)
            total += len(lines)

    def _inconsistency(self, checkpoint: Checkpoint) -> str | None:
        """Why the board's signed checkpoint cannot be of the log this witness holds."""
        if checkpoint.size > self.tree.size:
            return (
                f"the board signed a checkpoint of {checkpoint.size} entries but serves only "
                f"{self.tree.size}"
            )
        if self.tree.root(checkpoint.size) != checkpoint.root:
            return (
                f"the board signed a root for {checkpoint.size} entries that is not the root "
                "of the log it served (split view or rewritten history)"
            )
        if self.last is not None and checkpoint.size < self.last.size:
            return (
                f"the board's checkpoint of {checkpoint.size} entries is older than the one "
                f"of {self.last.size} this witness cosigned (a log cut short?)"
            )
        return None

    def _verified_up_to(self, size: int) -> bool:
        """Every check of the entries up to `size` passed; after voting, the checks of the
        whole log (16-22) run on the replica once per new final entry."""
        if not self.growing.ok or not self.growing.verification.report["log-chain"].checked:
            return False
        phase = self.growing.phase
        if phase in ("closed", "tallied", "published") and size > self._final_verified:
            lines = self.log_path.read_bytes().splitlines(keepends=True)[:size]
            kinds = {entry_from_line(line, n).kind for n, line in enumerate(lines, 1)}
            if kinds & set(_FINAL_KINDS):
                report = verify_log(RecordSource(self.replica), group=self.group)
                if not report.ok:
                    return False
            self._final_verified = size
        return True

    def _keep_evidence(self, note: SignedNote, why: str) -> None:
        """Keep the board's signed checkpoint beside the one this witness holds (spec 11.7)."""
        folder = self.replica / "evidence"
        folder.mkdir(exist_ok=True)
        number = len(list(folder.glob("*-why.txt"))) + 1
        mine = self.replica / "cosigned.txt"
        write_atomic(folder / f"{number}-a.txt", mine.read_bytes() if mine.exists() else b"")
        write_atomic(folder / f"{number}-b.txt", note.to_bytes())
        write_atomic(folder / f"{number}-why.txt", (why + "\n").encode())

    def cosigned(self) -> bytes | None:
        """The last checkpoint this witness cosigned, as it serves it."""
        path = self.replica / "cosigned.txt"
        return path.read_bytes() if path.exists() else None

    def close(self) -> None:
        self.growing.close()
