"""The board's decisions in the key ceremony (spec 8.8, 8.9): going on without a trustee takes
the signed votes of t trustees, no trustee closes the ceremony for the others, a message that
comes after the board went on without its sender changes nothing, and a finalized trustee
follows the messages until it acted under its outcome."""

from __future__ import annotations

import dataclasses

import pytest
from ceremony_helpers import (
    announce_and_commit,
    make_trustees,
    resign,
    with_answers,
    with_checks,
    with_openings,
)

from votecrypt.errors import CeremonyError, EncodingError, FileError
from votecrypt.math import Group
from votecrypt.protocol.ceremony.messages import Complaint, Decision, InvalidCeremonyMessage
from votecrypt.protocol.ceremony.transcript import (
    BOARD_WENT_ON_WITHOUT,
    CeremonyNotReady,
    Transcript,
    board_decisions,
    evaluate,
)
from votecrypt.protocol.ceremony.trustee import Trustee
from votecrypt.record.ceremony_codec import message_from_json, message_to_json


def _false_complaints(transcript: Transcript, liar: Trustee, dealers: set[int]) -> Transcript:
    """`liar` complains about `dealers` although their shares were right (signed by it)."""
    check = transcript.checks[liar.index].message
    forged = dataclasses.replace(
        check,
        accepted=tuple(d for d in check.accepted if d not in dealers),
        complaints=tuple(Complaint(d, "mismatch") for d in sorted(dealers)),
    )
    return dataclasses.replace(
        transcript, checks={**transcript.checks, liar.index: resign(liar, forged)}
    )


def _votes(transcript: Transcript, voters: list[Trustee], without: list[int]) -> Transcript:
    decisions = dict(transcript.decisions)
    for voter in voters:
        earlier = decisions[voter.index].message if voter.index in decisions else None
        decisions[voter.index] = voter.decide(without, earlier)
    return dataclasses.replace(transcript, decisions=decisions)


@pytest.mark.parametrize("liars", [[5], [4, 5]])
def test_fewer_than_t_trustees_cannot_close_the_ceremony(group: Group, liars: list[int]) -> None:
    """The attack of the review, t = 3 of 5: trustee 5 complains falsely about dealers 3 and 4
    and closes at once (with trustee 4 as an accomplice: t - 1 votes). Closed as before, that
    made Q = {1, 2, 5}, blaming 3 and 4 for not answering 5; now no honest trustee finalizes
    until 3 and 4 have answered, and then every honest trustee gets the same outcome, blaming
    nobody honest."""
    trustees = make_trustees(group, 3, 5)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    transcript = _false_complaints(transcript, trustees[4], {3, 4})
    closers = [trustees[i - 1] for i in liars]
    transcript = _votes(transcript, closers, [1, 2, 3, 4, 5])
    # No board decision: a plain finalize waits for the answers instead.
    assert board_decisions(transcript) == {}
    for honest in trustees[:3]:
        with pytest.raises(CeremonyNotReady) as pending:
            honest.finalize(transcript)
        assert pending.value.trustees == (3, 4)
    transcript = with_answers(transcript, trustees[2:4])  # 3 and 4 reveal trustee 5's shares
    outcomes = [tr.finalize(transcript) for tr in trustees[:4]]
    assert all(o == outcomes[0] for o in outcomes)
    assert outcomes[0].qualified == (1, 2, 3, 4, 5) and outcomes[0].disqualified == ()


def test_t_votes_are_the_boards_decision_and_a_late_message_changes_nothing(group: Group) -> None:
    """Trustee 4 of 4 (t = 2) commits and never opens. Trustees 1 and 2 vote to go on without it:
    it is left out, every message of it is ignored, and its opening arriving afterwards changes
    neither the outcome nor the transcript hash (the one effect the guide states)."""
    trustees = make_trustees(group, 2, 4)
    transcript = announce_and_commit(trustees)
    present = trustees[:3]
    late_opening = trustees[3].open(transcript)  # kept back until the board decided
    transcript = with_openings(transcript, present)
    with pytest.raises(CeremonyNotReady, match="trustee 4 to open"):
        evaluate(group, transcript)
    one_vote = _votes(transcript, trustees[:1], [4])
    assert board_decisions(one_vote) == {}
    decided = _votes(one_vote, trustees[1:2], [4])
    assert board_decisions(decided) == {4: (1, 2)}
    decided = with_answers(with_checks(decided, present), present)
    outcome = evaluate(group, decided)
    assert outcome.qualified == (1, 2, 3)
    assert outcome.disqualified == ((4, BOARD_WENT_ON_WITHOUT),)
    assert [j for j, _ in outcome.verification_keys] == [1, 2, 3]
    late = dataclasses.replace(decided, openings={**decided.openings, 4: late_opening})
    assert evaluate(group, late) == outcome
    # Even a message that would not pass its envelope is not examined: the sender is out.
    forged = dataclasses.replace(late_opening, signature=bytes(64))
    assert (
        evaluate(group, dataclasses.replace(decided, openings={**decided.openings, 4: forged}))
        == outcome
    )
    # The trustee the board went on without is told so by its own steps.
    with pytest.raises(CeremonyError, match="the board went on without trustee 4"):
        trustees[3].check(decided)


