"""JSON of ballots and challenged ballots (spec 10.1, 10.6, 15.3).

ballot: {"type": "votecrypt/ballot", "version": 1, "election": hex32, "ballot_id": hex16,
         "credential": hex32, "signature": hex64,
         "rows": [{"ciphertexts": [{"alpha": hex33, "beta": hex33}, ...],
                   "proof": {"challenges": [hex32, ...], "responses": [[hex32, ...], ...],
                             "commitments": [[{"a": hex33, "b": hex33}, ...], ...]}}]}
challenged ballot: {"type": "votecrypt/challenged-ballot", "version": 1, "election": hex32,
         "ballot_id": hex16, "rows": [{"ciphertexts": [{"alpha": hex33, "beta": hex33}, ...],
                                       "outcome": int, "nonces": [hex32, ...]}, ...]}
"""

from __future__ import annotations

from typing import Any

from votecrypt.errors import EncodingError
from votecrypt.math.group import Group, Point
from votecrypt.primitives.elgamal import Ciphertext
from votecrypt.primitives.membership import MembershipProof
from votecrypt.primitives.signing import SIGNATURE_BYTES, VerifyKey
from votecrypt.protocol.ballot import BALLOT_ID_BYTES, Ballot, BallotRow, ChallengedBallot
from votecrypt.record.json_codec import (
    Fields,
    canonical_json,
    decode_point,
    decode_scalar,
    parse_json,
)

BALLOT_TYPE = "votecrypt/ballot"
CHALLENGE_TYPE = "votecrypt/challenged-ballot"
VERSION = 1
MAX_ROWS = 500
MAX_LANES = 16
MAX_BRANCHES = 64


def ciphertext_plain(ciphertext: Ciphertext) -> dict[str, str]:
    return {"alpha": ciphertext.alpha.hex(), "beta": ciphertext.beta.hex()}


def ciphertext_from_fields(fields: Fields, group: Group) -> Ciphertext:
    ciphertext = Ciphertext(
        fields.point("alpha", group, allow_identity=True),
        fields.point("beta", group, allow_identity=True),
    )
    fields.done()
    return ciphertext


def ballot_plain(ballot: Ballot) -> dict[str, Any]:
    return {
        "type": BALLOT_TYPE,
        "version": VERSION,
        "election": ballot.election.hex(),
        "ballot_id": ballot.ballot_id.hex(),
        "credential": ballot.credential.hex(),
        "signature": ballot.signature.hex(),
        "rows": [
            {
                "ciphertexts": [ciphertext_plain(c) for c in row.ciphertexts],
                "proof": {
                    "challenges": [c.hex() for c in row.proof.challenges],
                    "responses": [[z.hex() for z in branch] for branch in row.proof.responses],
                    "commitments": [
                        [{"a": a.hex(), "b": b.hex()} for a, b in pairs]
                        for pairs in row.proof.commitments
                    ],
                },
            }
            for row in ballot.rows
        ],
    }


def ballot_ciphertexts(
    value: Any, group: Group, path: str = "ballot"
) -> tuple[tuple[Ciphertext, ...], ...]:
    """Only the rows' ciphertexts of a ballot, strictly decoded: for adding up ballots that
    were checked in full before (spec 12.1, 16.4)."""
    if not isinstance(value, dict) or not isinstance(value.get("rows"), list):
        raise EncodingError(f"{path}: expected a ballot with rows")
    if len(value["rows"]) > MAX_ROWS:
        raise EncodingError(f"{path}.rows: too many rows")
    rows = []
    for index, row in enumerate(value["rows"]):
        row_path = f"{path}.rows[{index}]"
        if not isinstance(row, dict):
            raise EncodingError(f"{row_path}: expected an object")
        fields = Fields({"ciphertexts": row.get("ciphertexts")}, row_path)
        rows.append(
            tuple(
                ciphertext_from_fields(c, group)
                for c in fields.objects("ciphertexts", max_items=MAX_LANES)
            )
        )
    return tuple(rows)


def ballot_to_json(ballot: Ballot) -> bytes:
    return canonical_json(ballot_plain(ballot))


def ballot_from_plain(value: Any, group: Group, path: str = "ballot") -> Ballot:
    fields = Fields(value, path)
    fields.constant("type", BALLOT_TYPE)
    fields.integer("version", VERSION, VERSION)
    rows = tuple(_row(row, group) for row in fields.objects("rows", max_items=MAX_ROWS))
    ballot = Ballot(
        election=fields.hex_bytes("election", 32),
        ballot_id=fields.hex_bytes("ballot_id", BALLOT_ID_BYTES),
        credential=_credential(fields),
        rows=rows,
        signature=fields.hex_bytes("signature", SIGNATURE_BYTES),
    )
    fields.done()
    return ballot


