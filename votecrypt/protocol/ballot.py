"""Encrypted ballots and the checks anyone can make on one (spec 10).

A ballot has one row per candidate, in manifest order. A row is the ciphertexts of the chosen
outcome's lane vector (spec 6.1) and a set-membership proof that they encrypt one of the
allowed outcomes. The ballot carries the election context hash, a random ballot id and the
credential's public key; every row proof binds all three and the row index, and the
credential signs the ballot hash, so a ballot cannot be replayed under another credential,
in another election, or with rows moved around.

This module only reads ballots; creating them is `votecrypt.protocol.booth`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from votecrypt.errors import BallotError, InvalidProof, InvalidSignature
from votecrypt.math.encoding import Encodable, Encoded
from votecrypt.math.group import FixedBase, Point
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.scalar import Scalar
from votecrypt.math.tags import BALLOT, BALLOT_ROW_PROOF, BALLOT_SIGNATURE, BALLOT_TRACKING
from votecrypt.primitives.elgamal import Ciphertext, encrypt_with_nonce
from votecrypt.primitives.membership import (
    MembershipProof,
    check_allowed,
    check_challenge_sum,
    check_proof_shape,
    statement_encodings,
    verify_membership,
)
from votecrypt.primitives.membership_batch import Claim, vartime_equations_hold
from votecrypt.primitives.packing import Packing
from votecrypt.primitives.signing import VerifyKey

BALLOT_ID_BYTES = 16
TRACKING_CODE_CHARACTERS = 12

# Stable rejection reasons (spec 11.3); the board and the verifier report these codes.
WRONG_ELECTION = "wrong-election"
MALFORMED = "malformed"
BAD_SIGNATURE = "bad-signature"
INVALID_PROOF = "invalid-proof"
UNKNOWN_CREDENTIAL = "unknown-credential"
CREDENTIAL_CANCELLED = "credential-cancelled"
CREDENTIAL_USED = "credential-used"
DUPLICATE_CIPHERTEXT = "duplicate-ciphertext"
DUPLICATE_BALLOT_ID = "duplicate-ballot-id"
VOTING_CLOSED = "voting-closed"
CHALLENGE_MISMATCH = "challenge-mismatch"


class BallotContext(Protocol):
    """What checking a ballot needs from the election (see ElectionContext)."""

    @property
    def hash(self) -> bytes: ...

    @property
    def joint_key(self) -> Point: ...

    @property
    def rows(self) -> int: ...

    @property
    def packing(self) -> Packing: ...

    @property
    def key_table(self) -> FixedBase | None:
        """A precomputed table for the joint key, or None."""
        ...

    @property
    def negated_values(self) -> Mapping[int, Point]:
        """-v*G for every value of the packing's allowed list (membership.value_points)."""
        ...


@dataclass(frozen=True, slots=True)
class BallotRow:
    """One candidate's row: Λ ciphertexts and the set-membership proof (spec 10.2, 10.3)."""

    ciphertexts: tuple[Ciphertext, ...]
    proof: MembershipProof


@dataclass(frozen=True, slots=True)
class Ballot:
    """A cast-or-challenge ballot (spec 10.1); `signature` is the credential's."""

    election: bytes
    ballot_id: bytes
    credential: VerifyKey
    rows: tuple[BallotRow, ...]
    signature: bytes

    def content(self, encoded: EncodedRows | None = None) -> Encodable:
        """Everything but the signature, as hashed into the ballot hash (spec 10.5): per row
        the ciphertexts `[[alpha, beta], ...]`, challenges, responses and commitments
        `[[[a, b], ...] per branch]`, the ciphertexts and commitments given by their
        encodings (the same bytes, spec 3.1; `encoded`, this ballot's, when the caller has
        them)."""
        return {
            "election": self.election,
            "ballot_id": self.ballot_id,
            "credential": self.credential.to_bytes(),
            "rows": [
                {
                    "ciphertexts": ciphertexts,
                    "challenges": row.proof.challenges,
                    "responses": row.proof.responses,
                    "commitments": commitments,
                }
                for row, (ciphertexts, commitments) in zip(
                    self.rows, EncodedRows.of(self, encoded).rows, strict=True
                )
            ],
        }

    def ballot_hash(self, encoded: EncodedRows | None = None) -> bytes:
        """H(BALLOT, content): what the credential signs (spec 10.4, 10.5)."""
        return hash_bytes(BALLOT, self.content(encoded))

    def tracking_code(self) -> str:
        return tracking_code(
            self.election, self.ballot_id, tuple(row.ciphertexts for row in self.rows)
        )


