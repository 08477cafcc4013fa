"""One trustee's side of the key ceremony: a state machine that refuses steps out of order.

    trustee = Trustee.create(group, parameters, index, name)   # keys; announcement
    trustee.commit(transcript)     # needs every announcement; draws the polynomial
    trustee.open(transcript)       # needs every commitment hash (spec 8.3)
    trustee.check(transcript)      # needs every opening; accepts shares or complains
    trustee.answer(transcript)     # only if someone complained about this trustee
    trustee.finalize(transcript)   # evaluates the transcript; derives the key share

Each step returns the signed message to publish. The trustee's secrets (ceremony keys,
polynomial, received shares, final key share) leave the object only through
`export_secrets()`, for encryption at rest (spec 14).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from votecrypt.errors import CeremonyError, DecryptionFailed, EncodingError
from votecrypt.math.group import Group
from votecrypt.math.scalar import ZERO, Scalar
from votecrypt.math.tags import CEREMONY_COEFFICIENT_PROOF
from votecrypt.primitives.schnorr import prove_knowledge
from votecrypt.primitives.sealing import ExchangeKey, open_sealed, seal
from votecrypt.primitives.shamir import Polynomial, share_matches
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.ceremony.messages import (
    Announcement,
    Answer,
    CeremonyParameters,
    Check,
    Commit,
    Complaint,
    Opening,
    RevealedShare,
    SealedShare,
    Signed,
    coefficient_proof_context,
    commitment_hash,
    share_binding,
)
from votecrypt.protocol.ceremony.transcript import (
    CeremonyNotReady,
    CeremonyOutcome,
    Transcript,
    announced_keys,
    check_opening,
    evaluate,
    transcript_digests,
)
from votecrypt.protocol.credentials import CredentialList, Endorsement, endorsement_digest
from votecrypt.protocol.key_share import KeyShare

#: The steps in order; a trustee's `step` is the last one it completed.
STEPS = ("announced", "committed", "opened", "checked", "answered", "finalized")


@dataclass(frozen=True, slots=True, repr=False)
class TrusteeSecrets:
    """Everything a trustee must keep secret and keep safe, for its encrypted file (spec 14).

    `polynomial` is None before the commit step; `received` maps dealer index to the share it
    sent (spec 8.6); `key_share` is x_j once finalized.
    """

    signing_key: SigningKey
    exchange_key: ExchangeKey
    polynomial: Polynomial | None
    received: tuple[tuple[int, Scalar], ...]
    key_share: Scalar | None

    def __repr__(self) -> str:
        return "TrusteeSecrets(<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("trustee secrets cannot be pickled")


class Trustee:
    """Trustee `index` (1..N_T) of one ceremony."""

    def __init__(
        self,
        group: Group,
        parameters: CeremonyParameters,
        index: int,
        name: str,
        step: str,
        secrets: TrusteeSecrets,
        outcome: CeremonyOutcome | None = None,
        decrypted_tally: bytes | None = None,
    ) -> None:
        """Restore a trustee from its (decrypted) state; use `create` for a new one."""
        if index not in parameters.indices:
            raise CeremonyError(f"trustee index {index} is not in 1..{parameters.trustees}")
        if step not in STEPS:
            raise CeremonyError(f"unknown ceremony step {step!r}")
        self.group = group
        self.parameters = parameters
        self.index = index
        self.name = name
        self.step = step
        self._signing_key = secrets.signing_key
        self._exchange_key = secrets.exchange_key
        self._polynomial = secrets.polynomial
        self._received = dict(secrets.received)
        self._key_share = secrets.key_share
        self.outcome = outcome
        #: the board hash of the one tally this trustee decrypted (spec 12.2), once it has
        self.decrypted_tally = decrypted_tally

    @classmethod
    def create(cls, group: Group, parameters: CeremonyParameters, index: int, name: str) -> Trustee:
        """A new trustee with fresh ceremony keys (step "announced")."""
        secrets = TrusteeSecrets(SigningKey.generate(), ExchangeKey.generate(), None, (), None)
        return cls(group, parameters, index, name, "announced", secrets)

    def export_secrets(self) -> TrusteeSecrets:
        """The secret state, only to be encrypted at rest (spec 14)."""
        received = tuple(sorted(self._received.items()))
        return TrusteeSecrets(
            self._signing_key, self._exchange_key, self._polynomial, received, self._key_share
        )

    def __repr__(self) -> str:
        return f"Trustee(index={self.index}, name={self.name!r}, step={self.step!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("trustees hold secrets and cannot be pickled")

    # Steps

    def announce(self) -> Signed[Announcement]:
        """The announcement of this trustee's ceremony keys (spec 8.2); can be re-issued."""
        message = Announcement(
            election=self.parameters.election,
            sender=self.index,
            name=self.name,
            signing_key=self._signing_key.verify_key,
            exchange_key=self._exchange_key.public_key,
        )
        return Signed.create(message, self._signing_key)

    def commit(self, transcript: Transcript) -> Signed[Commit]:
        """Draw the secret polynomial and publish the hash of its commitments (spec 8.3)."""
        self._require("announced", "commit")
        self._require_own_announcement(transcript)
        self._polynomial = Polynomial.random(self.parameters.threshold - 1)
        commitments = self._polynomial.commitments(self.group)
        message = Commit(
            election=self.parameters.election,
            sender=self.index,
            commitment_hash=commitment_hash(self.parameters.election, self.index, commitments),
        )
        self.step = "committed"
        return Signed.create(message, self._signing_key)

    def open(
        self, transcript: Transcript, *, proceed_without_missing: bool = False
    ) -> Signed[Opening]:
        """Open the commitments with proofs of knowledge and seal a share to every other
        trustee (spec 8.4, 8.5). Refused until every trustee's commitment hash is published,
        so nobody can choose its polynomial after seeing another's (spec 8.3)."""
        self._require("committed", "open")
        announcements = self._require_own_announcement(transcript)
        missing = [i for i in self.parameters.indices if i not in transcript.commits]
        if missing and not proceed_without_missing:
            raise CeremonyNotReady([f"trustee {i} to publish its commitment hash" for i in missing])
        polynomial = self._own_polynomial()
        commitments = polynomial.commitments(self.group)
        election = self.parameters.election
        proofs = tuple(
            prove_knowledge(
                a,
                c,
                tag=CEREMONY_COEFFICIENT_PROOF,
                context=coefficient_proof_context(election, self.index, k),
            )
            for k, (a, c) in enumerate(zip(polynomial.coefficients, commitments, strict=True))
        )
        shares = tuple(
            SealedShare(
                j,
                seal(
                    announcements[j].exchange_key,
                    polynomial.evaluate(j).to_bytes(),
                    share_binding(election, self.index, j, announcements[j].exchange_key),
                ),
            )
            for j in self.parameters.indices
            if j != self.index
        )
        message = Opening(election, self.index, commitments, proofs, shares)
        self.step = "opened"
        return Signed.create(message, self._signing_key)

    def check(
        self, transcript: Transcript, *, proceed_without_missing: bool = False
    ) -> Signed[Check]:
        """Open and check the share from every dealer; accept it or complain (spec 8.6)."""
        self._require("opened", "check")
        self._require_own_announcement(transcript)
        transcript_digests(transcript)  # every message must carry its sender's signature
        others = [i for i in self.parameters.indices if i != self.index]
        missing = [i for i in others if i not in transcript.openings]
        if missing and not proceed_without_missing:
            raise CeremonyNotReady([f"trustee {i} to open its commitments" for i in missing])
        accepted, complaints = [], []
        for dealer in others:
            if dealer not in transcript.openings or dealer not in transcript.commits:
                continue
            opening = transcript.openings[dealer].message
            try:
                check_opening(
                    self.group, self.parameters, transcript.commits[dealer].message, opening
                )
            except CeremonyError:
                continue  # publicly invalid: disqualified by everyone, nothing to complain about
            share = self._open_share(opening)
            if share is None:
                complaints.append(Complaint(dealer, "unreadable"))
            elif not share_matches(share, opening.commitments, self.index):
                complaints.append(Complaint(dealer, "mismatch"))
            else:
                accepted.append(dealer)
                self._received[dealer] = share
        message = Check(self.parameters.election, self.index, tuple(accepted), tuple(complaints))
        self.step = "checked"
        return Signed.create(message, self._signing_key)

    def answer(self, transcript: Transcript) -> Signed[Answer] | None:
        """Reveal the shares that recipients complained about (spec 8.7); None if there were
        no complaints against this trustee."""
        self._require("checked", "answer")
        transcript_digests(transcript)
        complainers = sorted(
            j
            for j, signed in transcript.checks.items()
            if any(c.dealer == self.index for c in signed.message.complaints)
        )
        self.step = "answered"
        if not complainers:
            return None
        polynomial = self._own_polynomial()
        revealed = tuple(RevealedShare(j, polynomial.evaluate(j)) for j in complainers)
        return Signed.create(
            Answer(self.parameters.election, self.index, revealed), self._signing_key
        )

    def finalize(self, transcript: Transcript, *, close: bool = False) -> CeremonyOutcome:
        """Evaluate the transcript (spec 8.8) and, if qualified, derive the key share
        x_j = sum of the qualified dealers' shares, checked against K_j."""
        if self.step not in ("checked", "answered", "finalized"):
            raise CeremonyError(f"trustee {self.index} must check its shares before finalizing")
        outcome = evaluate(self.group, transcript, close=close)
        if self.outcome is not None and outcome != self.outcome:
            raise CeremonyError(
                f"trustee {self.index} already finalized the ceremony with another outcome; "
                "the messages changed since"
            )
        if self.index in outcome.qualified:
            share = self._combine_shares(transcript, outcome)
            if self.group.multiply_generator(share) != outcome.verification_key(self.index):
                raise CeremonyError("the derived key share does not match its verification key")
            self._key_share = share
        self.outcome = outcome
        self.step = "finalized"
        return outcome

    def endorse_credentials(self, credentials: CredentialList) -> Endorsement:
        """Sign the credential list with this trustee's ceremony signing key (spec 9.4), for
        the outcome it finalized itself."""
        self._require("finalized", "endorse the credential list")
        if self.outcome is None or self.index not in self.outcome.qualified:
            raise CeremonyError("only a qualified trustee endorses the credential list")
        if credentials.election != self.parameters.election:
            raise CeremonyError("the credential list was issued for another election")
        digest = endorsement_digest(credentials, self.outcome.transcript_hash)
        return Endorsement(self.index, self._signing_key.sign(digest))

    def key_share(self) -> KeyShare:
        """This trustee's share x_j of the election secret, for decryption (spec 12.2)."""
        if self.outcome is None or self._key_share is None:
            raise CeremonyError(
                f"trustee {self.index} holds no key share (not finalized or not qualified)"
            )
        return KeyShare(self.index, self._key_share, self.outcome.verification_key(self.index))

    # Helpers

    def _require(self, step: str, action: str) -> None:
        if self.step != step:
            raise CeremonyError(
                f"trustee {self.index} cannot {action} now: its last step was {self.step!r}"
            )

    def _require_own_announcement(self, transcript: Transcript) -> dict[int, Announcement]:
        if transcript.parameters != self.parameters:
            raise CeremonyError("the transcript belongs to another ceremony")
        announcements = announced_keys(transcript)
        own = announcements[self.index]
        if own.signing_key != self._signing_key.verify_key or (
            own.exchange_key != self._exchange_key.public_key
        ):
            raise CeremonyError(f"the announcement of trustee {self.index} is not this trustee's")
        return announcements

    def _own_polynomial(self) -> Polynomial:
        if self._polynomial is None:
            raise CeremonyError(f"trustee {self.index} has no polynomial")
        return self._polynomial

    def _open_share(self, opening: Opening) -> Scalar | None:
        sealed = next(s for s in opening.shares if s.recipient == self.index)
        binding = share_binding(
            self.parameters.election, opening.sender, self.index, self._exchange_key.public_key
        )
        try:
            return Scalar.from_canonical_bytes(open_sealed(self._exchange_key, sealed.box, binding))
        except (DecryptionFailed, EncodingError):
            return None

    def _combine_shares(self, transcript: Transcript, outcome: CeremonyOutcome) -> Scalar:
        total = ZERO
        for dealer in outcome.qualified:
            if dealer == self.index:
                share = self._own_polynomial().evaluate(self.index)
            elif dealer in self._received:
                share = self._received[dealer]
            else:
                share = _revealed_share(transcript, dealer, self.index)
            total = total + share
        return total


def _revealed_share(transcript: Transcript, dealer: int, recipient: int) -> Scalar:
    answer = transcript.answers.get(dealer)
    if answer is not None:
        for revealed in answer.message.revealed:
            if revealed.recipient == recipient:
                return revealed.share
    raise CeremonyError(f"no valid share from trustee {dealer} for trustee {recipient}")
