"""Checkpoints (C2SP tlog-checkpoint; spec 11.7): a signed note whose text is a Merkle tree
head.

    <origin>\\n<tree size>\\n<base64 root hash>\\n

The board's origin names the election: `votecrypt/election/<context hash hex>`; the board
signs with its Ed25519 key (spec 7.1) under the origin as key name. Decoding is strict:
exactly three lines (no extension lines), a decimal size without leading zeros below 2^63,
a 32-byte root in canonical base64.
"""

from __future__ import annotations

from dataclasses import dataclass

from votecrypt.errors import EncodingError
from votecrypt.primitives.signing import SigningKey

from .merkle import HASH_SIZE
from .note import (
    ED25519,
    NoteKey,
    SignedNote,
    check_note_text,
    decode_base64,
    parse_note,
    sign_note,
    verify_note,
)

ORIGIN_PREFIX = "votecrypt/election/"
MAX_SIZE = 2**63 - 1
MAX_ORIGIN = 255


def election_origin(context_hash: bytes) -> str:
    """The origin line of an election's board (spec 11.7)."""
    return ORIGIN_PREFIX + context_hash.hex()


def board_note_key(context_hash: bytes, public_key: bytes) -> NoteKey:
    """The board's key as a note key: the origin as its name, Ed25519 (spec 11.7)."""
    return NoteKey(election_origin(context_hash), ED25519, public_key)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: the log's origin, its size and the root of its Merkle tree."""

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        if not 1 <= len(self.origin) <= MAX_ORIGIN or any(
            ord(c) < 0x20 or c in "\u2014" for c in self.origin
        ):
            raise EncodingError(f"a checkpoint's origin is 1 to {MAX_ORIGIN} characters, one line")
        if type(self.size) is not int or not 0 <= self.size <= MAX_SIZE:
            raise EncodingError("a checkpoint's size is an integer from 0 to 2^63 - 1")
        if len(self.root) != HASH_SIZE:
            raise EncodingError("a checkpoint's root hash has 32 bytes")

    def text(self) -> str:
        """The note text (spec 11.7)."""
        import base64

        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        check_note_text(text)
        lines = text[:-1].split("\n")
        if len(lines) != 3:
            raise EncodingError("a checkpoint has three lines: origin, size, root hash")
        origin, size, root = lines
        if not (size.isascii() and size.isdigit()) or (size != "0" and size.startswith("0")):
            raise EncodingError("a checkpoint's size is decimal without leading zeros")
        if len(size) > 19:
            raise EncodingError("a checkpoint's size is at most 2^63 - 1")
        return cls(origin, int(size), decode_base64(root, "a checkpoint's root hash"))


def sign_checkpoint(checkpoint: Checkpoint, key: SigningKey) -> SignedNote:
    """The checkpoint signed by the board under its origin (spec 11.7)."""
    return sign_note(checkpoint.text(), checkpoint.origin, key)


def open_checkpoint(data: bytes, board_key: NoteKey) -> tuple[Checkpoint, SignedNote]:
    """Decode a signed checkpoint and verify the board's signature on it; EncodingError for
    a malformed one, InvalidSignature for one the board did not sign (spec 11.7)."""
    note = parse_note(data)
    checkpoint = Checkpoint.from_text(note.text)
    if checkpoint.origin != board_key.name:
        raise EncodingError(f"the checkpoint is of {checkpoint.origin!r}, not {board_key.name!r}")
    verify_note(note, board_key)
    return checkpoint, note
