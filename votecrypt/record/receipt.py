"""Signed receipts (spec 11.9): the board's signed checkpoint and the inclusion proof of the
entry that holds a voter's ballot or challenge.

    {"type": "votecrypt/receipt", "version": 1, "kind": "ballot" | "challenge",
     "seq": i, "prev": hex32, "entry_hash": hex32, "tracking_code": code,
     "checkpoint": <signed checkpoint, text>, "inclusion": [hex32, ...]}

Whoever holds the submitted payload checks it alone (`check_receipt`): the entry hash is
recomputed from seq, prev, kind and payload (11.2), its leaf is proven in the checkpoint's
tree (11.5), and the checkpoint is signed by the board's key of the manifest (11.7). The
witnesses' cosignatures on the checkpoint say who else saw that tree (11.8).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from votecrypt.errors import EncodingError, InvalidProof

from .checkpoint import Checkpoint, open_checkpoint
from .cosignature import verify_cosignature
from .json_codec import Fields, decode_hex
from .log import entry_hash
from .merkle import leaf_hash, verify_consistency, verify_inclusion
from .note import NoteKey, SignedNote

RECEIPT_TYPE = "votecrypt/receipt"
VERSION = 1
KINDS = ("ballot", "challenge")


@dataclass(frozen=True, slots=True)
class SignedReceipt:
    """A receipt as the board sends it (spec 11.9)."""

    kind: str
    seq: int
    prev: bytes
    entry_hash: bytes
    tracking_code: str
    checkpoint: str
    inclusion: tuple[bytes, ...]

    def plain(self) -> dict[str, Any]:
        return {
            "type": RECEIPT_TYPE,
            "version": VERSION,
            "kind": self.kind,
            "seq": self.seq,
            "prev": self.prev.hex(),
            "entry_hash": self.entry_hash.hex(),
            "tracking_code": self.tracking_code,
            "checkpoint": self.checkpoint,
            "inclusion": [h.hex() for h in self.inclusion],
        }


def receipt_from_plain(value: Any) -> SignedReceipt:
    """Decode a receipt strictly (nothing is checked against the board here)."""
    fields = Fields(value, "receipt")
    fields.constant("type", RECEIPT_TYPE)
    fields.integer("version", VERSION, VERSION)
    kind = fields.text("kind", max_length=20)
    if kind not in KINDS:
        raise EncodingError(f"receipt.kind: expected one of {', '.join(KINDS)}")
    receipt = SignedReceipt(
        kind=kind,
        seq=fields.integer("seq"),
        prev=fields.hex_bytes("prev", 32),
        entry_hash=fields.hex_bytes("entry_hash", 32),
        tracking_code=fields.text("tracking_code", max_length=40),
        checkpoint=fields.text("checkpoint", max_length=64 * 1024),
        inclusion=fields.listed(
            "inclusion", lambda item, path: decode_hex(item, path, 32), max_items=64
        ),
    )
    fields.done()
    return receipt


@dataclass(frozen=True, slots=True)
class CheckedReceipt:
    """What a checked receipt shows: the checkpoint that includes the entry, and the names
    of the witnesses whose cosignature on it verifies."""

    checkpoint: Checkpoint
    note: SignedNote
    confirmed_by: tuple[str, ...]


def check_receipt(
    receipt: SignedReceipt, payload: Any, board_key: NoteKey, witnesses: Sequence[NoteKey] = ()
) -> CheckedReceipt:
    """Check a receipt against the payload submitted (spec 11.9); EncodingError,
    InvalidSignature or InvalidProof name what fails. A witness line that claims a named
    witness and does not verify fails the receipt, as any forged signature does (11.6)."""
    if entry_hash(receipt.seq, receipt.prev, receipt.kind, payload) != receipt.entry_hash:
        raise InvalidProof("receipt", "the entry is not the one submitted (entry hash differs)")
    checkpoint, note = open_checkpoint(receipt.checkpoint.encode(), board_key)
    verify_inclusion(
        receipt.seq,
        checkpoint.size,
        leaf_hash(receipt.entry_hash),
        receipt.inclusion,
        checkpoint.root,
    )
    return CheckedReceipt(checkpoint, note, _cosigners(note, witnesses))


def _cosigners(note: SignedNote, witnesses: Sequence[NoteKey]) -> tuple[str, ...]:
    """The named witnesses whose cosignature on `note` verifies; InvalidSignature if a line
    that claims one does not (spec 11.6)."""
    confirmed = []
    for witness in witnesses:
        if note.signatures_by(witness):
            verify_cosignature(note, witness)
            confirmed.append(witness.name)
    return tuple(confirmed)


def receipt_confirmations(
    checked: CheckedReceipt,
    cosigned: bytes,
    proof: Sequence[bytes],
    board_key: NoteKey,
    witnesses: Sequence[NoteKey],
) -> CheckedReceipt:
    """The receipt as confirmed by a later checkpoint `cosigned` (spec 11.9): the board
    signed it, `proof` shows it extends the receipt's checkpoint (empty for the same one),
    and the named witnesses whose cosignature on it verifies confirm the entry."""
    later, note = open_checkpoint(cosigned, board_key)
    old = checked.checkpoint
    if later.size < old.size:
        raise InvalidProof(
            "receipt",
            f"the cosigned checkpoint of {later.size} entries is "
            f"older than the receipt's of {old.size}",
        )
    verify_consistency(old.size, later.size, old.root, later.root, proof)
    return CheckedReceipt(later, note, _cosigners(note, witnesses))
