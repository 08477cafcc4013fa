"""Signed notes, checkpoints and cosignatures (spec 11.6-11.8) against the published vectors
and the board vectors of spec/vectors/transparency/notes.json."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from votecrypt.errors import EncodingError, InvalidProof, InvalidSignature
from votecrypt.primitives.signing import SigningKey
from votecrypt.record.checkpoint import Checkpoint, board_note_key, open_checkpoint
from votecrypt.record.cosignature import cosignature_timestamp, verify_cosignature
from votecrypt.record.merkle import leaf_hash, verify_consistency, verify_inclusion
from votecrypt.record.note import NoteKey, NoteSignature, parse_note, sign_note, verify_note
from votecrypt.record.receipt import check_receipt, receipt_from_plain

FOLDER = Path(__file__).resolve().parent.parent / "spec" / "vectors"
VECTORS: dict[str, Any] = json.loads((FOLDER / "transparency" / "notes.json").read_text())
PUBLISHED = VECTORS["published"]
BOARD = VECTORS["board"]


def test_vectors_are_reproduced_byte_for_byte() -> None:
    spec = importlib.util.spec_from_file_location("gen", FOLDER / "generate_transparency.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == (FOLDER / "transparency" / "notes.json").read_bytes()


@pytest.mark.parametrize("case", PUBLISHED["notes"], ids=lambda case: case["origin"][:30])
def test_published_notes_verify(case: dict[str, Any]) -> None:
    note = parse_note(case["note"].encode())
    assert note.text == case["text"]
    assert note.to_bytes() == case["note"].encode()
    for vkey in case["verified_by"]:
        key = NoteKey.from_vkey(vkey)
        assert key.vkey() == vkey
        verify_note(note, key)
    tampered = parse_note(case["note"].replace(case["text"][:4], "XXXX", 1).encode())
    with pytest.raises(InvalidSignature):
        verify_note(tampered, NoteKey.from_vkey(case["verified_by"][0]))


def test_published_signature_is_reproduced() -> None:
    case = PUBLISHED["signing"][0]
    key = SigningKey.from_secret_bytes(bytes.fromhex(case["seed"]))
    assert sign_note(case["text"], case["name"], key).to_bytes().decode() == case["note"]


@pytest.mark.parametrize("case", PUBLISHED["invalid_vkeys"], ids=lambda case: case["reason"])
def test_invalid_verifier_keys_are_refused(case: dict[str, str]) -> None:
    with pytest.raises(EncodingError):
        NoteKey.from_vkey(case["vkey"])


def test_published_cosignature_key_and_timestamps() -> None:
    for case in PUBLISHED["cosignature_vkeys"]:
        assert NoteKey.from_vkey(case["vkey"]).signature_type == case["type"]
    for case in PUBLISHED["cosignature_timestamps"]:
        raw = base64.b64decode(case["signature"])
        assert cosignature_timestamp(NoteSignature("w", raw[:4], raw[4:])) == case["timestamp"]


def test_published_checkpoint() -> None:
    case = PUBLISHED["checkpoints"][0]
    checkpoint = Checkpoint.from_text(case["text"])
    assert (checkpoint.origin, checkpoint.size) == (case["checkpoint_origin"], case["size"])
    assert checkpoint.root.hex() == case["root"]
    assert checkpoint.text() == case["text"]


def board_key() -> NoteKey:
    key = NoteKey.from_vkey(BOARD["board_vkey"])
    seed = SigningKey.from_secret_bytes(bytes.fromhex(BOARD["board_seed"]))
    context = bytes.fromhex(BOARD["context_hash"])
    assert key == board_note_key(context, seed.verify_key.to_bytes())
    return key


def test_board_checkpoints_proofs_and_cosignatures() -> None:
    key = board_key()
    old, _ = open_checkpoint(BOARD["checkpoint_4"].encode(), key)
    new, note = open_checkpoint(BOARD["cosigned_7"].encode(), key)
    assert (old.size, new.size) == (4, 7)
    leaves = [leaf_hash(bytes.fromhex(h)) for h in BOARD["entry_hashes"]]
    for index, proof in enumerate(BOARD["inclusion_7"]):
        verify_inclusion(index, 7, leaves[index], [bytes.fromhex(h) for h in proof], new.root)
    consistency = [bytes.fromhex(h) for h in BOARD["consistency_4_7"]]
    verify_consistency(4, 7, old.root, new.root, consistency)
    with pytest.raises(InvalidProof):
        verify_consistency(4, 7, new.root, old.root, consistency)
    for witness in BOARD["witnesses"]:
        assert verify_cosignature(note, NoteKey.from_vkey(witness["vkey"])) == witness["timestamp"]
    # The board's key does not verify as a witness, nor a witness's as the board.
    with pytest.raises(InvalidSignature):
        verify_note(
            note, NoteKey(key.name, 1, NoteKey.from_vkey(BOARD["witnesses"][0]["vkey"]).public_key)
        )


@pytest.mark.parametrize("case", BOARD["invalid"], ids=lambda case: case["reason"])
def test_invalid_board_notes_are_refused(case: dict[str, str]) -> None:
    if "forged_witness" in case:
        _, note = open_checkpoint(case["note"].encode(), board_key())
        witness = next(w for w in BOARD["witnesses"] if w["name"] == case["forged_witness"])
        with pytest.raises(InvalidSignature):
            verify_cosignature(note, NoteKey.from_vkey(witness["vkey"]))
        return
    with pytest.raises((EncodingError, InvalidSignature)):
        open_checkpoint(case["note"].encode(), board_key())


def test_a_checkpoint_of_another_origin_is_refused() -> None:
    other = NoteKey("votecrypt/election/" + "00" * 32, 1, board_key().public_key)
    with pytest.raises(EncodingError):
        open_checkpoint(BOARD["checkpoint_7"].encode(), other)


def test_the_receipt_vector_checks_and_every_changed_one_fails() -> None:
    vector = BOARD["receipt"]
    witnesses = [NoteKey.from_vkey(w["vkey"]) for w in BOARD["witnesses"]]
    receipt = receipt_from_plain(vector["receipt"])
    checked = check_receipt(receipt, vector["payload"], board_key(), witnesses)
    assert list(checked.confirmed_by) == vector["confirmed_by"]
    assert checked.checkpoint.size == 7
    assert len(vector["invalid"]) >= 6
    for case in vector["invalid"]:
        with pytest.raises((EncodingError, InvalidSignature, InvalidProof)):
            check_receipt(receipt_from_plain(case["receipt"]), vector["payload"], board_key())