def tracking_code(election: bytes, ballot_id: bytes, rows: Sequence[Sequence[Ciphertext]]) -> str:
    """The tracking code (spec 10.5): 12 base32 characters, in groups of four ("K7QX-2M4D-3FAB"),
    of H(BALLOT_TRACKING, election, ballot id, every row's ciphertexts). It leaves out the
    credential, the proofs and the signature, so that a challenged ballot, published without
    them, keeps the code the voter saw."""
    digest = hash_bytes(
        BALLOT_TRACKING,
        election,
        ballot_id,
        [[(c.alpha, c.beta) for c in row] for row in rows],
    )
    text = base64.b32encode(digest).decode("ascii")[:TRACKING_CODE_CHARACTERS]
    return "-".join(text[i : i + 4] for i in range(0, TRACKING_CODE_CHARACTERS, 4))


def signature_digest(ballot_hash: bytes) -> bytes:
    """What the credential signs (spec 10.4)."""
    return hash_bytes(BALLOT_SIGNATURE, ballot_hash)


def row_proof_context(
    election: bytes, credential: VerifyKey, ballot_id: bytes, row: int
) -> tuple[Encodable, ...]:
    """The context bound into row `row`'s proof (spec 10.3)."""
    return (election, credential.to_bytes(), ballot_id, row)


