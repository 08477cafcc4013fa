"""JSON of the encrypted tally and of decryption shares (spec 12.1, 12.2, 15.3).

tally: {"type": "votecrypt/tally", "version": 1, "election": hex32, "ballots": D,
        "rows": [[{"alpha": hex33, "beta": hex33}, ...], ...]}
share: {"type": "votecrypt/decryption-share", "version": 1, "election": hex32,
        "trustee": j, "partials": [[{"value": hex33, "c": hex32, "z": hex32}, ...], ...]}
"""

from __future__ import annotations

from typing import Any

from votecrypt.errors import EncodingError
from votecrypt.math.group import Group
from votecrypt.primitives.chaum_pedersen import EqualityProof
from votecrypt.protocol.decryption import DecryptionShare, PartialDecryption
from votecrypt.protocol.tally import EncryptedTally
from votecrypt.record.ballot_codec import (
    MAX_LANES,
    MAX_ROWS,
    ciphertext_from_fields,
    ciphertext_plain,
)
from votecrypt.record.json_codec import Fields, canonical_json, decode_index, parse_json

TALLY_TYPE = "votecrypt/tally"
SHARE_TYPE = "votecrypt/decryption-share"
VERSION = 1


def _lanes(value: Any, path: str) -> list[Fields]:
    if not isinstance(value, list) or len(value) > MAX_LANES:
        raise EncodingError(f"{path}: expected a list of at most {MAX_LANES} lanes")
    return [Fields(item, f"{path}[{i}]") for i, item in enumerate(value)]


def tally_plain(tally: EncryptedTally) -> dict[str, Any]:
    return {
        "type": TALLY_TYPE,
        "version": VERSION,
        "election": tally.election.hex(),
        "ballots": tally.ballots,
        "rows": [[ciphertext_plain(c) for c in row] for row in tally.rows],
    }


def tally_to_json(tally: EncryptedTally) -> bytes:
    return canonical_json(tally_plain(tally))


def tally_from_plain(value: Any, group: Group, path: str = "tally") -> EncryptedTally:
    fields = Fields(value, path)
    fields.constant("type", TALLY_TYPE)
    fields.integer("version", VERSION, VERSION)
    tally = EncryptedTally(
        election=fields.hex_bytes("election", 32),
        ballots=fields.integer("ballots"),
        rows=tuple(
            tuple(ciphertext_from_fields(lane, group) for lane in _lanes(row, row_path))
            for row_path, row in fields.items("rows", max_items=MAX_ROWS)
        ),
    )
    fields.done()
    return tally


def tally_from_json(data: bytes, group: Group) -> EncryptedTally:
    return tally_from_plain(parse_json(data), group)


def share_plain(share: DecryptionShare) -> dict[str, Any]:
    return {
        "type": SHARE_TYPE,
        "version": VERSION,
        "election": share.election.hex(),
        "trustee": share.trustee,
        "partials": [
            [
                {
                    "value": p.value.hex(),
                    "c": p.proof.challenge.hex(),
                    "z": p.proof.response.hex(),
                }
                for p in row
            ]
            for row in share.partials
        ],
    }


def share_to_json(share: DecryptionShare) -> bytes:
    return canonical_json(share_plain(share))


def _partial(fields: Fields, group: Group) -> PartialDecryption:
    partial = PartialDecryption(
        fields.point("value", group, allow_identity=True),
        EqualityProof(fields.scalar("c"), fields.scalar("z")),
    )
    fields.done()
    return partial


def share_from_plain(value: Any, group: Group, path: str = "decryption share") -> DecryptionShare:
    fields = Fields(value, path)
    fields.constant("type", SHARE_TYPE)
    fields.integer("version", VERSION, VERSION)
    share = DecryptionShare(
        election=fields.hex_bytes("election", 32),
        trustee=decode_index(fields.raw("trustee"), fields.path("trustee"), 1000),
        partials=tuple(
            tuple(_partial(lane, group) for lane in _lanes(row, row_path))
            for row_path, row in fields.items("partials", max_items=MAX_ROWS)
        ),
    )
    fields.done()
    return share


def share_from_json(data: bytes, group: Group) -> DecryptionShare:
    return share_from_plain(parse_json(data), group)
