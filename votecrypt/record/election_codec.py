"""JSON of the manifest, the credential list, the open and close markers, and the results
(spec 7.2, 9.3, 11.1, 13.5, 15.3).

The manifest file holds exactly `Manifest.content()`; the results file holds exactly
`results_plain(...)`, which the verifier recomputes and compares byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from votecrypt.errors import EncodingError, ManifestError, RuleError
from votecrypt.primitives.signing import SIGNATURE_BYTES, VerifyKey
from votecrypt.protocol.approved_booth import DIGEST_BYTES, MAX_VERSION, BoothPin
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.protocol.credentials import CredentialList, Endorsement
from votecrypt.protocol.manifest import GROUP_NAME, MANIFEST_TYPE, Candidate, Manifest
from votecrypt.protocol.manifest import VERSION as MANIFEST_VERSION
from votecrypt.protocol.results import BLANK, CandidateResult, ElectionResults, format_percent
from votecrypt.protocol.rules import PreviousResult, rule_set_from_plain
from votecrypt.record.json_codec import Fields, canonical_json, decode_hex, parse_json

CREDENTIALS_TYPE = "votecrypt/credentials"
ENDORSEMENT_TYPE = "votecrypt/credential-endorsement"
OPEN_TYPE = "votecrypt/open"
CLOSE_TYPE = "votecrypt/close"
RESULTS_TYPE = "votecrypt/results"
VERSION = 1


def manifest_to_json(manifest: Manifest) -> bytes:
    return canonical_json(manifest.content())


def manifest_from_plain(value: Any) -> Manifest:
    """Decode and validate a manifest; EncodingError or ManifestError name the problem."""
    fields = Fields(value, "manifest")
    fields.constant("type", MANIFEST_TYPE)
    fields.integer("version", MANIFEST_VERSION, MANIFEST_VERSION)
    fields.constant("group", GROUP_NAME)
    candidates = []
    for item in fields.objects("candidates", max_items=500):
        candidates.append(
            Candidate(
                item.text("name", max_length=200),
                item.text("position", max_length=400, allow_empty=True),
            )
        )
        item.done()
    try:
        rules = rule_set_from_plain(fields.raw("rules"))
    except RuleError as exc:
        raise ManifestError(f"manifest.rules: {exc}") from None
    trustees = fields.listed("trustees", _trustee_name, max_items=1000)
    manifest = Manifest(
        title=fields.text("title", max_length=400),
        body=fields.text("body", max_length=400),
        date=fields.text("date", max_length=10),
        candidates=tuple(candidates),
        rules=rules,
        blank_allowed=fields.boolean("blank_allowed"),
        trustees=trustees,
        threshold=fields.integer("threshold", 1, 1000),
        credentials=fields.integer("credentials", 1),
        summoned=fields.integer("summoned", 1),
        members=fields.integer("members", 1),
        second_ballot=fields.text("second_ballot", max_length=20),
        # Present only when the board proceeds below the quorum (spec 7.1).
        quorum_override=(
            fields.text("quorum_override", max_length=1000) if fields.has("quorum_override") else ""
        ),
        previous=_previous(fields) if fields.has("previous") else (),
        booth=_booth(fields) if fields.has("booth") else None,
        board=_board(fields.nested("board")) if fields.has("board") else None,
    )
    fields.done()
    manifest.validate()
    if manifest.content() != value:
        raise EncodingError("manifest is not in canonical form (text must be NFC and trimmed)")
    return manifest


def _previous(fields: Fields) -> tuple[tuple[str, PreviousResult], ...]:
    """The previous vote's results (spec 7.1); the manifest checks them against its ballot."""
    previous = []
    for item in fields.objects("previous", max_items=500):
        name = item.text("name", max_length=200)
        raw = item.raw("counts")
        if not isinstance(raw, dict) or len(raw) > 16:
            raise EncodingError(f"{item.path('counts')}: expected an object of counts")
        counts_fields = Fields(raw, item.path("counts"))
        counts = {key: counts_fields.integer(key, 0, 10**9) for key in sorted(raw)}
        counts_fields.done()
        previous.append((name, PreviousResult(counts, item.integer("denominator", 1, 10**9))))
        item.done()
    return tuple(previous)


