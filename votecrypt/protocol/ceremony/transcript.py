"""The ceremony transcript and its evaluation from public data alone (spec 8.6-8.8).

`evaluate` turns the published messages into the outcome: the qualified trustees, the joint key
K, each qualified trustee's verification key K_j, the disqualified trustees with the reason, and
the transcript hash. Trustees call it to finish the ceremony; the verifier calls it to check a
published outcome. It depends only on the messages, so everyone holding the same messages gets
the same outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from votecrypt.errors import CeremonyError, InvalidProof
from votecrypt.math.group import Group, Point
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.scalar import ONE, Scalar
from votecrypt.math.tags import CEREMONY_COEFFICIENT_PROOF, CEREMONY_TRANSCRIPT
from votecrypt.primitives.schnorr import verify_knowledge
from votecrypt.primitives.shamir import share_matches
from votecrypt.protocol.ceremony.messages import (
    COMPLAINT_REASONS,
    Announcement,
    Answer,
    CeremonyParameters,
    Check,
    Commit,
    InvalidCeremonyMessage,
    Opening,
    Signed,
    check_envelope,
    coefficient_proof_context,
    commitment_hash,
)


class CeremonyNotReady(CeremonyError):
    """The ceremony cannot be evaluated yet: messages are still expected (see `waiting`)."""

    def __init__(self, waiting: list[str]) -> None:
        super().__init__("still waiting: " + "; ".join(waiting))
        self.waiting = waiting


@dataclass(frozen=True)
class Transcript:
    """Every message of one ceremony, by round and sender index."""

    parameters: CeremonyParameters
    announcements: Mapping[int, Signed[Announcement]] = field(default_factory=dict)
    commits: Mapping[int, Signed[Commit]] = field(default_factory=dict)
    openings: Mapping[int, Signed[Opening]] = field(default_factory=dict)
    checks: Mapping[int, Signed[Check]] = field(default_factory=dict)
    answers: Mapping[int, Signed[Answer]] = field(default_factory=dict)

    def rounds(self) -> list[tuple[str, Mapping[int, Signed[Any]]]]:
        """(round name, messages by sender) for every round, in protocol order."""
        return [
            ("announce", self.announcements),
            ("commit", self.commits),
            ("open", self.openings),
            ("check", self.checks),
            ("answer", self.answers),
        ]


@dataclass(frozen=True, slots=True)
class CeremonyOutcome:
    """The public result of a ceremony (spec 8.8). `joint_key` is K; `verification_keys[j]` is
    K_j for every qualified trustee j."""

    election: bytes
    trustees: int
    threshold: int
    qualified: tuple[int, ...]
    disqualified: tuple[tuple[int, str], ...]
    joint_key: Point
    verification_keys: tuple[tuple[int, Point], ...]
    transcript_hash: bytes

    def verification_key(self, index: int) -> Point:
        for j, key in self.verification_keys:
            if j == index:
                return key
        raise CeremonyError(f"trustee {index} is not a qualified trustee")


def announced_keys(transcript: Transcript) -> dict[int, Announcement]:
    """The announcements, each checked against its own key (spec 8.2). All must be present."""
    parameters = transcript.parameters
    result: dict[int, Announcement] = {}
    for index in parameters.indices:
        signed = transcript.announcements.get(index)
        if signed is None:
            raise CeremonyNotReady([f"trustee {index} to announce its keys"])
        check_envelope(signed, parameters, index, signed.message.signing_key)
        result[index] = signed.message
    if len({a.signing_key for a in result.values()}) != len(result) or len(
        {a.exchange_key for a in result.values()}
    ) != len(result):
        raise CeremonyError("two trustees announced the same key")
    if set(transcript.announcements) - set(parameters.indices):
        raise CeremonyError("an announcement names a trustee index that does not exist")
    return result


def check_opening(
    group: Group, parameters: CeremonyParameters, commit: Commit, opening: Opening
) -> None:
    """The public checks of one dealer's opening (spec 8.4); raises CeremonyError."""
    dealer = opening.sender
    if len(opening.commitments) != parameters.threshold:
        raise CeremonyError(f"trustee {dealer} opened {len(opening.commitments)} commitments")
    if commitment_hash(parameters.election, dealer, opening.commitments) != commit.commitment_hash:
        raise CeremonyError(f"trustee {dealer}'s commitments do not match its commitment hash")
    if len(opening.proofs) != len(opening.commitments):
        raise CeremonyError(f"trustee {dealer} sent a wrong number of proofs")
    for k, (commitment, proof) in enumerate(zip(opening.commitments, opening.proofs, strict=True)):
        if commitment.group != group or commitment.is_identity():
            raise CeremonyError(f"trustee {dealer}'s commitment {k} is not a valid group element")
        try:
            verify_knowledge(
                proof,
                commitment,
                tag=CEREMONY_COEFFICIENT_PROOF,
                context=coefficient_proof_context(parameters.election, dealer, k),
            )
        except InvalidProof:
            raise CeremonyError(
                f"trustee {dealer}'s proof of knowledge for coefficient {k} is invalid"
            ) from None
    recipients = [share.recipient for share in opening.shares]
    expected = [j for j in parameters.indices if j != dealer]
    if sorted(recipients) != expected:
        raise CeremonyError(f"trustee {dealer} did not send exactly one share to every trustee")


