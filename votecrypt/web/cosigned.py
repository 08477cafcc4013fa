"""The witnesses' cosignatures as the board collects and serves them (spec 11.8, 11.10).

A witness sends the board's checkpoint with its cosignature line added. The board keeps a
line only if it is by a witness the manifest names and verifies, on a checkpoint that the
board signed and whose root is its own tree's at that size. The lines of each size are
merged into one note, kept in memory and written to ELECTION/cosigned/<size>.txt (atomically),
so that they survive the server and go into the record.
"""

from __future__ import annotations

import threading
from pathlib import Path

from votecrypt.errors import EncodingError, InvalidSignature
from votecrypt.record.checkpoint import board_note_key, open_checkpoint
from votecrypt.record.cosignature import verify_cosignature, witness_keys
from votecrypt.record.note import NoteKey, SignedNote
from votecrypt.storage.files import write_atomic

from .store import BoardStore
from .transparency import BoardTree

#: Cosigned checkpoints kept in memory; older sizes stay on disk only.
_KEPT = 64


class Cosignatures:
    """The cosigned checkpoints of one board. Every method may be called from any thread."""

    def __init__(self, store: BoardStore, tree: BoardTree, folder: Path) -> None:
        board = store.context.manifest.board
        self._board_key: NoteKey | None = (
            None if board is None else board_note_key(store.context.hash, board.key)
        )
        self._witnesses = [] if board is None else witness_keys(board)
        self._tree = tree
        self._folder = folder
        self._notes: dict[int, SignedNote] = {}
        self._lock = threading.Lock()

    def add(self, data: bytes) -> tuple[int, list[str]]:
        """Keep the verified cosignatures of a submitted checkpoint; (size, the names of the
        witnesses whose cosignature the board now holds for it). EncodingError for a note
        that is not the board's checkpoint of its own tree, InvalidSignature for a line that
        claims a named witness and does not verify, or no named witness at all."""
        if self._board_key is None:
            raise EncodingError("this board signs no checkpoints")
        checkpoint, note = open_checkpoint(data, self._board_key)
        if checkpoint.size > self._tree.size() or checkpoint.root != self._tree.root(
            checkpoint.size
        ):
            raise EncodingError("not a checkpoint of this board's log")
        lines = []
        for witness in self._witnesses:
            if note.signatures_by(witness):
                verify_cosignature(note, witness)
                lines.extend(note.signatures_by(witness))
        if not lines:
            raise InvalidSignature("no cosignature of a witness the manifest names")
        with self._lock:
            merged = self._notes.get(checkpoint.size) or SignedNote(
                note.text, tuple(s for s in note.signatures if s.by(self._board_key))
            )
            for line in lines:
                merged = merged.with_signature(line)
            self._notes[checkpoint.size] = merged
            for old in sorted(self._notes)[:-_KEPT]:
                del self._notes[old]
            self._folder.mkdir(exist_ok=True)
            write_atomic(self._folder / f"{checkpoint.size}.txt", merged.to_bytes())
            names = [w.name for w in self._witnesses if merged.signatures_by(w)]
        return checkpoint.size, names

    def latest(self, at_least: int = 0, witness: str | None = None) -> SignedNote | None:
        """The cosigned checkpoint of the largest size (at least `at_least`), or None; with
        `witness`, the largest one that this named witness cosigned (spec 11.9: under load
        the witnesses seldom cosign the same checkpoint, and each one counts once)."""
        keys = [w for w in self._witnesses if w.name == witness]
        if witness is not None and not keys:
            return None
        with self._lock:
            sizes = [
                size
                for size, note in self._notes.items()
                if size >= at_least and all(note.signatures_by(key) for key in keys)
            ]
            return self._notes[max(sizes)] if sizes else None
