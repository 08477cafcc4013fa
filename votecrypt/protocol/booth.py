"""The voting booth: encrypt a voter's choices into a signed ballot, then cast or challenge
(spec 10.2-10.6).

    prepared = prepare_ballot(context, credential, outcomes)
    prepared.tracking_code              # shown to the voter
    prepared.ballot                     # to cast: submit this to the board
    prepared.challenge()                # or to challenge: reveal the nonces, never counted

A prepared ballot holds the voter's choices and nonces; it is never printed or pickled. After a
challenge the voter chooses again and a new ballot is prepared (fresh nonces, fresh ballot id);
the challenge reveals neither the credential nor the proofs (spec 10.6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from votecrypt.errors import BallotError
from votecrypt.math.randomness import random_bytes
from votecrypt.math.scalar import Scalar
from votecrypt.math.tags import BALLOT_ROW_PROOF
from votecrypt.primitives.membership import encrypt_and_prove
from votecrypt.protocol.ballot import (
    BALLOT_ID_BYTES,
    MALFORMED,
    Ballot,
    BallotContext,
    BallotRow,
    ChallengedBallot,
    row_proof_context,
    signature_digest,
)
from votecrypt.protocol.credentials import Credential


class PreparedBallot:
    """An encrypted, signed ballot with the secrets needed to challenge it."""

    __slots__ = ("_challenged", "_nonces", "_outcomes", "ballot")
    ballot: Ballot
    _outcomes: tuple[int, ...]
    _nonces: tuple[tuple[Scalar, ...], ...]
    _challenged: bool

    def __init__(
        self, ballot: Ballot, outcomes: tuple[int, ...], nonces: tuple[tuple[Scalar, ...], ...]
    ) -> None:
        self.ballot = ballot
        self._outcomes = outcomes
        self._nonces = nonces
        self._challenged = False

    @property
    def tracking_code(self) -> str:
        return self.ballot.tracking_code()

    def challenge(self) -> ChallengedBallot:
        """Reveal this ballot's choices and nonces so anyone can check the encryption.
        The ballot can no longer be cast (the board refuses its ciphertexts)."""
        self._challenged = True
        ballot = self.ballot
        return ChallengedBallot(
            ballot.election,
            ballot.ballot_id,
            tuple(row.ciphertexts for row in ballot.rows),
            self._outcomes,
            self._nonces,
        )

    @property
    def challenged(self) -> bool:
        return self._challenged

    def __repr__(self) -> str:
        return f"PreparedBallot(tracking_code={self.tracking_code!r}, choices=<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("prepared ballots hold the voter's secrets and cannot be pickled")


def prepare_ballot(
    context: BallotContext, credential: Credential, outcomes: Sequence[int]
) -> PreparedBallot:
    """Encrypt one outcome per row (indices of the election's outcomes, spec 6.1), prove each
    row well formed, and sign the ballot with the credential."""
    packing = context.packing
    if len(outcomes) != context.rows:
        raise BallotError(MALFORMED, f"one choice per candidate is needed ({context.rows})")
    if any(type(o) is not int or not 0 <= o < packing.outcomes for o in outcomes):
        raise BallotError(MALFORMED, "a choice is not one of the election's options")
    ballot_id = random_bytes(BALLOT_ID_BYTES)
    proved = encrypt_and_prove(
        context.joint_key,
        [packing.encode(outcome) for outcome in outcomes],
        packing.allowed(),
        tag=BALLOT_ROW_PROOF,
        contexts=[
            row_proof_context(context.hash, credential.public_key, ballot_id, index)
            for index in range(context.rows)
        ],
        negated=context.negated_values,
    )
    rows = [BallotRow(ciphertexts, proof) for ciphertexts, _, proof in proved]
    all_nonces = [nonces for _, nonces, _ in proved]
    unsigned = Ballot(context.hash, ballot_id, credential.public_key, tuple(rows), b"")
    signature = credential.signing_key.sign(signature_digest(unsigned.ballot_hash()))
    ballot = Ballot(context.hash, ballot_id, credential.public_key, tuple(rows), signature)
    return PreparedBallot(ballot, tuple(outcomes), tuple(all_nonces))