def test_a_decision_is_signed_and_only_grows(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    vote = trustees[0].decide([3])
    assert trustees[0].decide([2], vote.message).message.without == (2, 3)
    with pytest.raises(CeremonyError, match="not 4"):
        trustees[0].decide([4])
    # A vote signed with another trustee's key, or by a trustee that never announced, is not
    # a vote: the transcript holding it is refused (spec 8.2).
    forged = resign(trustees[1], vote.message)
    with pytest.raises(InvalidCeremonyMessage, match="decide message of trustee 1"):
        board_decisions(dataclasses.replace(transcript, decisions={1: forged}))
    unannounced = dataclasses.replace(
        transcript, announcements={i: a for i, a in transcript.announcements.items() if i != 1}
    )
    with pytest.raises(InvalidCeremonyMessage, match="unknown trustee 1"):
        board_decisions(dataclasses.replace(unannounced, decisions={1: vote}))
    # One encoding: the trustees in increasing order, each once.
    text = message_to_json(vote)
    assert message_from_json(text, group, "decide") == vote
    unsorted = resign(trustees[0], Decision(vote.message.election, 1, (3, 2)))
    with pytest.raises(EncodingError, match="increasing order"):
        message_from_json(message_to_json(unsorted), group, "decide")


def test_a_published_decision_is_replaced_only_by_a_larger_one(group: Group, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from votecrypt.service.election_dir import ElectionDir, publish_grown

    directory = ElectionDir(tmp_path)
    trustee = make_trustees(group, 2, 3)[0]
    first = trustee.decide([3])
    publish_grown(directory, first, group)
    grown = trustee.decide([2], first.message)
    path = publish_grown(directory, grown, group)
    assert message_from_json(path.read_bytes(), group, "decide") == grown
    with pytest.raises(FileError, match="must hold every one of them"):
        publish_grown(directory, first, group)
    assert message_from_json(path.read_bytes(), group, "decide") == grown


def test_the_board_and_the_verifier_accept_no_outcome_while_a_complaint_is_unanswered(
    group: Group,
) -> None:
    """Spec 8.8, 11.1, 16.2 check 6: the board and the verifier evaluate as the trustees do.
    An outcome published while dealer 3 can still answer trustee 2's complaint (here: the
    honest outcome with 3 blamed) is refused; once 3 answers, the published outcome must be
    the one the messages give."""
    from votecrypt.errors import RefusedData
    from votecrypt.protocol.setup import check_outcome

    trustees = make_trustees(group, 2, 3)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    transcript = _false_complaints(transcript, trustees[1], {3})
    answered = with_answers(transcript, trustees)
    honest = evaluate(group, answered)
    blamed = dataclasses.replace(
        honest, qualified=(1, 2), disqualified=((3, "the board went on without it"),)
    )
    with pytest.raises(RefusedData, match="still waiting for trustee 3 to answer"):
        check_outcome(group, transcript, blamed)
    with pytest.raises(RefusedData, match="not the one its messages give"):
        check_outcome(group, answered, blamed)
    assert check_outcome(group, answered, honest) == honest


def test_a_check_shown_in_two_versions_cannot_get_an_honest_dealer_blamed(group: Group) -> None:
    """The equivocation of the review, t = 3 of 5: trustee 5 signs two checks. Dealer 3's copy
    accepts everyone; the copy everyone else holds complains about dealer 3. Dealer 3 answered
    what it saw (trustee 4's complaint); when the other version reaches it, it answers again
    (answers are additive, spec 8.7), and every honest trustee ends with the same outcome, in
    which dealer 3 is qualified. Before, dealer 3 could not answer a second time and was left
    out "for not answering trustee 5"."""
    trustees = make_trustees(group, 3, 5)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    seen_by_3 = _false_complaints(transcript, trustees[3], {3})  # 4 complains about 3
    board = _false_complaints(seen_by_3, trustees[4], {3})  # 5's other version
    assert seen_by_3.checks[5] != board.checks[5]
    first = trustees[2].answer(seen_by_3)
    assert first is not None and [r.recipient for r in first.message.revealed] == [4]
    # With the board's version and 3's first answer, nobody blames 3: it is waited for.
    stale = dataclasses.replace(board, answers={3: first})
    with pytest.raises(
        CeremonyNotReady, match=r"trustee 3 to answer the complaints of trustees \[5\]"
    ):
        evaluate(group, stale)
    grown = trustees[2].answer(board, earlier=first.message)
    assert grown is not None and [r.recipient for r in grown.message.revealed] == [4, 5]
    assert set(first.message.revealed) <= set(grown.message.revealed)
    final = dataclasses.replace(board, answers={3: grown})
    outcomes = [tr.finalize(final) for tr in trustees[:3]]
    assert all(o == outcomes[0] for o in outcomes)
    assert outcomes[0].qualified == (1, 2, 3, 4, 5) and outcomes[0].disqualified == ()


def test_an_answer_file_is_replaced_only_by_a_grown_one(group: Group, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from votecrypt.service.election_dir import ElectionDir, publish_grown

    trustees = make_trustees(group, 2, 3)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    one = _false_complaints(transcript, trustees[1], {1})
    two = _false_complaints(one, trustees[2], {1})
    first = trustees[0].answer(one)
    assert first is not None
    directory = ElectionDir(tmp_path)
    publish_grown(directory, first, group)
    grown = trustees[0].answer(two, earlier=first.message)
    assert grown is not None
    path = publish_grown(directory, grown, group)
    assert message_from_json(path.read_bytes(), group, "answer") == grown
    with pytest.raises(FileError, match="must hold every one of them"):
        publish_grown(directory, first, group)
