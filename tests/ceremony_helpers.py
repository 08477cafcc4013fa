"""Test helpers for driving ceremonies round by round, including misbehaving trustees."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping, Sequence

from votecrypt.math import Group, Scalar
from votecrypt.primitives import lagrange_coefficient
from votecrypt.primitives.sealing import ExchangePublicKey, seal
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.ceremony.messages import (
    Announcement,
    Answer,
    CeremonyParameters,
    Check,
    Complaint,
    Evidence,
    Opening,
    RevealedShare,
    SealedShare,
    Signed,
    share_binding,
)
from votecrypt.protocol.ceremony.transcript import CeremonyNotReady, CeremonyOutcome, Transcript
from votecrypt.protocol.ceremony.trustee import Trustee

ELECTION = bytes.fromhex("aa" * 32)

Tamper = Callable[[Trustee, Signed[Opening], Transcript], Signed[Opening]]


def make_trustees(group: Group, t: int, n: int, election: bytes = ELECTION) -> list[Trustee]:
    parameters = CeremonyParameters(election, n, t)
    return [Trustee.create(group, parameters, i, f"Trustee {i}") for i in parameters.indices]


def announce_and_commit(trustees: Sequence[Trustee]) -> Transcript:
    parameters = trustees[0].parameters
    transcript = Transcript(parameters, announcements={t.index: t.announce() for t in trustees})
    commits = {t.index: t.commit(transcript) for t in trustees}
    return dataclasses.replace(transcript, commits=commits)


def with_openings(
    transcript: Transcript, trustees: Sequence[Trustee], tamper: Tamper | None = None
) -> Transcript:
    openings = {}
    for trustee in trustees:
        signed = trustee.open(transcript)
        openings[trustee.index] = tamper(trustee, signed, transcript) if tamper else signed
    return dataclasses.replace(transcript, openings=openings)


def with_checks(transcript: Transcript, trustees: Sequence[Trustee]) -> Transcript:
    return dataclasses.replace(transcript, checks={t.index: t.check(transcript) for t in trustees})


def with_answers(transcript: Transcript, trustees: Sequence[Trustee]) -> Transcript:
    answers = {}
    for trustee in trustees:
        answer = trustee.answer(transcript)
        if answer is not None:
            answers[trustee.index] = answer
    return dataclasses.replace(transcript, answers=answers)


def bad_share(dealer: int, victim: int) -> Tamper:
    """`dealer` seals the wrong share f(victim) + 1 to `victim` and signs its opening."""

    def tamper(
        trustee: Trustee, signed: Signed[Opening], transcript: Transcript
    ) -> Signed[Opening]:
        if trustee.index != dealer:
            return signed
        secrets = trustee.export_secrets()
        assert secrets.polynomial is not None
        key = transcript.announcements[victim].message.exchange_key
        opening = signed.message
        wrong = secrets.polynomial.evaluate(victim) + Scalar(1)
        box = seal(key, wrong.to_bytes(), share_binding(opening.election, dealer, victim, key))
        shares = tuple(
            SealedShare(victim, box) if s.recipient == victim else s for s in opening.shares
        )
        return Signed.create(dataclasses.replace(opening, shares=shares), secrets.signing_key)

    return tamper


def resign(trustee: Trustee, message: object) -> Signed:  # type: ignore[type-arg]
    """Sign an arbitrary (forged) message with a trustee's own key."""
    return Signed.create(message, trustee.export_secrets().signing_key)  # type: ignore[type-var]


def combine(shares: dict[int, Scalar], subset: Sequence[int]) -> Scalar:
    total = Scalar(0)
    for index in subset:
        total = total + lagrange_coefficient(index, subset) * shares[index]
    return total


def subsets(indices: Sequence[int], size: int) -> list[tuple[int, ...]]:
    return list(itertools.combinations(indices, size))


# Misbehaving trustees, for the attack tests and the property test (spec 8.8).