def _malformed_check(parameters: CeremonyParameters, check: Check) -> str | None:
    """Why a check message is malformed, or None (spec 8.6)."""
    dealers = [*check.accepted, *(c.dealer for c in check.complaints)]
    if len(set(dealers)) != len(dealers):
        return "published a check naming a dealer twice"
    if check.sender in dealers or not set(dealers) <= set(parameters.indices):
        return "published a check naming an invalid dealer"
    if any(c.reason not in COMPLAINT_REASONS for c in check.complaints):
        return "published a complaint with an unknown reason"
    return None


def transcript_digests(transcript: Transcript) -> list[tuple[str, int, bytes]]:
    """Check every message's envelope (spec 8.2) and list (round, sender, digest) in order.

    A message with a wrong election, sender, round or signature raises CeremonyError: such a
    message is not the sender's and must never have been accepted into the transcript.
    """
    parameters = transcript.parameters
    announcements = announced_keys(transcript)
    digests = []
    for round_name, messages in transcript.rounds():
        for index in sorted(messages):
            if index not in announcements:
                raise InvalidCeremonyMessage(
                    f"a {round_name} message names unknown trustee {index}"
                )
            signed = messages[index]
            if round_name != signed.message.ROUND:
                raise InvalidCeremonyMessage(
                    f"a {signed.message.ROUND} message is filed as {round_name}"
                )
            check_envelope(signed, parameters, index, announcements[index].signing_key)
            digests.append((round_name, index, signed.digest()))
    return digests


def evaluate(group: Group, transcript: Transcript, *, close: bool = False) -> CeremonyOutcome:
    """The ceremony's outcome (spec 8.8).

    Without `close`, raises CeremonyNotReady while any expected message is missing. With
    `close`, whoever has not done their part is disqualified. Raises CeremonyError when fewer
    than t trustees remain qualified, naming every disqualification and its reason.
    """
    parameters = transcript.parameters
    digests = transcript_digests(transcript)
    disqualified: dict[int, str] = {}
    waiting: list[str] = []

    def missing(index: int, why: str, todo: str) -> None:
        if close:
            disqualified[index] = why
        else:
            waiting.append(f"trustee {index} to {todo}")

    # Rounds "commit" and "open" (spec 8.3, 8.4).
    openings: dict[int, Opening] = {}
    for index in parameters.indices:
        if index not in transcript.commits:
            missing(index, "did not publish its commitment hash", "publish its commitment hash")
        elif index not in transcript.openings:
            missing(index, "did not open its commitments", "open its commitments")
        else:
            opening = transcript.openings[index].message
            try:
                check_opening(group, parameters, transcript.commits[index].message, opening)
            except CeremonyError as error:
                disqualified[index] = str(error)
                continue
            openings[index] = opening

    # Round "check" (spec 8.6): P = trustees with a valid opening and a well-formed check.
    checks: dict[int, Check] = {}
    for index in openings:
        if index not in transcript.checks:
            missing(index, "did not check its shares", "check its shares")
            continue
        check = transcript.checks[index].message
        problem = _malformed_check(parameters, check)
        if problem:
            disqualified[index] = problem
            continue
        checks[index] = check

    # Round "answer" (spec 8.7): every complaint against a dealer in P needs a matching share.
    for dealer in checks:
        verdict = _complaints_resolved(transcript, openings, checks, dealer)
        if verdict is None:
            continue
        kind, why = verdict
        if kind == "wait":
            missing(dealer, why, "answer the complaints against it")
        else:
            disqualified[dealer] = why

    if waiting and not close:
        raise CeremonyNotReady(waiting)
    qualified = tuple(i for i in sorted(checks) if i not in disqualified)
    if len(qualified) < parameters.threshold:
        reasons = "; ".join(f"trustee {i} {why}" for i, why in sorted(disqualified.items()))
        raise CeremonyError(
            f"only {len(qualified)} trustees qualified, {parameters.threshold} needed"
            + (f" ({reasons})" if reasons else "")
        )
    return _outcome(group, parameters, openings, qualified, disqualified, digests)


