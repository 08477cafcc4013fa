"""JSON of a credential supplement and of a trustee's endorsement of one (spec 9.6).

The supplement file (`supplements/supplement-<n>.json`, no endorsements yet) and the board's
`credential-supplement` entry have one form; the entry carries the valid endorsements, one
per trustee in increasing order, as the credential list does (spec 9.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from votecrypt.errors import EncodingError
from votecrypt.primitives.signing import SIGNATURE_BYTES
from votecrypt.protocol.credentials import Endorsement
from votecrypt.protocol.supplements import Supplement
from votecrypt.record.election_codec import endorsements_from, endorsements_plain, verify_keys
from votecrypt.record.json_codec import Fields

SUPPLEMENT_TYPE = "votecrypt/credential-supplement"
SUPPLEMENT_ENDORSEMENT_TYPE = "votecrypt/supplement-endorsement"
VERSION = 1
#: At most this many credentials added or cancelled by one supplement.
MAX_CHANGES = 100_000


def supplement_plain(
    supplement: Supplement, endorsements: Sequence[Endorsement] = ()
) -> dict[str, Any]:
    return {
        "type": SUPPLEMENT_TYPE,
        "version": VERSION,
        "election": supplement.election.hex(),
        "number": supplement.number,
        "added": [key.hex() for key in supplement.added],
        "cancelled": [key.hex() for key in supplement.cancelled],
        "endorsements": endorsements_plain(endorsements),
    }


def supplement_from_plain(
    value: Any, path: str = "supplement"
) -> tuple[Supplement, tuple[Endorsement, ...]]:
    """Decode a supplement strictly: canonical Ed25519 keys of large order, each list
    distinct and sorted; endorsements by distinct trustees in increasing order."""
    fields = Fields(value, path)
    fields.constant("type", SUPPLEMENT_TYPE)
    fields.integer("version", VERSION, VERSION)
    election = fields.hex_bytes("election", 32)
    number = fields.integer("number", 1, MAX_CHANGES)
    added = verify_keys(fields, "added", MAX_CHANGES)
    cancelled = verify_keys(fields, "cancelled", MAX_CHANGES)
    endorsements = endorsements_from(fields)
    fields.done()
    trustees = [e.trustee for e in endorsements]
    if trustees != sorted(set(trustees)):
        raise EncodingError(f"{path}.endorsements: one per trustee, in increasing order")
    try:
        supplement = Supplement(election, number, added, cancelled)
    except EncodingError as exc:
        raise EncodingError(f"{path}: {exc}") from None
    return supplement, endorsements


def supplement_endorsement_plain(
    supplement: Supplement, endorsement: Endorsement
) -> dict[str, Any]:
    """A trustee's endorsement of a supplement (spec 9.6), exchanged like the list's."""
    return {
        "type": SUPPLEMENT_ENDORSEMENT_TYPE,
        "version": VERSION,
        "election": supplement.election.hex(),
        "number": supplement.number,
        "supplement": supplement.digest().hex(),
        "trustee": endorsement.trustee,
        "signature": endorsement.signature.hex(),
    }


def supplement_endorsement_from_plain(
    value: Any, path: str = "endorsement"
) -> tuple[bytes, Endorsement]:
    """(supplement digest, endorsement) of a supplement endorsement file."""
    fields = Fields(value, path)
    fields.constant("type", SUPPLEMENT_ENDORSEMENT_TYPE)
    fields.integer("version", VERSION, VERSION)
    fields.hex_bytes("election", 32)
    fields.integer("number", 1, MAX_CHANGES)
    digest = fields.hex_bytes("supplement", 32)
    endorsement = Endorsement(
        trustee=fields.integer("trustee", 1, 1000),
        signature=fields.hex_bytes("signature", SIGNATURE_BYTES),
    )
    fields.done()
    return digest, endorsement
