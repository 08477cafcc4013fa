"""Witness cosignatures (C2SP tlog-cosignature, Ed25519 v1; spec 11.8).

A cosignature is a note signature line of type 0x04 on a checkpoint:

    signature = timestamp (8 bytes, big-endian) || Ed25519(message)
    message   = "cosignature/v1\\n" || "time " || decimal(timestamp) || "\\n" || checkpoint text

It states that, at `timestamp`, the witness had verified this checkpoint to be consistent
with every checkpoint of the log it cosigned before (and, for votecrypt witnesses, that
every entry up to it verifies, spec 11.9).
"""

from __future__ import annotations

from votecrypt.errors import InvalidSignature
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.board_setup import BoardSetup

from .note import COSIGNATURE_V1, NoteKey, NoteSignature, SignedNote

HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1


def cosigned_message(text: str, timestamp: int) -> bytes:
    """The bytes a witness signs (spec 11.8)."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError("a cosignature's timestamp is from 0 to 2^63 - 1")
    return f"{HEADER}time {timestamp}\n{text}".encode()


def witness_note_key(name: str, key: SigningKey) -> NoteKey:
    return NoteKey(name, COSIGNATURE_V1, key.verify_key.to_bytes())


def witness_keys(setup: BoardSetup) -> list[NoteKey]:
    """The cosigning keys of the witnesses the manifest names (spec 7.1, 11.8)."""
    return [NoteKey(w.name, COSIGNATURE_V1, w.key) for w in setup.witnesses]


def cosign(note: SignedNote, name: str, key: SigningKey, timestamp: int) -> NoteSignature:
    """The cosignature line of witness `name` on the checkpoint `note` (spec 11.8)."""
    note_key = witness_note_key(name, key)
    signature = key.sign(cosigned_message(note.text, timestamp))
    return NoteSignature(name, note_key.key_id, timestamp.to_bytes(8, "big") + signature)


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The timestamp of a cosignature line; InvalidSignature if it is not 72 bytes."""
    if len(signature.signature) != 72:
        raise InvalidSignature("a cosignature is an 8-byte timestamp and a 64-byte signature")
    timestamp = int.from_bytes(signature.signature[:8], "big")
    if timestamp > MAX_TIMESTAMP:
        raise InvalidSignature("a cosignature's timestamp is at most 2^63 - 1")
    return timestamp


def verify_cosignature(note: SignedNote, witness: NoteKey) -> int:
    """The timestamp of `witness`'s cosignature on `note`; InvalidSignature if it has none
    or one claiming to be by it does not verify (spec 11.8)."""
    if witness.signature_type != COSIGNATURE_V1:
        raise InvalidSignature("not a cosignature key (type 0x04)")
    claimed = note.signatures_by(witness)
    if not claimed:
        raise InvalidSignature(f"no cosignature of {witness.name}")
    latest = 0
    for signature in claimed:
        timestamp = cosignature_timestamp(signature)
        witness.verify_key.verify(signature.signature[8:], cosigned_message(note.text, timestamp))
        latest = max(latest, timestamp)
    return latest
