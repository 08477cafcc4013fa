"""One trustee's side of the key ceremony: a state machine that refuses steps out of order.

    trustee = Trustee.create(group, parameters, index, name)   # keys; announcement
    trustee.commit(transcript)     # needs its own announcement; draws the polynomial
    trustee.open(transcript)       # needs every commitment hash (spec 8.3)
    trustee.check(transcript)      # needs every opening; accepts shares or complains
    trustee.answer(transcript)     # needs every check; reveals the complained-about shares
    trustee.finalize(transcript)   # evaluates the transcript; derives the key share
    trustee.decide(without)        # a vote that the board go on without some trustees

A step waits for every trustee until the board decides to go on without it (spec 8.8): at
least t trustees' decisions name it. `proceed_without_missing=True` makes one trustee go on
alone; the tools never use it (it models a trustee that does not wait, for tests and vectors).

Each step returns the signed message to publish. The trustee's secrets (ceremony keys,
polynomial, received shares, final key share) leave the object only through
`export_secrets()`, for encryption at rest (spec 14).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
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
    Decision,
    Opening,
    RevealedShare,
    SealedShare,
    Signed,
    coefficient_proof_context,
    commitment_hash,
    share_binding,
)
from votecrypt.protocol.ceremony.transcript import (
    BOARD_WENT_ON_WITHOUT,
    CeremonyNotReady,
    CeremonyOutcome,
    Transcript,
    announcement_problems,
    check_opening,
    counted,
    evaluate,
    malformed_check,
    participants,
    transcript_digests,
    verdicts,
)
from votecrypt.protocol.credentials import CredentialList, Endorsement, endorsement_digest
from votecrypt.protocol.key_share import KeyShare
from votecrypt.protocol.supplements import Supplement

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
        endorsed_list: bytes | None = None,
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
        #: the hash of the one credential list this trustee endorsed (spec 9.4), once it has
        self.endorsed_list = endorsed_list

    @classmethod
    def create(cls, group: Group, parameters: CeremonyParameters, index: int, name: str) -> Trustee:
        """A new trustee with fresh ceremony keys (step "announced")."""
        signing_key = SigningKey.generate()
        # The exchange key is derived from the signing key, so that the announcement's
        # signature also proves possession of the exchange key (spec 8.2).
        exchange_key = ExchangeKey.from_signing_seed(signing_key.export_bytes())
        secrets = TrusteeSecrets(signing_key, exchange_key, None, (), None)
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
        """Draw the secret polynomial and publish the hash of its commitments (spec 8.3).
        Needs only this trustee's own accepted announcement: nobody waits for the others."""
        self._require(("announced",), "commit")
        self._view(transcript, every_envelope=False)
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
        """Open the commitments with proofs of knowledge and seal a share to every trustee of
        D (spec 8.3-8.5). Refused while an announcement or a commitment hash is missing, so
        nobody can choose its polynomial after seeing another's; with
        `proceed_without_missing` (the board's decision) the missing trustees are left out,
        and so is anyone left out by an opening already published."""
        self._require(("committed",), "open")
        transcript, accepted, decided = self._view(transcript, every_envelope=False)
        participating, cut = participants(transcript, accepted)
        if self.index in cut:
            raise CeremonyError(f"trustee {self.index} is left out: it {cut[self.index]}")
        if self.index not in transcript.commits:
            raise CeremonyError(f"trustee {self.index}'s commitment hash is not in the directory")
        waiting = [
            f"trustee {i} to announce its keys"
            for i in self.parameters.indices
            if i not in transcript.announcements and i not in decided
        ] + [
            f"trustee {i} to publish its commitment hash"
            for i in sorted(accepted)
            if i not in cut and i not in transcript.commits
        ]
        if waiting and not proceed_without_missing:
            raise CeremonyNotReady(waiting)
        if len(participating) < self.parameters.threshold:
            raise CeremonyError(
                f"only {len(participating)} trustees have committed, "
                f"{self.parameters.threshold} needed"
            )
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
        # Only accepted exchange keys are in D, so one bad key never stops the others' shares.
        shares = tuple(
            SealedShare(
                j,
                seal(
                    accepted[j].exchange_key,
                    polynomial.evaluate(j).to_bytes(),
                    share_binding(election, self.index, j, accepted[j].exchange_key),
                ),
            )
            for j in participating
            if j != self.index
        )
        message = Opening(election, self.index, commitments, proofs, shares)
        self.step = "opened"
        return Signed.create(message, self._signing_key)

    def check(
        self, transcript: Transcript, *, proceed_without_missing: bool = False
    ) -> Signed[Check]:
        """Open and check the share from every dealer; accept it or complain (spec 8.6).
        Waits for every opening of D unless `proceed_without_missing`; a dealer opening later
        is not named, which counts as a complaint it must answer (spec 8.7)."""
        self._require(("committed", "opened"), "check")
        everything = transcript
        transcript, participating = self._require_participating(everything)
        seen = tuple(transcript_digests(everything))  # what this trustee saw (spec 8.2)
        others = [i for i in participating if i != self.index]
        missing = [i for i in others if i not in transcript.openings]
        if missing and not proceed_without_missing:
            raise CeremonyNotReady([f"trustee {i} to open its commitments" for i in missing])
        accepted, complaints = [], []
        for dealer in others:
            if dealer not in transcript.openings:
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
        message = Check(
            self.parameters.election, self.index, tuple(accepted), tuple(complaints), seen
        )
        self.step = "checked"
        return Signed.create(message, self._signing_key)

    def complaints_against(
        self, transcript: Transcript, *, proceed_without_missing: bool = False
    ) -> list[int]:
        """The trustees whose complaint this dealer must answer (spec 8.7): explicit ones,
        checks that do not name it, and (only with `proceed_without_missing`, the board's
        decision) trustees of D that have not checked. Without it, waits for every check."""
        transcript, participating = self._require_participating(transcript)
        waiting = [
            f"trustee {j} to check its shares"
            for j in participating
            if j != self.index and j not in transcript.checks
        ]
        if waiting and not proceed_without_missing:
            raise CeremonyNotReady(waiting)
        malformed = {
            j
            for j, signed in transcript.checks.items()
            if malformed_check(self.parameters, signed.message)
        }
        found = verdicts(transcript, participating, self.index, malformed)
        return found.complainers(absent_complain=True)

    def answer(
        self,
        transcript: Transcript,
        *,
        proceed_without_missing: bool = False,
        earlier: Answer | None = None,
    ) -> Signed[Answer] | None:
        """Reveal the share of every complaining trustee (spec 8.7). Answers are additive: the
        answer also reveals every share of this dealer's `earlier` answer, so a complaint it
        sees later (a check copied late, or a check its sender showed it differently) is
        answered by a grown answer that replaces the earlier one (spec 8.9). None (and the step
        stays open, to run again) when nobody complained and nothing was revealed before."""
        self._require(("checked", "answered", "finalized"), "answer")
        complainers = self.complaints_against(
            transcript, proceed_without_missing=proceed_without_missing
        )
        seen = tuple(transcript_digests(transcript))  # what this trustee saw (spec 8.2)
        before = {r.recipient for r in earlier.revealed} if earlier is not None else set()
        recipients = sorted(set(complainers) | before)
        if not recipients:
            return None
        polynomial = self._own_polynomial()
        revealed = tuple(RevealedShare(j, polynomial.evaluate(j)) for j in recipients)
        if self.step == "checked":
            self.step = "answered"
        return Signed.create(
            Answer(self.parameters.election, self.index, revealed, seen), self._signing_key
        )

    def decide(self, without: Iterable[int], earlier: Decision | None = None) -> Signed[Decision]:
        """This trustee's vote that the board go on without the trustees `without` (spec 8.8),
        grown from its `earlier` decision if any: a decision only grows (spec 8.9)."""
        names = set(without) | set(earlier.without if earlier is not None else ())
        outside = sorted(names - set(self.parameters.indices))
        if outside:
            raise CeremonyError(
                f"the manifest has trustees 1 to {self.parameters.trustees}, not {outside[0]}"
            )
        message = Decision(self.parameters.election, self.index, tuple(sorted(names)))
        return Signed.create(message, self._signing_key)

    def finalize(self, transcript: Transcript) -> CeremonyOutcome:
        """Evaluate the transcript (spec 8.8) and, for a key holder, derive the key share
        s_j = sum over the qualified dealers of their share for j, checked against K_j.
        A finalized trustee finalizes again when the messages grew (spec 8.9), unless it
        already endorsed a credential list or decrypted under its outcome."""
        if transcript.parameters != self.parameters:
            raise CeremonyError("the transcript belongs to another ceremony")
        outcome = evaluate(self.group, transcript)
        if self.outcome is not None and outcome != self.outcome and self._acted():
            raise CeremonyError(
                f"trustee {self.index} already {self._acted()} under the outcome it finalized; "
                "the messages changed since, and that outcome stays"
            )
        share = None
        if any(j == self.index for j, _ in outcome.verification_keys):
            share = self._combine_shares(transcript, outcome)
            if self.group.multiply_generator(share) != outcome.verification_key(self.index):
                raise CeremonyError("the derived key share does not match its verification key")
        self._key_share = share
        self.outcome = outcome
        self.step = "finalized"
        return outcome

    def _acted(self) -> str:
        """What this trustee did under its outcome that cannot be undone, in words ("" if
        nothing): endorsing a credential list (spec 9.4) or decrypting (spec 12.2)."""
        acts = [
            act
            for act, done in (
                ("endorsed a credential list", self.endorsed_list),
                ("decrypted a tally", self.decrypted_tally),
            )
            if done is not None
        ]
        return " and ".join(acts)

    def verification_mac(self, statement: bytes) -> bytes:
        """HMAC-SHA256 of a note of what this trustee verified (its verification state,
        spec 12.2), under a key derived from its signing key with a label of its own: only
        this secret file makes or checks it, and it signs nothing else."""
        key = hmac.new(
            self._signing_key.export_bytes(), b"votecrypt/v1/trustee-verification-state", "sha256"
        ).digest()
        return hmac.new(key, statement, "sha256").digest()

    def endorse_credentials(self, credentials: CredentialList) -> Endorsement:
        """Sign the credential list with this trustee's ceremony signing key (spec 9.4), for
        the outcome it finalized itself."""
        self._require(("finalized",), "endorse the credential list")
        if self.outcome is None or self.index not in self.outcome.qualified:
            raise CeremonyError("only a qualified trustee endorses the credential list")
        if credentials.election != self.parameters.election:
            raise CeremonyError("the credential list was issued for another election")
        digest = endorsement_digest(credentials, self.outcome.transcript_hash)
        return Endorsement(self.index, self._signing_key.sign(digest))

    def endorse_supplement(self, supplement: Supplement, context_hash: bytes) -> Endorsement:
        """Sign a credential supplement (spec 9.6) of the election whose context hash the
        caller re-derived from its own files (`context_hash`); refuses another election's."""
        self._require(("finalized",), "endorse a credential supplement")
        if self.outcome is None or self.index not in self.outcome.qualified:
            raise CeremonyError("only a qualified trustee endorses a credential supplement")
        if supplement.election != context_hash:
            raise CeremonyError("the credential supplement was made for another election")
        return Endorsement(self.index, self._signing_key.sign(supplement.digest()))

    def key_share(self) -> KeyShare:
        """This trustee's share x_j of the election secret, for decryption (spec 12.2)."""
        if self.outcome is None or self._key_share is None:
            raise CeremonyError(
                f"trustee {self.index} holds no key share (not finalized or not qualified)"
            )
        return KeyShare(self.index, self._key_share, self.outcome.verification_key(self.index))

    # Helpers

    def _require(self, steps: tuple[str, ...], action: str) -> None:
        if self.step not in steps:
            raise CeremonyError(
                f"trustee {self.index} cannot {action} now: its last step was {self.step!r}"
            )

    def _view(
        self, transcript: Transcript, *, every_envelope: bool
    ) -> tuple[Transcript, dict[int, Announcement], dict[int, str]]:
        """The messages that count (the board's decisions and the evidence applied, spec 8.8,
        8.8.1), the accepted announcements (spec 8.2), this trustee's own among them, and the
        trustees left out before anything is examined, with their reasons. With
        `every_envelope`, every message's signature is checked first."""
        if transcript.parameters != self.parameters:
            raise CeremonyError("the transcript belongs to another ceremony")
        if every_envelope:
            transcript_digests(transcript)
        view, decided = counted(transcript)
        if self.index in decided:
            reason = decided[self.index]
            if reason == BOARD_WENT_ON_WITHOUT:
                raise CeremonyError(f"the board went on without trustee {self.index}")
            raise CeremonyError(f"trustee {self.index} is left out: it {reason}")
        accepted, refused = announcement_problems(view, envelopes_checked=every_envelope)
        if self.index in refused:
            raise CeremonyError(f"trustee {self.index} is left out: it {refused[self.index]}")
        own = accepted.get(self.index)
        if own is None:
            raise CeremonyError(
                f"trustee {self.index} has not announced its keys in this directory"
            )
        if own.signing_key != self._signing_key.verify_key or (
            own.exchange_key != self._exchange_key.public_key
        ):
            raise CeremonyError(f"the announcement of trustee {self.index} is not this trustee's")
        return view, accepted, decided

    def _require_participating(self, transcript: Transcript) -> tuple[Transcript, list[int]]:
        """The messages that count and D (spec 8.3, 8.8), after checking every envelope;
        refuses a trustee left out of D."""
        view, accepted, _ = self._view(transcript, every_envelope=True)
        participating, cut = participants(view, accepted)
        if self.index in cut:
            raise CeremonyError(f"trustee {self.index} is left out: it {cut[self.index]}")
        if self.index not in participating:
            raise CeremonyError(f"trustee {self.index}'s commitment hash is not in the directory")
        return view, participating

    def _own_polynomial(self) -> Polynomial:
        if self._polynomial is None:
            raise CeremonyError(f"trustee {self.index} has no polynomial")
        return self._polynomial

    def _open_share(self, opening: Opening) -> Scalar | None:
        sealed = next((s for s in opening.shares if s.recipient == self.index), None)
        if sealed is None:
            return None
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