def _booth(fields: Fields) -> BoothPin:
    """The approved booth (spec 7.5): its digest and version."""
    item = Fields(fields.raw("booth"), fields.path("booth"))
    pin = BoothPin(
        item.hex_bytes("digest", DIGEST_BYTES), item.text("version", max_length=MAX_VERSION)
    )
    item.done()
    return pin


def _board(fields: Fields) -> BoardSetup:
    """The board's key and witnesses (spec 7.1); the manifest validates them."""
    witnesses = []
    for item in fields.objects("witnesses", max_items=32):
        witnesses.append(Witness(item.text("name", max_length=100), item.hex_bytes("key", 32)))
        item.done()
    setup = BoardSetup(
        fields.hex_bytes("key", 32), tuple(witnesses), fields.integer("witnesses_needed", 0, 32)
    )
    fields.done()
    return setup


def _trustee_name(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise EncodingError(f"{path}: expected a trustee name")
    return value


def manifest_from_json(data: bytes) -> Manifest:
    return manifest_from_plain(parse_json(data))


def credentials_plain(
    credentials: CredentialList, endorsements: Sequence[Endorsement] = ()
) -> dict[str, Any]:
    """The published credential list (spec 9.3, 9.4): public keys only, sorted, and the
    trustees' endorsements in increasing trustee order."""
    return {
        "type": CREDENTIALS_TYPE,
        "version": VERSION,
        "election": credentials.election.hex(),
        "public_keys": [key.hex() for key in credentials.public_keys],
        "endorsements": endorsements_plain(endorsements),
    }


def endorsements_plain(endorsements: Sequence[Endorsement]) -> list[dict[str, Any]]:
    """The endorsements of a published item (spec 9.4, 9.6), in increasing trustee order."""
    return [
        {"trustee": e.trustee, "signature": e.signature.hex()}
        for e in sorted(endorsements, key=lambda e: e.trustee)
    ]


def verify_keys(fields: Fields, key: str, max_items: int) -> tuple[VerifyKey, ...]:
    """A list of canonical Ed25519 keys of large order (spec 2.5)."""
    keys = []
    for item_path, item in fields.items(key, max_items=max_items):
        try:
            keys.append(VerifyKey.from_canonical_bytes(decode_hex(item, item_path, 32)))
        except EncodingError as exc:
            raise EncodingError(f"{item_path}: {exc}") from None
    return tuple(keys)


def endorsements_from(fields: Fields) -> tuple[Endorsement, ...]:
    """The endorsements of a published item, in the order published (spec 9.4, 9.6); their
    order is checked by the caller."""
    endorsements = []
    for item in fields.objects("endorsements", max_items=1000):
        endorsements.append(
            Endorsement(
                trustee=item.integer("trustee", 1, 1000),
                signature=item.hex_bytes("signature", SIGNATURE_BYTES),
            )
        )
        item.done()
    return tuple(endorsements)


def credentials_from_plain(
    value: Any, path: str = "credentials"
) -> tuple[CredentialList, tuple[Endorsement, ...]]:
    """Decode a credential list strictly and refuse one out of order (spec 9.3): keys
    distinct and sorted, endorsements by distinct trustees in increasing order (checked
    against the ceremony elsewhere, spec 9.4)."""
    credentials, endorsements = credentials_as_published(value, path)
    faults = credential_order_faults(credentials, endorsements, path)
    if faults:
        raise EncodingError(faults[0])
    return credentials, endorsements


def credentials_as_published(
    value: Any, path: str = "credentials"
) -> tuple[CredentialList, tuple[Endorsement, ...]]:
    """Decode a credential list strictly (exact key sets, types, canonical Ed25519 keys of
    large order, spec 9.3, 15.2) in the order published. The order rules are checked by
    `credential_order_faults`: a verifier reports them under check 8 and still uses the
    list (spec 16.1)."""
    fields = Fields(value, path)
    fields.constant("type", CREDENTIALS_TYPE)
    fields.integer("version", VERSION, VERSION)
    election = fields.hex_bytes("election", 32)
    keys = verify_keys(fields, "public_keys", 10_000_000)
    endorsements = endorsements_from(fields)
    fields.done()
    return CredentialList(election, keys), endorsements


def credential_order_faults(
    credentials: CredentialList, endorsements: Sequence[Endorsement], path: str = "credentials"
) -> list[str]:
    """What breaks the order rules of spec 9.3: keys sorted and distinct, one endorsement
    per trustee in increasing order."""
    faults = []
    raw = [k.to_bytes() for k in credentials.public_keys]
    if raw != sorted(set(raw)):
        faults.append(f"{path}.public_keys: must be sorted and distinct")
    trustees = [e.trustee for e in endorsements]
    if trustees != sorted(set(trustees)):
        faults.append(f"{path}.endorsements: one per trustee, in increasing order")
    return faults


def endorsement_plain(credentials: CredentialList, endorsement: Endorsement) -> dict[str, Any]:
    """A trustee's endorsement file (spec 9.4), exchanged before the board opens."""
    return {
        "type": ENDORSEMENT_TYPE,
        "version": VERSION,
        "election": credentials.election.hex(),
        "credential_list": credentials.list_hash().hex(),
        "trustee": endorsement.trustee,
        "signature": endorsement.signature.hex(),
    }


def endorsement_from_plain(value: Any, path: str = "endorsement") -> tuple[bytes, Endorsement]:
    """(credential list hash, endorsement) of an endorsement file."""
    fields = Fields(value, path)
    fields.constant("type", ENDORSEMENT_TYPE)
    fields.integer("version", VERSION, VERSION)
    fields.hex_bytes("election", 32)
    list_hash = fields.hex_bytes("credential_list", 32)
    endorsement = Endorsement(
        trustee=fields.integer("trustee", 1, 1000),
        signature=fields.hex_bytes("signature", SIGNATURE_BYTES),
    )
    fields.done()
    return list_hash, endorsement


def open_plain(election: bytes) -> dict[str, Any]:
    return {"type": OPEN_TYPE, "version": VERSION, "election": election.hex()}


def close_plain(election: bytes, ballots: int, challenged: int) -> dict[str, Any]:
    """The close marker: how many ballots were cast and challenged (spec 11.1)."""
    return {
        "type": CLOSE_TYPE,
        "version": VERSION,
        "election": election.hex(),
        "ballots": ballots,
        "challenged": challenged,
    }


def results_plain(
    election: bytes, results: ElectionResults, decrypted_by: tuple[int, ...]
) -> dict[str, Any]:
    """The results as published (spec 13.5): counts, hundredths and formatted percentages."""
    return {
        "type": RESULTS_TYPE,
        "version": VERSION,
        "election": election.hex(),
        "rules": results.rules.id,
        "issued": results.issued,
        "collected": results.collected,
        "valid": results.valid,
        "summoned": results.summoned,
        "members": results.members,
        "denominator": results.denominator,
        "quorum_met": results.quorum_met,
        "decrypted_by": list(decrypted_by),
        "candidates": [candidate_plain(line) for line in results.candidates],
    }


def candidate_plain(line: CandidateResult) -> dict[str, Any]:
    """One candidate's line of the results (spec 13.5): counts, hundredths, percentages and
    bracket, with blank lines under the key "blank"."""
    hundredths = {**dict(line.percentages), BLANK: line.blank_percentage}
    return {
        "name": line.name,
        "position": line.position,
        "counts": {**dict(line.counts), BLANK: line.blank},
        "hundredths": hundredths,
        "percentages": {key: format_percent(value) for key, value in hundredths.items()},
        "bracket": None if line.bracket is None else line.bracket.id,
    }


def results_to_json(
    election: bytes, results: ElectionResults, decrypted_by: tuple[int, ...]
) -> bytes:
    return canonical_json(results_plain(election, results, decrypted_by))
