"""Checking a signed receipt offline (spec 11.9): the receipt, the ballot or challenge file
that was submitted, and the election's own files, nothing from the board server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from votecrypt.errors import EncodingError
from votecrypt.math.group import Group
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.checkpoint import board_note_key
from votecrypt.record.cosignature import witness_keys
from votecrypt.record.json_codec import Fields, decode_hex, parse_json
from votecrypt.record.receipt import (
    CheckedReceipt,
    check_receipt,
    receipt_confirmations,
    receipt_from_plain,
)
from votecrypt.service.election_dir import (
    ElectionDir,
    load_credentials,
    load_manifest,
    load_outcome,
)
from votecrypt.storage.files import read_file


@dataclass(frozen=True)
class ReceiptCheck:
    """A checked receipt and the election it is of."""

    context: ElectionContext
    checked: CheckedReceipt
    seq: int
    tracking_code: str


def check_receipt_files(
    receipt_path: Path,
    submitted_path: Path,
    directory: ElectionDir,
    group: Group,
    later: Sequence[tuple[Path, Path | None]] = (),
) -> ReceiptCheck:
    """Check `receipt_path` (a receipt, or the board's whole answer holding one) against the
    file that was submitted, with the keys of the election in `directory` (spec 11.9). Each
    pair of `later` is a later checkpoint the witnesses cosigned and the consistency proof to
    it (the board's answer to /api/v1/proof/consistency; None for the receipt's own size):
    a witness confirms the receipt if its cosignature verifies on any of them."""
    manifest = load_manifest(directory)
    context = ElectionContext.build(
        group, manifest, load_outcome(directory, group), load_credentials(directory)
    )
    if manifest.board is None:
        raise EncodingError("this election's manifest names no board key: it has no receipts")
    value = parse_json(read_file(receipt_path, what="receipt", max_bytes=1 << 20))
    if isinstance(value, dict) and "receipt" in value:
        value = value["receipt"]
    receipt = receipt_from_plain(value)
    payload = parse_json(read_file(submitted_path, what="submitted ballot", max_bytes=1 << 24))
    board_key = board_note_key(context.hash, manifest.board.key)
    witnesses = witness_keys(manifest.board)
    checked = check_receipt(receipt, payload, board_key, witnesses)
    names = set(checked.confirmed_by)
    for cosigned_path, proof_path in later:
        cosigned = read_file(cosigned_path, what="cosigned checkpoint", max_bytes=1 << 16)
        proof = [] if proof_path is None else _proof(proof_path)
        confirmed = receipt_confirmations(checked, cosigned, proof, board_key, witnesses)
        names.update(confirmed.confirmed_by)
    ordered = tuple(w.name for w in witnesses if w.name in names)
    checked = CheckedReceipt(checked.checkpoint, checked.note, ordered)
    return ReceiptCheck(context, checked, receipt.seq, receipt.tracking_code)


def _proof(path: Path) -> list[bytes]:
    """A consistency proof as the board's API answers it: {"old", "size", "proof": [hex]}."""
    value = parse_json(read_file(path, what="consistency proof", max_bytes=1 << 16))
    fields = Fields(value, "consistency proof")
    fields.integer("old")
    fields.integer("size")
    proof = fields.listed("proof", lambda item, where: decode_hex(item, where, 32), max_items=64)
    fields.done()
    return list(proof)