#: What a misbehaving trustee can do; every other trustee follows the protocol, goes on at
#: each step as the board would decide (`proceed_without_missing`), and at the end the honest
#: trustees vote to go on without whoever is still awaited (`finish_with_decisions`).
BEHAVIOURS = (
    "silent-announce",  # never runs `trustee init`
    "low-order-key",  # announces the X25519 key u = 0
    "silent-commit",  # never commits
    "silent-open",  # never opens (nor checks nor answers)
    "bad-share",  # seals a wrong share to a victim, then answers correctly
    "bad-share-wrong-answer",  # seals a wrong share and reveals a wrong one
    "bad-share-no-answer",  # seals a wrong share and never answers
    "silent-check",  # never checks (nor answers)
    "omit-verdict",  # its check leaves one dealer unnamed
    "false-complaint",  # complains about every dealer although the shares are right
    "late-complaint",  # withholds its check until the others answered, then complains
    "premature-close",  # complains about every dealer and votes to go on without them all
    "equivocate-check",  # shows the dealers a check accepting all, the board one complaining
)


def forged_announcement(trustee: Trustee, exchange_key: bytes) -> Signed[Announcement]:
    """The trustee's announcement with another exchange key, signed with its own key."""
    message = dataclasses.replace(
        trustee.announce().message,
        exchange_key=ExchangePublicKey.from_canonical_bytes(exchange_key),
    )
    return Signed.create(message, trustee.export_secrets().signing_key)


def wrong_answer(trustee: Trustee, answer: Signed[Answer]) -> Signed[Answer]:
    """The same answer with every revealed share off by one."""
    revealed = tuple(
        RevealedShare(r.recipient, r.share + Scalar(1)) for r in answer.message.revealed
    )
    return resign(trustee, dataclasses.replace(answer.message, revealed=revealed))


def run_with_misbehaviour(
    group: Group, t: int, n: int, behaviours: Mapping[int, str], victims: Mapping[int, int]
) -> tuple[list[Trustee], Transcript]:
    """Every round with `behaviours[i]` for the misbehaving trustees (victims[i]: whom a bad
    share goes to); the board proceeds without whoever is missing. Returns the trustees and
    the final transcript; honest trustees finalize with `close` themselves."""
    trustees = make_trustees(group, t, n)
    acts = {tr.index: behaviours.get(tr.index, "honest") for tr in trustees}
    announcements = {}
    for tr in trustees:
        if acts[tr.index] == "silent-announce":
            continue
        if acts[tr.index] == "low-order-key":
            announcements[tr.index] = forged_announcement(tr, bytes(32))
        else:
            announcements[tr.index] = tr.announce()
    transcript = Transcript(trustees[0].parameters, announcements=announcements)
    committing = [
        tr
        for tr in trustees
        if acts[tr.index] not in ("silent-announce", "low-order-key", "silent-commit")
    ]
    commits = {tr.index: tr.commit(transcript) for tr in committing}
    transcript = dataclasses.replace(transcript, commits=commits)
    opening = [tr for tr in committing if acts[tr.index] != "silent-open"]
    openings = {}
    for tr in opening:
        signed = tr.open(transcript, proceed_without_missing=True)
        if acts[tr.index].startswith("bad-share"):
            signed = bad_share(tr.index, victims[tr.index])(tr, signed, transcript)
        openings[tr.index] = signed
    transcript = dataclasses.replace(transcript, openings=openings)
    checks = {}
    late: list[Trustee] = []
    for tr in opening:
        if acts[tr.index] == "silent-check":
            continue
        if acts[tr.index] == "late-complaint":
            late.append(tr)
            continue
        signed_check = tr.check(transcript, proceed_without_missing=True)
        check = signed_check.message
        if acts[tr.index] == "omit-verdict" and check.accepted:
            check = dataclasses.replace(check, accepted=check.accepted[1:])
            signed_check = resign(tr, check)
        elif acts[tr.index] in ("false-complaint", "premature-close"):
            complaints = tuple(Complaint(d, "mismatch") for d in check.accepted)
            check = dataclasses.replace(
                check, accepted=(), complaints=check.complaints + complaints
            )
            signed_check = resign(tr, check)
        checks[tr.index] = signed_check
    transcript = dataclasses.replace(transcript, checks=checks)
    answers = {}
    for tr in opening:
        if acts[tr.index] in ("silent-check", "bad-share-no-answer", "late-complaint"):
            continue
        answer = tr.answer(transcript, proceed_without_missing=True)
        if answer is not None and acts[tr.index] == "bad-share-wrong-answer":
            answer = wrong_answer(tr, answer)
        if answer is not None:
            answers[tr.index] = answer
    transcript = dataclasses.replace(transcript, answers=answers)
    late_checks = {}
    for tr in late:
        signed_check = tr.check(transcript, proceed_without_missing=True)
        accepted = signed_check.message.accepted
        complaints = tuple(Complaint(d, "mismatch") for d in accepted)
        forged = dataclasses.replace(signed_check.message, accepted=(), complaints=complaints)
        late_checks[tr.index] = resign(tr, forged)
    transcript = dataclasses.replace(transcript, checks={**transcript.checks, **late_checks})
    # The version of the check the board holds complains about the victim, whose answer was
    # made on the other version; the victim, shown both, files them as evidence (spec 8.8.1).
    other_versions, evidence = {}, {}
    for tr in opening:
        if acts[tr.index] == "equivocate-check" and tr.index in transcript.checks:
            shown = transcript.checks[tr.index]
            check = shown.message
            accepted = tuple(d for d in check.accepted if d != victims[tr.index])
            complaint = (Complaint(victims[tr.index], "mismatch"),)
            other = dataclasses.replace(check, accepted=accepted, complaints=complaint)
            other_versions[tr.index] = resign(tr, other)
            evidence[tr.index] = Evidence.of(shown, other_versions[tr.index])
    transcript = dataclasses.replace(
        transcript, checks={**transcript.checks, **other_versions}, evidence=evidence
    )
    decisions = {
        tr.index: tr.decide(i for i in tr.parameters.indices if i != tr.index)
        for tr in trustees
        if acts[tr.index] == "premature-close"
    }
    return trustees, dataclasses.replace(transcript, decisions=decisions)


