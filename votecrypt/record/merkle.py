"""The board's Merkle tree (spec 11.5): RFC 6962 hashing, inclusion and consistency proofs.

    leaf_hash(d)   = SHA-256(0x00 || d)
    node_hash(l, r) = SHA-256(0x01 || l || r)
    MTH({})        = SHA-256("")

The proofs are RFC 6962's PATH and SUBPROOF (section 2.1); they are verified with the
algorithms of RFC 9162, sections 2.1.3.2 and 2.1.4.2, which take nothing from the prover but
the sizes, the hashes and the proof. `MerkleTree` keeps every complete subtree's hash, so an
append costs O(1) amortised hashes and a proof O(log^2 n).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from votecrypt.errors import InvalidProof

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
#: Longest proof accepted: a tree of at most 2^63 leaves has paths of at most 63 hashes, and a
#: consistency proof has at most one more.
MAX_PROOF = 64


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data) (RFC 6962, 2.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right) (RFC 6962, 2.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """The Merkle tree over a growing list of leaf hashes (spec 11.5)."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        #: levels[k][i]: the hash of the complete subtree of 2^k leaves starting at i * 2^k.
        self._levels: list[list[bytes]] = [[]]
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash (already hashed with leaf_hash)."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash has 32 bytes")
        self._levels[0].append(leaf)
        level, index = 0, self.size - 1
        while index % 2 == 1:
            parent = node_hash(self._levels[level][index - 1], self._levels[level][index])
            level += 1
            if len(self._levels) == level:
                self._levels.append([])
            self._levels[level].append(parent)
            index = len(self._levels[level]) - 1

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for the ranges RFC 6962's recursion visits."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        level = n.bit_length() - 1
        if n == 1 << level and start % n == 0:
            return self._levels[level][start >> level]
        k = _split(n)
        return node_hash(self._subtree(start, start + k), self._subtree(start + k, end))

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {size}")

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]), by default of the whole tree."""
        size = self.size if size is None else size
        self._check_size(size)
        return self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) (RFC 6962, 2.1.1)."""
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self._subtree(start + k, end))
                end = start + k
            else:
                proof.append(self._subtree(start, start + k))
                start += k
        return proof[::-1]

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]) = SUBPROOF(old_size, D[0:new_size], true)
        (RFC 6962, 2.1.2); 0 < old_size <= new_size."""
        self._check_size(new_size)
        if not 0 < old_size <= new_size:
            raise ValueError(f"no consistency proof from {old_size} to {new_size} leaves")
        proof: list[bytes] = []
        m, start, end, whole = old_size, 0, new_size, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self._subtree(start + k, end))
                end = start + k
            else:
                proof.append(self._subtree(start, start + k))
                m, start, whole = m - k, start + k, False
        if not whole:
            proof.append(self._subtree(start, end))
        return proof[::-1]


def _check_hashes(proof: Sequence[bytes], *hashes: bytes) -> None:
    if len(proof) > MAX_PROOF:
        raise InvalidProof("merkle", f"a proof has at most {MAX_PROOF} hashes")
    if any(len(h) != HASH_SIZE for h in (*proof, *hashes)):
        raise InvalidProof("merkle", "every hash has 32 bytes")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof of leaf hash `leaf` at `index` leads to
    (RFC 9162, 2.1.3.2); InvalidProof if the proof has not the shape of one."""
    _check_hashes(proof, leaf)
    if not 0 <= index < size:
        raise InvalidProof("merkle inclusion", f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise InvalidProof("merkle inclusion", "the proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise InvalidProof("merkle inclusion", "the proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise InvalidProof unless `proof` shows leaf hash `leaf` at `index` in the tree of
    `size` leaves with root `root` (spec 11.5)."""
    if root_from_inclusion(index, size, leaf, proof) != root or len(root) != HASH_SIZE:
        raise InvalidProof("merkle inclusion", "the proof does not lead to the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise InvalidProof unless `proof` shows the tree of `old_size` leaves with root
    `old_root` to be a prefix of the tree of `new_size` leaves with root `new_root`
    (RFC 9162, 2.1.4.2; spec 11.5). A proof from the empty tree is refused: it says nothing."""
    _check_hashes(proof, old_root, new_root)
    if not 0 < old_size <= new_size:
        raise InvalidProof("merkle consistency", f"no proof from {old_size} to {new_size} leaves")
    if old_size == new_size:
        if proof or old_root != new_root:
            raise InvalidProof("merkle consistency", "equal sizes need equal roots, no proof")
        return
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    if not path:
        raise InvalidProof("merkle consistency", "the proof is empty")
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise InvalidProof("merkle consistency", "the proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise InvalidProof("merkle consistency", "the proof does not lead to both roots")
