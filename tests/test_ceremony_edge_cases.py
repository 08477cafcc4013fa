"""The edge cases of the key ceremony that spec 8 settles in words (issue 15, point 12):
each test is the attack or the odd transcript, and the rule the spec gives for it."""

from __future__ import annotations

import dataclasses
import json

import pytest
from ceremony_helpers import (
    announce_and_commit,
    board_decides,
    make_trustees,
    resign,
    with_answers,
    with_checks,
    with_openings,
)

from votecrypt.errors import EncodingError
from votecrypt.math import Group, Scalar
from votecrypt.protocol.ceremony.messages import Answer, InvalidCeremonyMessage, RevealedShare
from votecrypt.protocol.ceremony.transcript import Transcript, evaluate
from votecrypt.protocol.ceremony.trustee import Trustee
from votecrypt.record.ceremony_codec import message_from_json, message_to_json


def _honest(group: Group, t: int = 2, n: int = 4) -> tuple[list[Trustee], Transcript]:
    trustees = make_trustees(group, t, n)
    transcript = with_openings(announce_and_commit(trustees), trustees)
    transcript = with_answers(with_checks(transcript, trustees), trustees)
    return trustees, transcript


def test_a_later_message_of_a_trustee_that_never_announced_stops_the_evaluation(
    group: Group,
) -> None:
    """8.2: without an announcement there is no key to check the envelope; the message is not
    counted as absent (which would blame the trustee for what it did not sign)."""
    _, transcript = _honest(group)
    announcements = {i: a for i, a in transcript.announcements.items() if i != 4}
    with pytest.raises(InvalidCeremonyMessage, match="unknown trustee 4"):
        evaluate(group, dataclasses.replace(transcript, announcements=announcements))


def test_a_commitment_off_the_curve_does_not_decode_but_the_identity_does(
    group: Group,
) -> None:
    """8.2, 8.4: an off-curve point makes the file undecodable; only the identity's 33 zero
    bytes decode, and they disqualify the dealer instead."""
    _, transcript = _honest(group)
    data = json.loads(message_to_json(transcript.openings[1]))
    data["message"]["commitments"][1] = "02" + "00" * 31 + "07"  # x = 7: no point of the curve
    with pytest.raises(EncodingError):
        message_from_json(json.dumps(data).encode(), group, "open")
    data["message"]["commitments"][1] = "00" * 33
    decoded = message_from_json(json.dumps(data).encode(), group, "open")
    assert decoded.message.commitments[1].is_identity()


def test_the_announced_name_is_not_compared(group: Group) -> None:
    """8.2: a name other than the manifest's leaves the trustee in; only the transcript hash,
    which covers every signed byte, changes."""
    trustees, transcript = _honest(group)
    renamed = resign(
        trustees[2], dataclasses.replace(transcript.announcements[3].message, name="Someone else")
    )
    before = evaluate(group, transcript)
    after = evaluate(
        group,
        dataclasses.replace(transcript, announcements={**transcript.announcements, 3: renamed}),
    )
    assert after.qualified == before.qualified == (1, 2, 3, 4)
    assert after.verification_keys == before.verification_keys
    assert after.transcript_hash != before.transcript_hash


def _answer_revealing(
    trustees: list[Trustee],
    transcript: Transcript,
    dealer: int,
    revealed: tuple[RevealedShare, ...],
) -> Transcript:
    message = Answer(transcript.parameters.election, dealer, revealed)
    answers = {**transcript.answers, dealer: resign(trustees[dealer - 1], message)}
    return dataclasses.replace(transcript, answers=answers)


def test_a_share_revealed_without_a_complaint_must_match(group: Group) -> None:
    """8.7 rule 3: a dealer revealing a wrong share for a trustee that did not complain is
    disqualified; otherwise it could take that trustee out of decryption (8.8 counts revealed
    shares as public)."""
    trustees, transcript = _honest(group)
    assert not transcript.answers  # nobody complained
    polynomial = trustees[0].export_secrets().polynomial
    assert polynomial is not None
    right = _answer_revealing(trustees, transcript, 1, (RevealedShare(2, polynomial.evaluate(2)),))
    assert evaluate(group, right).qualified == (1, 2, 3, 4)
    wrong = _answer_revealing(
        trustees, transcript, 1, (RevealedShare(2, polynomial.evaluate(2) + Scalar(1)),)
    )
    outcome = evaluate(group, wrong)
    assert outcome.disqualified == ((1, "revealed a share for trustee 2 that does not match"),)


def test_a_share_revealed_for_a_non_participant_or_the_dealer_is_ignored(group: Group) -> None:
    """8.7: recipients outside D (an index above N_T here) and the dealer itself carry no
    key share; a value revealed for them changes nothing but the transcript hash."""
    trustees, transcript = _honest(group)
    junk = (RevealedShare(1, Scalar(7)), RevealedShare(9, Scalar(7)))
    outcome = evaluate(group, _answer_revealing(trustees, transcript, 1, junk))
    honest = evaluate(group, transcript)
    assert outcome.qualified == honest.qualified and not outcome.disqualified
    assert outcome.verification_keys == honest.verification_keys


def test_a_check_naming_a_trustee_that_is_not_a_dealer_is_well_formed(group: Group) -> None:
    """8.6: naming a trustee 1..N_T outside O is not malformed; the verdict is ignored."""
    trustees = make_trustees(group, 2, 4)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees[:3])  # trustee 4 never opens
    checks = {t.index: t.check(transcript, proceed_without_missing=True) for t in trustees[:3]}
    first = checks[1].message
    checks[1] = resign(trustees[0], dataclasses.replace(first, accepted=(*first.accepted, 4)))
    transcript = dataclasses.replace(transcript, checks=checks)
    answers = {}
    for trustee in trustees[:3]:
        answer = trustee.answer(transcript, proceed_without_missing=True)
        if answer is not None:
            answers[trustee.index] = answer
    decided = board_decides(dataclasses.replace(transcript, answers=answers), trustees[:2], [4])
    outcome = evaluate(group, decided)
    assert outcome.qualified == (1, 2, 3)
    assert outcome.disqualified == ((4, "the board went on without it"),)