class EncodedRows:
    """Every row of one ballot with its ciphertexts and commitments encoded (spec 3.1): the
    ballot hash (10.5) and each row proof's challenge (5.3) both cover them, so a check
    encodes them once for both. Made from the ballot itself, and accepted only with that
    same ballot (`of`): a challenge must be derived from the very commitments that the
    batch then checks (5.7), and a signature from the content it signs."""

    __slots__ = ("ballot", "rows")
    ballot: Ballot
    rows: tuple[tuple[Encoded, Encoded], ...]

    def __init__(self, ballot: Ballot) -> None:
        # Set once, here: rebinding `ballot` would let rows made from another ballot pass `of`.
        object.__setattr__(self, "ballot", ballot)
        object.__setattr__(
            self,
            "rows",
            tuple(
                statement_encodings(row.ciphertexts, row.proof.commitments) for row in ballot.rows
            ),
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a ballot's encodings are not changed once made")

    @classmethod
    def of(cls, ballot: Ballot, given: EncodedRows | None) -> EncodedRows:
        """`given` if it was made from this very ballot object; new ones if none is given."""
        if given is None:
            return cls(ballot)
        if given.ballot is not ballot:
            raise ValueError("these encodings were made from another ballot")
        return given


def check_ballot(ballot: Ballot, context: BallotContext) -> None:
    """The stateless checks of spec 11.3 (steps 1-4): election, shape, signature, every row
    proof. Raises BallotError with a stable reason code. The board adds the stateful checks
    (known and unused credential, new ciphertexts, voting open)."""
    check_shape(ballot, context)
    encoded = EncodedRows(ballot)
    check_signature(ballot, encoded)
    check_proofs(ballot, context, encoded)


def check_signature(ballot: Ballot, encoded: EncodedRows | None = None) -> None:
    """The credential signed the ballot hash (spec 10.4). `encoded`: the ballot's
    `EncodedRows`, when the caller has them."""
    try:
        ballot.credential.verify(ballot.signature, signature_digest(ballot.ballot_hash(encoded)))
    except InvalidSignature:
        raise BallotError(BAD_SIGNATURE, "the credential's signature does not verify") from None


def check_proofs(
    ballot: Ballot, context: BallotContext, encoded: EncodedRows | None = None
) -> None:
    """Every row's set-membership proof, bound to the election, credential, ballot id and row
    index (spec 10.3), all rows in one batch (spec 5.7): the same verdict, and when it fails
    the same reason, as `check_proofs_one_by_one`."""
    failure = check_many_proofs((ballot,), context, [encoded])[0]
    if failure is not None:
        raise failure


def check_proofs_one_by_one(ballot: Ballot, context: BallotContext) -> None:
    """Every row's proof on its own, in row order (spec 5.3): the reference reading, which
    names the first row that fails and its equation."""
    allowed = context.packing.allowed()
    table, negated = context.key_table, context.negated_values
    for index, row in enumerate(ballot.rows):
        try:
            verify_membership(
                row.proof,
                context.joint_key,
                row.ciphertexts,
                allowed,
                tag=BALLOT_ROW_PROOF,
                # bound to this election's hash, not the one the ballot names (spec 10.3)
                context=row_proof_context(context.hash, ballot.credential, ballot.ballot_id, index),
                key_table=table,
                negated=negated,
            )
        except InvalidProof as failure:
            raise BallotError(INVALID_PROOF, f"row {index + 1}: {failure.equation}") from None


def check_many_proofs(
    ballots: Sequence[Ballot],
    context: BallotContext,
    encoded: Sequence[EncodedRows | None] | None = None,
) -> list[BallotError | None]:
    """The proofs of many ballots in one batch (spec 5.7, 16.1): for each ballot, None or the
    BallotError `check_proofs_one_by_one` raises for it.

    Every row's shape and challenge sum are checked first, on the carried commitments; then
    all equations of the ballots that passed are folded into one random linear combination.
    A batch that fails is split in halves, each checked with fresh weights: a failing half is
    split in turn, down to single ballots; when both halves fail, the ballots of the batch are
    read one by one instead (so the batch checks never cost more than about three checks of the
    whole batch, spec 5.7). A ballot is only ever refused by its one-by-one reading, which
    names its row: never on a batch check alone. `encoded`: every ballot's `EncodedRows`,
    when the caller has them."""
    verdicts: list[BallotError | None] = [None] * len(ballots)
    claims: dict[int, list[Claim]] = {}
    for position, ballot in enumerate(ballots):
        try:
            given = encoded[position] if encoded is not None else None
            claims[position] = _claims(ballot, context, EncodedRows.of(ballot, given))
        except InvalidProof:
            verdicts[position] = _one_by_one(ballot, context)

    def holds(positions: list[int]) -> bool:
        batch = [claim for position in positions for claim in claims[position]]
        return vartime_equations_hold(context.joint_key, batch)

    failing = list(claims)
    if not failing or holds(failing):
        return verdicts
    while len(failing) > 1:  # `failing` is a batch known to fail
        half = len(failing) // 2
        halves = [part for part in (failing[:half], failing[half:]) if not holds(part)]
        if len(halves) != 1:  # both fail (or, with probability 2^-128, neither): one by one
            break
        failing = halves[0]
    for position in failing:
        verdicts[position] = _one_by_one(ballots[position], context)
    return verdicts


def _claims(ballot: Ballot, context: BallotContext, encoded: EncodedRows) -> list[Claim]:
    """Every row's proof, shape and challenge sum checked (spec 5.3, verifier steps 1 and 2)."""
    vectors = check_allowed(context.packing.allowed(), context.packing.lanes)
    claims = []
    for index, row in enumerate(ballot.rows):
        if len(row.ciphertexts) != context.packing.lanes:
            raise InvalidProof("set-membership", "one allowed vector per ciphertext")
        check_proof_shape(row.proof, len(vectors), len(row.ciphertexts))
        check_challenge_sum(
            row.proof,
            context.joint_key,
            row.ciphertexts,
            vectors,
            tag=BALLOT_ROW_PROOF,
            context=row_proof_context(context.hash, ballot.credential, ballot.ballot_id, index),
            encoded=encoded.rows[index],
        )
        claims.append(Claim(row.proof, row.ciphertexts, vectors))
    return claims


def _one_by_one(ballot: Ballot, context: BallotContext) -> BallotError | None:
    try:
        check_proofs_one_by_one(ballot, context)
    except BallotError as failure:
        return failure
    return None


def check_shape(ballot: Ballot, context: BallotContext) -> None:
    """The ballot is for this election, and its rows, lanes and branches have the sizes the
    election requires (spec 10.1)."""
    if ballot.election != context.hash:
        raise BallotError(WRONG_ELECTION, "the ballot is for another election")
    check_sizes(ballot, context)


def check_sizes(ballot: Ballot, context: BallotContext) -> None:
    """The ballot's id, rows, lanes and branches have the sizes the election requires, and no
    ciphertext is degenerate (spec 10.1), whatever election it names."""
    if len(ballot.ballot_id) != BALLOT_ID_BYTES:
        raise BallotError(MALFORMED, f"the ballot id must be {BALLOT_ID_BYTES} bytes")
    if len(ballot.rows) != context.rows:
        raise BallotError(MALFORMED, f"the ballot has {len(ballot.rows)} rows, not {context.rows}")
    lanes, outcomes = context.packing.lanes, context.packing.outcomes
    for index, row in enumerate(ballot.rows):
        if len(row.ciphertexts) != lanes:
            raise BallotError(MALFORMED, f"row {index + 1} has a wrong number of ciphertexts")
        proof = row.proof
        if not (
            len(proof.challenges) == len(proof.responses) == len(proof.commitments) == outcomes
        ):
            raise BallotError(MALFORMED, f"row {index + 1}'s proof has a wrong number of branches")
        for ciphertext in row.ciphertexts:
            if ciphertext.alpha.is_identity():
                raise BallotError(MALFORMED, f"row {index + 1} has a degenerate ciphertext")


@dataclass(frozen=True, slots=True)
class ChallengedBallot:
    """A ballot the voter challenged (spec 10.6): its election, ballot id and ciphertexts, and
    per row the chosen outcome and the nonces. It carries no credential, signature or proof,
    so nothing links it to the voter; it is published and never counted."""

    election: bytes
    ballot_id: bytes
    rows: tuple[tuple[Ciphertext, ...], ...]
    outcomes: tuple[int, ...]
    nonces: tuple[tuple[Scalar, ...], ...]

    def tracking_code(self) -> str:
        return tracking_code(self.election, self.ballot_id, self.rows)


def check_challenge(challenged: ChallengedBallot, context: BallotContext) -> None:
    """Anyone can check that a challenged ballot encrypts the choices it shows: re-encrypt
    every row's outcome with the revealed nonces and compare (spec 10.6)."""
    if challenged.election != context.hash:
        raise BallotError(WRONG_ELECTION, "the challenged ballot is for another election")
    if len(challenged.ballot_id) != BALLOT_ID_BYTES:
        raise BallotError(MALFORMED, f"the ballot id must be {BALLOT_ID_BYTES} bytes")
    rows = len(challenged.rows)
    if rows != context.rows or len(challenged.outcomes) != rows or len(challenged.nonces) != rows:
        raise BallotError(MALFORMED, f"the challenge must reveal all {context.rows} rows")
    packing = context.packing
    for index, (ciphertexts, outcome, nonces) in enumerate(
        zip(challenged.rows, challenged.outcomes, challenged.nonces, strict=True)
    ):
        if (
            not 0 <= outcome < packing.outcomes
            or len(ciphertexts) != packing.lanes
            or len(nonces) != packing.lanes
        ):
            raise BallotError(MALFORMED, f"row {index + 1}'s revealed values are malformed")
        expected = encryptions(context.joint_key, packing.encode(outcome), nonces)
        if tuple(expected) != ciphertexts:
            raise BallotError(
                CHALLENGE_MISMATCH, f"row {index + 1} does not encrypt the revealed choice"
            )


def encryptions(
    public_key: Point, vector: Sequence[int], nonces: Sequence[Scalar]
) -> list[Ciphertext]:
    """The ciphertexts of a lane vector under the given nonces."""
    return [
        encrypt_with_nonce(public_key, value, nonce)
        for value, nonce in zip(vector, nonces, strict=True)
    ]
