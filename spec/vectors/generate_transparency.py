"""Generate the vectors of the board's signed notes, checkpoints and cosignatures
(spec 11.6-11.8) into spec/vectors/transparency/notes.json.

    python spec/vectors/generate_transparency.py          # rewrite notes.json
    python spec/vectors/generate_transparency.py --check  # compare with the committed file

`published` holds values copied from their publications (each names its origin) that the
code must reproduce or accept; `board` is a board of this format: its keys are derived from
labels, and Ed25519 signatures are deterministic (RFC 8032), so every byte is reproduced.
The RFC 6962 tree vectors are in rfc6962.json (see import_rfc6962.py).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from votecrypt.primitives.signing import SigningKey
from votecrypt.record.checkpoint import Checkpoint, board_note_key, sign_checkpoint
from votecrypt.record.cosignature import cosign, witness_note_key
from votecrypt.record.log import entry_hash
from votecrypt.record.merkle import MerkleTree, leaf_hash
from votecrypt.record.note import NoteSignature
from votecrypt.record.receipt import SignedReceipt

OUT = Path(__file__).resolve().parent / "transparency" / "notes.json"
GO_NOTE = "golang.org/x/mod sumdb/note/note_test.go @ fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db"
GO_TLOG = "golang.org/x/mod sumdb/tlog/note_test.go @ fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db"
C2SP_NOTE = "C2SP signed-note.md (c2sp.org/signed-note) @ 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9"
C2SP_COSIG = "C2SP tlog-cosignature.md @ 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9"
FORMATS = (
    "transparency-dev/formats note/note_cosigv1_test.go @ 0b850f1a7b4a5b70deeacac6535e4b8023809d21"
)

NEUMANN_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
NEUMANN_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
    "gotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)
NEUMANN_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
NEUMANN_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"


def published() -> dict[str, Any]:
    return {
        "notes": [
            {
                "origin": GO_NOTE + " (TestOpen)",
                "note": NEUMANN_TEXT + "\n" + NEUMANN_SIG + ENOCH_SIG,
                "text": NEUMANN_TEXT,
                "verified_by": [NEUMANN_VKEY, ENOCH_VKEY],
            },
            {
                "origin": C2SP_NOTE + " (Verifier keys, Example)",
                "note": "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRl"
                "L1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
                "text": "This is an example message.\n",
                "verified_by": [
                    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
                ],
            },
        ],
        "signing": [
            {
                "origin": GO_NOTE + " (TestSign; the seed is the skey's last 32 bytes)",
                "skey": NEUMANN_SKEY,
                "seed": base64.b64decode(NEUMANN_SKEY.split("+", 4)[4])[1:].hex(),
                "name": "PeterNeumann",
                "text": NEUMANN_TEXT,
                "note": NEUMANN_TEXT + "\n" + NEUMANN_SIG,
            }
        ],
        "invalid_vkeys": [
            {
                "origin": GO_NOTE,
                "vkey": (
                    "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
                ),
                "reason": "wrong length key",
            },
            {
                "origin": GO_NOTE,
                "vkey": "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "reason": "unknown algorithm",
            },
            {
                "origin": GO_NOTE,
                "vkey": "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "reason": "key ID does not match",
            },
            {
                "origin": FORMATS,
                "vkey": "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
                "reason": "not base64",
            },
            {"origin": FORMATS, "vkey": "bananas.sigstore.dev+12344556", "reason": "two parts"},
        ],
        "cosignature_vkeys": [
            {
                "origin": FORMATS + " (native algEd25519CosignatureV1 verifier)",
                "vkey": "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
                "type": 4,
            },
        ],
        "cosignature_timestamps": [
            {
                "origin": FORMATS + " (TestCoSigV1Timestamp)",
                "signature": (
                    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlq"
                    "JyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
                ),
                "timestamp": 1727964367,
            },
            {
                "origin": C2SP_COSIG + " (the example's witness.example.com/w1 line)",
                "signature": (
                    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWX"
                    "EhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
                ),
                "timestamp": 1679315147,
            },
        ],
        "checkpoints": [
            {
                "origin": GO_TLOG
                + " (TestFormatTree: the root is RFC 6962's leaf hash of 'hello world')",
                "text": (
                    "go.sum database tree\n123456789012\nTszzR"
                    "gjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
                ),
                "checkpoint_origin": "go.sum database tree",
                "size": 123456789012,
                "root": leaf_hash(b"hello world").hex(),
            },
        ],
    }


def seed(label: str) -> bytes:
    return hashlib.sha256(b"votecrypt-vectors/" + label.encode()).digest()


def board() -> dict[str, Any]:
    """A board of 7 entries: its checkpoints at sizes 4 and 7 signed, the second cosigned by
    two witnesses, with an inclusion proof of every entry and the consistency proof 4 -> 7."""
    context_hash = seed("transparency/context-hash")
    board_key = SigningKey.from_secret_bytes(seed("transparency/board-key"))
    entry_hashes = [seed(f"transparency/entry-{i}") for i in range(7)]
    # Entry 5 is a ballot entry whose receipt is below: its hash is computed (spec 11.2).
    entry_hashes[5] = entry_hash(5, entry_hashes[4], "ballot", RECEIPT_PAYLOAD)
    tree = MerkleTree(leaf_hash(h) for h in entry_hashes)
    note_key = board_note_key(context_hash, board_key.verify_key.to_bytes())
    checkpoints = {}
    for size in (4, 7):
        checkpoint = Checkpoint(note_key.name, size, tree.root(size))
        checkpoints[size] = sign_checkpoint(checkpoint, board_key)
    witnesses = []
    cosigned = checkpoints[7]
    for number, timestamp in ((1, 1767225600), (2, 1767225601)):
        key = SigningKey.from_secret_bytes(seed(f"transparency/witness-{number}"))
        name = f"witness-{number}.example"
        cosigned = cosigned.with_signature(cosign(cosigned, name, key, timestamp))
        witnesses.append(
            {
                "name": name,
                "seed": key.export_bytes().hex(),
                "vkey": witness_note_key(name, key).vkey(),
                "timestamp": timestamp,
            }
        )
    forged = NoteSignature(
        cosigned.signatures[1].name,
        cosigned.signatures[1].key_id,
        cosigned.signatures[1].signature[:8] + bytes(64),
    )
    receipt = SignedReceipt(
        "ballot",
        5,
        entry_hashes[4],
        entry_hashes[5],
        "AAAA-BBBB-CCCC",
        cosigned.to_bytes().decode(),
        tuple(tree.inclusion_proof(5, 7)),
    )
    return {
        "receipt": {
            "receipt": receipt.plain(),
            "payload": RECEIPT_PAYLOAD,
            "confirmed_by": [w["name"] for w in witnesses],
            "invalid": invalid_receipts(receipt.plain(), checkpoints[4].to_bytes().decode()),
        },
        "context_hash": context_hash.hex(),
        "board_seed": board_key.export_bytes().hex(),
        "board_vkey": note_key.vkey(),
        "entry_hashes": [h.hex() for h in entry_hashes],
        "roots": {str(size): tree.root(size).hex() for size in range(1, 8)},
        "checkpoint_4": checkpoints[4].to_bytes().decode(),
        "checkpoint_7": checkpoints[7].to_bytes().decode(),
        "cosigned_7": cosigned.to_bytes().decode(),
        "witnesses": witnesses,
        "inclusion_7": [[h.hex() for h in tree.inclusion_proof(i, 7)] for i in range(7)],
        "consistency_4_7": [h.hex() for h in tree.consistency_proof(4, 7)],
        "invalid": invalid_notes(checkpoints[7].to_bytes().decode(), cosigned, forged),
    }


#: The payload of the receipt's entry: any JSON value hashes as in spec 11.2.
RECEIPT_PAYLOAD = {"ballot_id": "0f" * 16, "rows": [{"alpha": "02" + "ab" * 32}], "version": 1}


def invalid_receipts(good: dict[str, Any], older: str) -> list[dict[str, Any]]:
    """Receipts that fail, each changed in one way, with the reason."""
    first = good["inclusion"][0]
    flipped = ("0" if first[0] != "0" else "1") + first[1:]
    return [
        {"receipt": dict(good, seq=4), "reason": "another position: the entry hash differs"},
        {"receipt": dict(good, prev="00" * 32), "reason": "another prev: the entry hash differs"},
        {
            "receipt": dict(good, inclusion=[flipped, *good["inclusion"][1:]]),
            "reason": "proof changed",
        },
        {"receipt": dict(good, inclusion=good["inclusion"][:-1]), "reason": "proof cut short"},
        {
            "receipt": dict(good, checkpoint=older),
            "reason": "a checkpoint of 4 entries: entry 5 is not in it",
        },
        {
            "receipt": dict(good, checkpoint=good["checkpoint"].split("\n\n")[0] + "\n"),
            "reason": "an unsigned checkpoint",
        },
    ]


def invalid_notes(good: str, cosigned: Any, forged: NoteSignature) -> list[dict[str, str]]:
    text, _, signature = good.partition("\n\n")
    lines = text.split("\n")
    swapped = cosigned.signatures[0], forged, *cosigned.signatures[2:]
    return [
        {
            "note": good.replace(lines[2], base64.b64encode(bytes(32)).decode()),
            "reason": "root changed: the board's signature fails",
        },
        {"note": good.replace(f"\n{lines[1]}\n", "\n07\n"), "reason": "size with a leading zero"},
        {"note": text + "\nextension\n\n" + signature, "reason": "an extension line"},
        {"note": text + "\n" + signature, "reason": "no blank line before the signatures"},
        {"note": text + "\n\n", "reason": "no signature line"},
        {
            "note": text + "\n\n" + signature.replace("=\n", "\n"),
            "reason": "base64 without its padding",
        },
        {"note": text.replace("\n", "\r\n", 1) + "\n\n" + signature, "reason": "a carriage return"},
        {
            "note": type(cosigned)(cosigned.text, swapped).to_bytes().decode(),
            "reason": "witness-1.example's cosignature forged (the board's signature holds)",
            "forged_witness": "witness-1.example",
        },
    ]


def build() -> bytes:
    data = {
        "origin": "spec/vectors/generate_transparency.py",
        "description": "signed notes, checkpoints and cosignatures (spec 11.6-11.8)",
        "published": published(),
        "board": board(),
    }
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    arguments = parser.parse_args()
    data = build()
    if arguments.check:
        same = OUT.exists() and OUT.read_bytes() == data
        print("up to date" if same else f"{OUT} differs")
        return 0 if same else 1
    OUT.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
