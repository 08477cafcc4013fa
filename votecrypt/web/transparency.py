"""The board's Merkle tree and signed checkpoints as the server serves them (spec 11.5-11.7).

The tree follows the board: before each answer it reads the entries appended since, checking
that they continue the chain it holds (`seq` in order, `prev` the last hash). The board signs
a checkpoint of the tree's current size, with the key named in the manifest: the log is
append-only, so no two checkpoints it signs can be inconsistent (11.7).
"""

from __future__ import annotations

import threading

from votecrypt.errors import BoardError
from votecrypt.primitives.signing import SigningKey
from votecrypt.record.checkpoint import Checkpoint, election_origin, sign_checkpoint
from votecrypt.record.log import GENESIS
from votecrypt.record.merkle import MerkleTree, leaf_hash
from votecrypt.record.note import SignedNote
from votecrypt.record.receipt import SignedReceipt

from .store import BoardStore

_PAGE = 1000


class BoardTree:
    """The Merkle tree over the board's entries and the board's signed checkpoints. Every
    method may be called from any thread."""

    def __init__(self, store: BoardStore, signing_key: SigningKey | None) -> None:
        board = store.context.manifest.board
        if signing_key is not None and (
            board is None or board.key != signing_key.verify_key.to_bytes()
        ):
            raise BoardError("the board key is not the one the manifest names")
        self._store = store
        self._key = signing_key
        self._origin = election_origin(store.context.hash)
        self._tree = MerkleTree()
        self._hashes: list[bytes] = []
        self._signed: tuple[int, SignedNote] | None = None
        self._lock = threading.Lock()

    @property
    def signed(self) -> bool:
        return self._key is not None

    def _update(self) -> int:
        """Take in the entries appended since the last call; the tree's size."""
        while True:
            entries = self._store.entries(self._tree.size, _PAGE)
            for entry in entries:
                prev = self._hashes[-1] if self._hashes else GENESIS
                if entry.seq != self._tree.size or entry.prev != prev:
                    raise BoardError(f"the board's entry {entry.seq} does not continue its chain")
                self._hashes.append(entry.hash)
                self._tree.append(leaf_hash(entry.hash))
            if len(entries) < _PAGE:
                return self._tree.size

    def checkpoint(self) -> SignedNote:
        """The board's signed checkpoint of its current size (spec 11.7)."""
        if self._key is None:
            raise BoardError("this board has no signing key: its manifest names none")
        with self._lock:
            size = self._update()
            if self._signed is None or self._signed[0] != size:
                checkpoint = Checkpoint(self._origin, size, self._tree.root())
                self._signed = (size, sign_checkpoint(checkpoint, self._key))
            return self._signed[1]

    def size(self) -> int:
        with self._lock:
            return self._update()

    def root(self, size: int) -> bytes:
        """The root of the tree of the first `size` entries; ValueError beyond the log."""
        with self._lock:
            self._update()
            return self._tree.root(size)

    def inclusion(self, seq: int, size: int) -> tuple[bytes, list[bytes]]:
        """(prev, proof): the hash before entry `seq` and its inclusion proof in the tree of
        `size` entries (spec 11.5); ValueError if the board has no such entry or size."""
        with self._lock:
            self._update()
            proof = self._tree.inclusion_proof(seq, size)
            return (self._hashes[seq - 1] if seq else GENESIS), proof

    def receipt(self, kind: str, seq: int, entry_hash: bytes, code: str) -> SignedReceipt:
        """The signed receipt of entry `seq` (spec 11.9): the checkpoint of the board's
        current size and the entry's inclusion proof in it."""
        note = self.checkpoint()
        size = Checkpoint.from_text(note.text).size
        prev, proof = self.inclusion(seq, size)
        if self._hashes[seq] != entry_hash:
            raise BoardError(f"entry {seq} of the board is not the one appended")
        text = note.to_bytes().decode()
        return SignedReceipt(kind, seq, prev, entry_hash, code, text, tuple(proof))

    def consistency(self, old: int, size: int) -> list[bytes]:
        """The consistency proof from `old` to `size` entries (spec 11.5); ValueError if
        the sizes are not 0 < old <= size <= the board's size."""
        with self._lock:
            self._update()
            return self._tree.consistency_proof(old, size)
