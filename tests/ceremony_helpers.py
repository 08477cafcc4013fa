"""Test helpers for driving ceremonies round by round, including misbehaving trustees."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence

from votecrypt.math import Group, Scalar
from votecrypt.primitives import lagrange_coefficient
from votecrypt.primitives.sealing import seal
from votecrypt.protocol.ceremony.messages import (
    CeremonyParameters,
    Opening,
    SealedShare,
    Signed,
    share_binding,
)
from votecrypt.protocol.ceremony.transcript import Transcript
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