def _credential(fields: Fields) -> VerifyKey:
    try:
        return VerifyKey.from_canonical_bytes(fields.hex_bytes("credential", 32))
    except EncodingError as exc:
        raise EncodingError(f"{fields.path('credential')}: {exc}") from None


def ballot_from_json(data: bytes, group: Group) -> Ballot:
    return ballot_from_plain(parse_json(data), group)


def _row(fields: Fields, group: Group) -> BallotRow:
    ciphertexts = tuple(
        ciphertext_from_fields(c, group) for c in fields.objects("ciphertexts", max_items=MAX_LANES)
    )
    proof_fields = fields.nested("proof")
    challenges = proof_fields.listed("challenges", decode_scalar, max_items=MAX_BRANCHES)
    responses = tuple(
        tuple(decode_scalar(z, f"{path}[{i}]") for i, z in enumerate(_list(branch, path)))
        for path, branch in proof_fields.items("responses", max_items=MAX_BRANCHES)
    )
    commitments = tuple(
        tuple(_commitment(pair, path, i, group) for i, pair in enumerate(_list(pairs, path)))
        for path, pairs in proof_fields.items("commitments", max_items=MAX_BRANCHES)
    )
    proof_fields.done()
    fields.done()
    return BallotRow(ciphertexts, MembershipProof(challenges, responses, commitments))


def _commitment(value: Any, branch_path: str, lane: int, group: Group) -> tuple[Point, Point]:
    """One (a, b) pair of a proof's commitments (spec 5.4): an object with exactly the fields
    a and b, points decoded strictly, the identity allowed (an honest commitment is the
    identity with negligible probability; the proof's checks refuse any commitment that is not
    the one the equations give). There are 2*L*Λ of them a row: the path of a field is only
    written out for an error."""
    if type(value) is not dict or len(value) != 2 or "a" not in value or "b" not in value:
        raise EncodingError(f"{branch_path}[{lane}]: expected an object with the fields a and b")
    try:
        return (
            decode_point(value["a"], "a", group, allow_identity=True),
            decode_point(value["b"], "b", group, allow_identity=True),
        )
    except EncodingError as exc:
        raise EncodingError(f"{branch_path}[{lane}].{exc}") from None


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > MAX_LANES:
        raise EncodingError(f"{path}: expected a list of at most {MAX_LANES} items")
    return value


def challenged_plain(challenged: ChallengedBallot) -> dict[str, Any]:
    return {
        "type": CHALLENGE_TYPE,
        "version": VERSION,
        "election": challenged.election.hex(),
        "ballot_id": challenged.ballot_id.hex(),
        "rows": [
            {
                "ciphertexts": [ciphertext_plain(c) for c in ciphertexts],
                "outcome": outcome,
                "nonces": [r.hex() for r in nonces],
            }
            for ciphertexts, outcome, nonces in zip(
                challenged.rows, challenged.outcomes, challenged.nonces, strict=True
            )
        ],
    }


def challenged_to_json(challenged: ChallengedBallot) -> bytes:
    return canonical_json(challenged_plain(challenged))


def challenged_from_plain(
    value: Any, group: Group, path: str = "challenged ballot"
) -> ChallengedBallot:
    fields = Fields(value, path)
    fields.constant("type", CHALLENGE_TYPE)
    fields.integer("version", VERSION, VERSION)
    rows, outcomes, nonces = [], [], []
    for row in fields.objects("rows", max_items=MAX_ROWS):
        rows.append(
            tuple(
                ciphertext_from_fields(c, group)
                for c in row.objects("ciphertexts", max_items=MAX_LANES)
            )
        )
        outcomes.append(_outcome(row.raw("outcome"), row.path("outcome")))
        nonces.append(row.listed("nonces", decode_scalar, max_items=MAX_LANES))
        row.done()
    challenged = ChallengedBallot(
        election=fields.hex_bytes("election", 32),
        ballot_id=fields.hex_bytes("ballot_id", BALLOT_ID_BYTES),
        rows=tuple(rows),
        outcomes=tuple(outcomes),
        nonces=tuple(nonces),
    )
    fields.done()
    return challenged


def challenged_from_json(data: bytes, group: Group) -> ChallengedBallot:
    return challenged_from_plain(parse_json(data), group)


def _outcome(value: Any, path: str) -> int:
    if type(value) is not int or not 0 <= value < MAX_BRANCHES:
        raise EncodingError(f"{path}: expected an outcome number")
    return value