def _complaints_resolved(
    transcript: Transcript,
    openings: Mapping[int, Opening],
    checks: Mapping[int, Check],
    dealer: int,
) -> tuple[str, str] | None:
    """None when every checker accepted the dealer or had its complaint answered with a share
    matching the commitments; ("wait", why) while an answer is missing; ("fail", why) for a
    disqualification (spec 8.7)."""
    complainers = sorted(
        j for j, check in checks.items() if any(c.dealer == dealer for c in check.complaints)
    )
    for j, check in sorted(checks.items()):
        if j != dealer and dealer not in check.accepted and j not in complainers:
            return ("fail", f"was not checked by trustee {j} (it opened after that check)")
    if not complainers:
        return None
    signed_answer = transcript.answers.get(dealer)
    if signed_answer is None:
        return ("wait", f"did not answer the complaints of trustees {complainers}")
    revealed_list = signed_answer.message.revealed
    revealed = {r.recipient: r.share for r in revealed_list}
    if len(revealed) != len(revealed_list):
        return ("fail", "revealed a share twice")
    for j in complainers:
        if j not in revealed:
            return ("fail", f"did not answer the complaint of trustee {j}")
        if not share_matches(revealed[j], openings[dealer].commitments, j):
            return ("fail", f"revealed a share for trustee {j} that does not match")
    return None


def _outcome(
    group: Group,
    parameters: CeremonyParameters,
    openings: Mapping[int, Opening],
    qualified: tuple[int, ...],
    disqualified: Mapping[int, str],
    digests: list[tuple[str, int, bytes]],
) -> CeremonyOutcome:
    # A_k = sum over qualified dealers of C_{i,k}; K = A_0; K_j = sum_k j^k * A_k (spec 8.8).
    aggregated = [
        group.sum(openings[i].commitments[k] for i in qualified)
        for k in range(parameters.threshold)
    ]
    verification_keys = []
    for j in qualified:
        power, terms = ONE, []
        for a_k in aggregated:
            terms.append(power * a_k)
            power = power * Scalar(j)
        verification_keys.append((j, group.sum(terms)))
    transcript_hash = hash_bytes(
        CEREMONY_TRANSCRIPT,
        parameters.election,
        parameters.trustees,
        parameters.threshold,
        digests,
    )
    return CeremonyOutcome(
        election=parameters.election,
        trustees=parameters.trustees,
        threshold=parameters.threshold,
        qualified=qualified,
        disqualified=tuple(sorted(disqualified.items())),
        joint_key=aggregated[0],
        verification_keys=tuple(verification_keys),
        transcript_hash=transcript_hash,
    )


def waiting_for(group: Group, transcript: Transcript) -> list[str]:
    """What the ceremony is waiting for, in words (for `ceremony status`); empty when it can
    be finalized. Other problems (a bad message, too few trustees) raise CeremonyError."""
    try:
        evaluate(group, transcript)
    except CeremonyNotReady as pending:
        return pending.waiting
    return []