def board_decides(
    transcript: Transcript, voters: Sequence[Trustee], without: Sequence[int]
) -> Transcript:
    """Each of `voters` votes to go on without `without` (spec 8.8), growing its earlier vote."""
    decisions = dict(transcript.decisions)
    for voter in voters:
        earlier = decisions[voter.index].message if voter.index in decisions else None
        decisions[voter.index] = voter.decide(without, earlier)
    return dataclasses.replace(transcript, decisions=decisions)


def finish_with_decisions(
    trustees: Sequence[Trustee], transcript: Transcript, honest: Sequence[int]
) -> tuple[list[CeremonyOutcome], Transcript]:
    """The honest trustees finalize; while the ceremony waits for an honest dealer, it answers
    again (answers are additive, spec 8.7); while it waits for others, each honest trustee
    votes to go on without them (spec 8.8); then they finalize again."""
    by_index = {tr.index: tr for tr in trustees}
    for _ in range(2 * len(trustees) + 2):
        try:
            return [by_index[i].finalize(transcript) for i in honest], transcript
        except CeremonyNotReady as pending:
            waited_honest = [i for i in pending.trustees if i in honest]
            answers = dict(transcript.answers)
            for i in waited_honest:
                earlier = answers[i].message if i in answers else None
                grown = by_index[i].answer(
                    transcript, proceed_without_missing=True, earlier=earlier
                )
                assert grown is not None, pending.waiting
                answers[i] = grown
            transcript = dataclasses.replace(transcript, answers=answers)
            others = [i for i in pending.trustees if i not in honest]
            if not waited_honest:
                voters = [by_index[i] for i in honest]
                transcript = board_decides(transcript, voters, others)
    raise AssertionError("the decisions did not end the waiting")


def other_check(check: Signed[Check], key: SigningKey, victim: int) -> Signed[Check]:
    """The same trustee's check, now complaining about `victim`, signed with its key: the
    second of two different checks of one round (equivocation, spec 8.8.1)."""
    message = check.message
    other = dataclasses.replace(
        message,
        accepted=tuple(d for d in message.accepted if d != victim),
        complaints=(Complaint(victim, "mismatch"),),
    )
    return Signed.create(other, key)
