"""The ceremony transcript and its evaluation from public data alone (spec 8.2-8.8).

`evaluate` turns the published messages into the outcome: the qualified dealers, the joint key
K, the verification key K_j of every trustee able to decrypt, the reason of every trustee left
out, and the transcript hash. Trustees call it to finish the ceremony; the verifier calls it to
check a published outcome. It depends only on the messages, so everyone holding the same
messages gets the same outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any, TypeVar

from votecrypt.errors import CeremonyError, InvalidProof
from votecrypt.math.group import Group, Point
from votecrypt.math.hashing import hash_bytes
from votecrypt.math.scalar import ONE, Scalar
from votecrypt.math.tags import CEREMONY_COEFFICIENT_PROOF, CEREMONY_TRANSCRIPT
from votecrypt.primitives.schnorr import verify_knowledge
from votecrypt.primitives.sealing import exchange_key_of_signing_key, exchange_key_problem
from votecrypt.primitives.shamir import share_matches
from votecrypt.primitives.signing import VerifyKey
from votecrypt.protocol.ceremony.messages import (
    COMPLAINT_REASONS,
    Announcement,
    Answer,
    CeremonyParameters,
    Check,
    Commit,
    Decision,
    Evidence,
    InvalidCeremonyMessage,
    Opening,
    Signed,
    check_envelope,
    check_evidence,
    coefficient_proof_context,
    commitment_hash,
)

M = TypeVar("M", Announcement, Commit, Opening, Check, Answer)

#: The reason of a trustee the board went on without (spec 8.8).
BOARD_WENT_ON_WITHOUT = "the board went on without it"

#: The reason of a trustee convicted of equivocation (spec 8.8.1), with its round.
EQUIVOCATED = "signed two different {round} messages"


class CeremonyNotReady(CeremonyError):
    """The ceremony cannot be evaluated yet: messages are still expected (see `waiting`).
    `hint` says how to go on without them (the command line names its option)."""

    def __init__(self, waiting: list[str], hint: str | None = None) -> None:
        super().__init__("still waiting for " + "; ".join(waiting) + (f" ({hint})" if hint else ""))
        self.waiting = waiting

    @property
    def trustees(self) -> tuple[int, ...]:
        """The trustees waited for, in increasing order (each item reads "trustee <i> to ...")."""
        return tuple(sorted({int(item.split()[1]) for item in self.waiting}))


@dataclass(frozen=True)
class Transcript:
    """Every message of one ceremony, by round and sender index."""

    parameters: CeremonyParameters
    announcements: Mapping[int, Signed[Announcement]] = field(default_factory=dict)
    commits: Mapping[int, Signed[Commit]] = field(default_factory=dict)
    openings: Mapping[int, Signed[Opening]] = field(default_factory=dict)
    checks: Mapping[int, Signed[Check]] = field(default_factory=dict)
    answers: Mapping[int, Signed[Answer]] = field(default_factory=dict)
    decisions: Mapping[int, Signed[Decision]] = field(default_factory=dict)
    #: Evidence against a sender (spec 8.8.1), at most one per sender.
    evidence: Mapping[int, Evidence] = field(default_factory=dict)

    def rounds(self) -> list[tuple[str, Mapping[int, Signed[Any]]]]:
        """(round name, messages by sender) for every round, in protocol order."""
        return [
            ("announce", self.announcements),
            ("commit", self.commits),
            ("open", self.openings),
            ("check", self.checks),
            ("answer", self.answers),
            ("decide", self.decisions),
        ]

    def without(self, left_out: Set[int]) -> Transcript:
        """The messages that count once the board went on without `left_out` or convicted
        them (spec 8.8, 8.8.1): theirs are dropped, whenever they came, evidence against them
        included, except their decisions (votes already cast)."""

        def keep(messages: Mapping[int, Signed[M]]) -> dict[int, Signed[M]]:
            return {i: signed for i, signed in messages.items() if i not in left_out}

        return Transcript(
            self.parameters,
            announcements=keep(self.announcements),
            commits=keep(self.commits),
            openings=keep(self.openings),
            checks=keep(self.checks),
            answers=keep(self.answers),
            decisions=self.decisions,
            evidence={i: e for i, e in self.evidence.items() if i not in left_out},
        )


@dataclass(frozen=True, slots=True)
class CeremonyOutcome:
    """The public result of a ceremony (spec 8.8). `qualified` is Q, the dealers whose
    polynomials make the key; `joint_key` is K; `verification_keys` holds K_j for every key
    holder j (every trustee able to decrypt, spec 8.8); `disqualified` gives the reason of
    every trustee not in Q."""

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
        raise CeremonyError(f"trustee {index} holds no key share of this ceremony")


EXCHANGE_KEY_REASONS = {
    "not canonical": "announced an exchange key that is not canonical",
    "of small order": "announced an exchange key of small order",
}


def announcement_problems(
    transcript: Transcript, *, envelopes_checked: bool = False
) -> tuple[dict[int, Announcement], dict[int, str]]:
    """The announcements present, split into accepted ones and refused ones with the reason
    (spec 8.2). Each is first checked against its own signing key (proof of possession),
    unless `envelopes_checked`; an invalid signature raises InvalidCeremonyMessage. An
    announcement is refused when its exchange key is not canonical, of small order, another
    trustee's, or not the one derived from its signing key; the refused trustee is left out,
    the others go on."""
    parameters = transcript.parameters
    if set(transcript.announcements) - set(parameters.indices):
        raise InvalidCeremonyMessage("an announcement names a trustee index that does not exist")
    present: dict[int, Announcement] = {}
    for index in sorted(transcript.announcements):
        signed = transcript.announcements[index]
        if not envelopes_checked:  # transcript_digests checked them already
            check_envelope(signed, parameters, index, signed.message.signing_key)
        present[index] = signed.message
    accepted: dict[int, Announcement] = {}
    refused: dict[int, str] = {}
    derived = {i: exchange_key_of_signing_key(a.signing_key.to_bytes()) for i, a in present.items()}
    owner_of = {key: i for i, key in sorted(derived.items(), reverse=True) if key is not None}
    signers: dict[VerifyKey, list[int]] = {}
    for index, announcement in present.items():
        signers.setdefault(announcement.signing_key, []).append(index)
    for index, announcement in present.items():
        raw = announcement.exchange_key.to_bytes()
        twins = [j for j in signers[announcement.signing_key] if j != index]
        problem = exchange_key_problem(raw)
        if problem is not None:
            refused[index] = EXCHANGE_KEY_REASONS[problem]
        elif twins:
            refused[index] = f"announced the same signing key as trustee {twins[0]}"
        elif derived[index] != raw and raw in owner_of:
            refused[index] = f"announced the exchange key of trustee {owner_of[raw]}"
        elif derived[index] != raw:
            refused[index] = "announced an exchange key not derived from its signing key"
        else:
            accepted[index] = announcement
    return accepted, refused


def participants(
    transcript: Transcript, accepted: Mapping[int, Announcement]
) -> tuple[list[int], dict[int, str]]:
    """D, the trustees taking part from round "open" on (spec 8.3): accepted announcement and
    a commitment hash published in time. An opening's share list names the trustees whose
    commitment hash its dealer had seen; a trustee missing from the share lists of at least t
    openings is left out, with those dealers named. Honest dealers that opened before it
    committed all leave it out, so a trustee committing after seeing the openings of every
    honest dealer cannot choose its polynomial knowing them; fewer than t dishonest dealers
    cannot leave out an honest trustee this way (a share they withheld is a complaint)."""
    threshold = transcript.parameters.threshold
    committed = [i for i in sorted(accepted) if i in transcript.commits]
    omitted_by: dict[int, list[int]] = {j: [] for j in accepted}
    for dealer in committed:
        signed = transcript.openings.get(dealer)
        if signed is None:
            continue
        seen = {share.recipient for share in signed.message.shares} | {dealer}
        for j in accepted:
            if j not in seen:
                omitted_by[j].append(dealer)
    left_out = {
        j: f"had not committed when trustees {dealers} opened"
        for j, dealers in sorted(omitted_by.items())
        if len(dealers) >= threshold
    }
    return [i for i in committed if i not in left_out], left_out


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
    if len(set(recipients)) != len(recipients) or not set(recipients) <= (
        set(parameters.indices) - {dealer}
    ):
        raise CeremonyError(f"trustee {dealer} did not send exactly one share to every trustee")


def malformed_check(parameters: CeremonyParameters, check: Check) -> str | None:
    """Why a check message is malformed, or None (spec 8.6)."""
    dealers = [*check.accepted, *(c.dealer for c in check.complaints)]
    if len(set(dealers)) != len(dealers):
        return "published a check naming a dealer twice"
    if check.sender in dealers or not set(dealers) <= set(parameters.indices):
        return "published a check naming an invalid dealer"
    if any(c.reason not in COMPLAINT_REASONS for c in check.complaints):
        return "published a complaint with an unknown reason"
    return None


def board_decisions(transcript: Transcript) -> dict[int, tuple[int, ...]]:
    """The trustees the board went on without (spec 8.8), each with the trustees whose
    decisions name it: a trustee is left out when at least t trustees decided so. A decision
    counts when its sender announced its keys and it passes its envelope (spec 8.2); an
    invalid one raises InvalidCeremonyMessage."""
    parameters = transcript.parameters
    votes: dict[int, list[int]] = {}
    for sender in sorted(transcript.decisions):
        announced = transcript.announcements.get(sender)
        if announced is None:
            raise InvalidCeremonyMessage(f"a decide message names unknown trustee {sender}")
        key = announced.message.signing_key
        check_envelope(announced, parameters, sender, key)
        check_envelope(transcript.decisions[sender], parameters, sender, key)
        for index in transcript.decisions[sender].message.without:
            if index in parameters.indices:
                votes.setdefault(index, []).append(sender)
    return {i: tuple(d) for i, d in sorted(votes.items()) if len(d) >= parameters.threshold}


def convicted(transcript: Transcript) -> dict[int, str]:
    """The trustees convicted of equivocation (spec 8.8.1), each with the round of its two
    messages. Evidence counts when its sender has an announcement, both pass their envelope
    under the announced key, and the two messages conflict; any other evidence raises
    InvalidCeremonyMessage, like a message failing its envelope (spec 8.2). Evidence against
    a trustee the board went on without is not examined, like its messages (spec 8.8)."""
    decided = board_decisions(transcript)
    found: dict[int, str] = {}
    for sender in sorted(transcript.evidence):
        if sender in decided:
            continue  # made of messages of a trustee the board went on without: not examined
        evidence = transcript.evidence[sender]
        if evidence.sender != sender:
            raise InvalidCeremonyMessage(f"the evidence filed for trustee {sender} is not about it")
        check_evidence_against(transcript, evidence)
        found[sender] = evidence.round
    return found


def check_evidence_against(transcript: Transcript, evidence: Evidence) -> None:
    """Rule 1 for one evidence (spec 8.8.1): its sender has an announcement passing its
    envelope, both messages pass theirs under its key, and they conflict; raises
    InvalidCeremonyMessage otherwise. Whoever publishes evidence checks it so, whether or not
    the evaluation will examine it."""
    parameters = transcript.parameters
    sender = evidence.sender
    announced = transcript.announcements.get(sender)
    if announced is None:
        raise InvalidCeremonyMessage(f"evidence names trustee {sender}, who did not announce")
    key = announced.message.signing_key
    check_envelope(announced, parameters, sender, key)
    check_evidence(evidence, parameters, key)


def counted(transcript: Transcript) -> tuple[Transcript, dict[int, str]]:
    """The messages that count and the trustees left out before anything is examined, each
    with its reason: the convicted (spec 8.8.1) and those the board went on without (8.8)."""
    left = dict.fromkeys(board_decisions(transcript), BOARD_WENT_ON_WITHOUT)
    left.update({i: EQUIVOCATED.format(round=r) for i, r in convicted(transcript).items()})
    return transcript.without(set(left)), left


def transcript_digests(transcript: Transcript) -> list[tuple[str, int, bytes]]:
    """Check the envelope (spec 8.2) of every message that counts and list (round, sender,
    digest) in order: every decision, and every other message unless the board went on
    without its sender (spec 8.8) or it is convicted (8.8.1), whose messages are not examined
    at all; then two rows for each evidence that convicts, its two digests (evidence against
    a trustee the board went on without is not examined either).

    A message with a wrong election, sender, round or signature raises InvalidCeremonyMessage:
    such a message is not the sender's and must never have been accepted into the transcript.
    """
    parameters = transcript.parameters
    announcements = {i: s.message for i, s in transcript.announcements.items()}
    decided = board_decisions(transcript)
    guilty = convicted(transcript)
    left_out = {*decided, *guilty}
    digests = []
    for round_name, messages in transcript.rounds():
        for index in sorted(messages):
            if index in left_out and round_name != "decide":
                continue
            if index not in announcements:
                raise InvalidCeremonyMessage(
                    f"a {round_name} message names unknown trustee {index}"
                )
            signed = messages[index]
            if round_name != signed.message.ROUND:
                raise InvalidCeremonyMessage(
                    f"a {signed.message.ROUND} message is filed as {round_name}"
                )
            digest = check_envelope(signed, parameters, index, announcements[index].signing_key)
            digests.append((round_name, index, digest))
    for index in sorted(guilty):
        digests.extend(("evidence", index, d) for d in transcript.evidence[index].digests())
    return digests


def differing_views(transcript: Transcript) -> list[str]:
    """Where a check or answer says its sender saw another message than the transcript holds
    (spec 8.2, `seen`): for each, who saw which round of whom, with both digests. Testimony,
    not a rule: the evaluation never reads it, but one of the two signers of differing
    messages equivocated, and whoever holds the other version can file the evidence (8.8.1)."""
    rounds = dict(transcript.rounds())
    found = []
    for round_name in ("check", "answer"):
        for sender, signed in sorted(rounds[round_name].items()):
            for kind, j, digest in signed.message.seen:
                held = rounds.get(kind, {}).get(j)
                if held is not None and held.digest() != digest:
                    found.append(
                        f"trustee {sender}'s {round_name} saw a {kind} message of trustee {j} "
                        f"with digest {digest.hex()}; the transcript holds {held.digest().hex()}"
                    )
    return found


@dataclass(frozen=True)
class Verdicts:
    """Who complained about a dealer (spec 8.6, 8.7): `explicit` complaints, `silent` checkers
    whose check does not name the dealer (or is malformed), and `absent` checkers with no
    check at all. Every one of them is a complaint the dealer answers by revealing the share."""

    explicit: tuple[int, ...]
    silent: tuple[int, ...]
    absent: tuple[int, ...]

    def complainers(self, *, absent_complain: bool) -> list[int]:
        return sorted({*self.explicit, *self.silent, *(self.absent if absent_complain else ())})


def verdicts(
    transcript: Transcript, participating: Sequence[int], dealer: int, malformed: Set[int]
) -> Verdicts:
    """The verdicts on `dealer` by every other trustee of D (spec 8.6)."""
    explicit, silent, absent = [], [], []
    for j in participating:
        if j == dealer:
            continue
        signed = transcript.checks.get(j)
        if signed is None:
            absent.append(j)
        elif j in malformed:
            silent.append(j)
        elif any(c.dealer == dealer for c in signed.message.complaints):
            explicit.append(j)
        elif dealer not in signed.message.accepted:
            silent.append(j)
    return Verdicts(tuple(explicit), tuple(silent), tuple(absent))


def revealed_shares(transcript: Transcript, dealer: int) -> dict[int, Scalar] | None:
    """The shares a dealer revealed, by recipient; None without an answer. Raises
    CeremonyError("revealed a share twice") for a recipient named twice."""
    signed = transcript.answers.get(dealer)
    if signed is None:
        return None
    revealed_list = signed.message.revealed
    revealed = {r.recipient: r.share for r in revealed_list}
    if len(revealed) != len(revealed_list):
        raise CeremonyError("revealed a share twice")
    return revealed


def evaluate(group: Group, transcript: Transcript) -> CeremonyOutcome:
    """The ceremony's outcome (spec 8.8).

    Raises CeremonyNotReady while a message is expected from a trustee the board has not gone
    on without (at least t trustees' decisions, spec 8.8); nothing else ends the waiting.
    Raises CeremonyError when fewer than t trustees remain qualified, naming every left-out
    trustee and its reason.
    """
    parameters = transcript.parameters
    digests = transcript_digests(transcript)
    transcript, decided = counted(transcript)
    accepted, left_out = announcement_problems(transcript, envelopes_checked=True)
    left_out.update(decided)
    waiting: list[str] = []

    def missing(index: int, todo: str) -> None:
        waiting.append(f"trustee {index} to {todo}")

    # Round "announce" (spec 8.2).
    for index in parameters.indices:
        if index not in transcript.announcements and index not in decided:
            missing(index, "announce its keys")

    # Round "commit" (spec 8.3): D, the trustees committed before the first opening.
    participating, cut = participants(transcript, accepted)
    left_out.update(cut)
    for index in sorted(accepted):
        if index not in cut and index not in transcript.commits:
            missing(index, "publish its commitment hash")

    # Round "open" (spec 8.4): O, the trustees of D with a valid opening.
    openings: dict[int, Opening] = {}
    for index in participating:
        if index not in transcript.openings:
            missing(index, "open its commitments")
            continue
        opening = transcript.openings[index].message
        try:
            check_opening(group, parameters, transcript.commits[index].message, opening)
        except CeremonyError as error:
            left_out[index] = str(error)
            continue
        openings[index] = opening

    # Round "check" (spec 8.6): a malformed check disqualifies its sender and counts as a
    # complaint about every dealer; a missing one is waited for.
    malformed: set[int] = set()
    for index in participating:
        if index not in transcript.checks:
            missing(index, "check its shares")
            continue
        problem = malformed_check(parameters, transcript.checks[index].message)
        if problem:
            malformed.add(index)
            if index in openings:
                left_out[index] = problem

    # Round "answer" (spec 8.7): every complaint, explicit or implied, needs a matching share.
    revealed_by: dict[int, dict[int, Scalar]] = {}
    for dealer in sorted(openings):
        if dealer in left_out:
            continue
        complainers = verdicts(transcript, participating, dealer, malformed).complainers(
            absent_complain=False
        )
        try:
            revealed = revealed_shares(transcript, dealer)
        except CeremonyError as error:
            left_out[dealer] = str(error)
            continue
        problem = _answer_problem(openings[dealer], participating, revealed or {})
        if problem:
            left_out[dealer] = problem
            continue
        # A complaint not answered yet is waited for: answers are additive (spec 8.7), so the
        # dealer can still answer it, and nobody is blamed for a complaint it may not have seen.
        unanswered = [j for j in complainers if j not in (revealed or {})]
        if unanswered:
            missing(dealer, f"answer the complaints of trustees {unanswered}")
        if revealed is not None:
            revealed_by[dealer] = revealed

    if waiting:
        raise CeremonyNotReady(waiting)
    qualified = tuple(i for i in sorted(openings) if i not in left_out)
    if len(qualified) < parameters.threshold:
        reasons = "; ".join(f"trustee {i} {why}" for i, why in sorted(left_out.items()))
        raise CeremonyError(
            f"only {len(qualified)} trustees qualified, {parameters.threshold} needed"
            + (f" ({reasons})" if reasons else "")
        )
    # Key holders (spec 8.8): every trustee of D whose key share is not entirely public.
    holders = tuple(
        j
        for j in participating
        if j in qualified or any(j not in revealed_by.get(i, {}) for i in qualified if i != j)
    )
    disqualified = {i: why for i, why in left_out.items() if i not in qualified}
    unexplained = set(parameters.indices) - set(qualified) - set(disqualified)
    if unexplained:  # every path above gives a reason; this guards the evaluation itself
        raise CeremonyError(f"internal: no reason for trustees {sorted(unexplained)}")
    return _outcome(group, parameters, openings, qualified, holders, disqualified, digests)


def _answer_problem(
    opening: Opening, participating: Sequence[int], revealed: Mapping[int, Scalar]
) -> str | None:
    """Why an answer disqualifies its dealer (spec 8.7 rule 2), or None: every revealed share
    of a trustee of D must match, complained about or not."""
    for j, share in sorted(revealed.items()):
        checked = j in participating and j != opening.sender
        if checked and not share_matches(share, opening.commitments, j):
            return f"revealed a share for trustee {j} that does not match"
    return None


def _outcome(
    group: Group,
    parameters: CeremonyParameters,
    openings: Mapping[int, Opening],
    qualified: tuple[int, ...],
    holders: tuple[int, ...],
    disqualified: Mapping[int, str],
    digests: list[tuple[str, int, bytes]],
) -> CeremonyOutcome:
    # A_k = sum over qualified dealers of C_{i,k}; K = A_0; K_j = sum_k j^k * A_k (spec 8.8),
    # all public: variable-time products (spec 18.2).
    aggregated = [
        group.sum(openings[i].commitments[k] for i in qualified)
        for k in range(parameters.threshold)
    ]
    verification_keys = []
    for j in holders:
        power, terms = ONE, []
        for a_k in aggregated:
            terms.append(group.vartime_multiply(power, a_k))
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
