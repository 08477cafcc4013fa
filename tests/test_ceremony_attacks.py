"""Attacks on the key ceremony by dishonest or absent trustees (issue 11, spec 8.8): each test
shows who is qualified, who is blamed and who can decrypt."""

from __future__ import annotations

import dataclasses
import random

import pytest
from ceremony_helpers import (
    BEHAVIOURS,
    announce_and_commit,
    bad_share,
    board_decides,
    combine,
    finish_with_decisions,
    forged_announcement,
    make_trustees,
    resign,
    run_with_misbehaviour,
    subsets,
    with_answers,
    with_checks,
    with_openings,
    wrong_answer,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from votecrypt.errors import CeremonyError
from votecrypt.math import Group
from votecrypt.primitives.sealing import SMALL_ORDER_U, exchange_key_problem
from votecrypt.protocol.ceremony.messages import Complaint
from votecrypt.protocol.ceremony.transcript import (
    CeremonyNotReady,
    CeremonyOutcome,
    Transcript,
    evaluate,
)
from votecrypt.protocol.ceremony.trustee import Trustee

P25519 = 2**255 - 19


def holders(outcome: CeremonyOutcome) -> list[int]:
    return [j for j, _ in outcome.verification_keys]


def assert_every_t_subset_decrypts(
    group: Group, trustees: list[Trustee], outcome: CeremonyOutcome, indices: list[int]
) -> None:
    shares = {tr.index: tr.key_share().export_scalar() for tr in trustees if tr.index in indices}
    for subset in subsets(sorted(indices), outcome.threshold):
        assert group.multiply_generator(combine(shares, subset)) == outcome.joint_key


def finalize_all(trustees: list[Trustee], transcript: Transcript) -> None:
    for tr in trustees:
        tr.finalize(transcript)


# 1. A silent checker no longer disqualifies honest dealers.


def _silent_about(transcript: Transcript, checker: Trustee, dealers: set[int]) -> Transcript:
    """`checker` publishes a check that names none of `dealers` (neither accepted nor
    complained about)."""
    check = transcript.checks[checker.index].message
    accepted = tuple(d for d in check.accepted if d not in dealers)
    forged = resign(checker, dataclasses.replace(check, accepted=accepted))
    return dataclasses.replace(transcript, checks={**transcript.checks, checker.index: forged})


@pytest.mark.parametrize(("t", "n", "silent"), [(2, 3, {1, 2}), (3, 5, {3, 4})])
def test_silent_checker_cannot_disqualify_honest_dealers(
    group: Group, t: int, n: int, silent: set[int]
) -> None:
    trustees = make_trustees(group, t, n)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    transcript = _silent_about(transcript, trustees[-1], silent)
    # The dealers it left unnamed must answer: they reveal its shares in the clear.
    with pytest.raises(CeremonyNotReady, match=f"trustee {min(silent)} to answer"):
        evaluate(group, transcript)
    transcript = with_answers(transcript, trustees)
    for dealer in silent:
        revealed = transcript.answers[dealer].message.revealed
        assert [r.recipient for r in revealed] == [n]
    finalize_all(trustees, transcript)
    outcome = trustees[0].outcome
    assert outcome is not None
    assert outcome.qualified == tuple(range(1, n + 1))
    assert outcome.disqualified == ()
    # The silent checker still holds a key share (its own f_n(n) is secret).
    assert holders(outcome) == list(range(1, n + 1))
    assert_every_t_subset_decrypts(group, trustees, outcome, list(range(1, n + 1)))


def test_dealer_that_does_not_answer_a_silent_checker_is_the_one_left_out(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    transcript = _silent_about(transcript, trustees[2], {1})
    with pytest.raises(
        CeremonyNotReady, match=r"trustee 1 to answer the complaints of trustees \[3\]"
    ):
        evaluate(group, transcript)
    transcript = board_decides(transcript, trustees[1:], [1])
    outcome = evaluate(group, transcript)
    assert outcome.qualified == (2, 3)
    assert dict(outcome.disqualified) == {1: "the board went on without it"}
    assert holders(outcome) == [2, 3]
    finalize_all(trustees[1:], transcript)
    assert_every_t_subset_decrypts(group, trustees, outcome, [2, 3])


# 2. Every trustee of D holds a key share, disqualified dealers included (decision A.5).


def test_disqualified_dealer_still_decrypts(group: Group) -> None:
    trustees = make_trustees(group, 2, 4)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees, bad_share(dealer=2, victim=4))
    transcript = with_answers(with_checks(transcript, trustees), trustees)
    transcript = dataclasses.replace(
        transcript, answers={2: wrong_answer(trustees[1], transcript.answers[2])}
    )
    finalize_all(trustees, transcript)
    outcome = trustees[0].outcome
    assert outcome is not None
    assert outcome.qualified == (1, 3, 4)
    assert dict(outcome.disqualified) == {2: "revealed a share for trustee 4 that does not match"}
    assert holders(outcome) == [1, 2, 3, 4]
    assert_every_t_subset_decrypts(group, trustees, outcome, [1, 2, 3, 4])


def test_trustee_that_never_opened_is_left_out_by_the_board_and_does_not_decrypt(
    group: Group,
) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees[:2])
    for tr in trustees[:2]:
        with pytest.raises(CeremonyNotReady, match="trustee 3 to open its commitments"):
            tr.check(transcript)
    transcript = board_decides(transcript, trustees[:2], [3])
    transcript = with_answers(with_checks(transcript, trustees[:2]), trustees[:2])
    finalize_all(trustees[:2], transcript)
    outcome = trustees[0].outcome
    assert outcome is not None
    assert outcome.qualified == (1, 2)
    assert dict(outcome.disqualified) == {3: "the board went on without it"}
    assert holders(outcome) == [1, 2]
    assert_every_t_subset_decrypts(group, trustees, outcome, [1, 2])


def test_absent_checker_who_is_no_dealer_is_left_out_by_the_board_and_does_not_decrypt(
    group: Group,
) -> None:
    trustees = make_trustees(group, 2, 4)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees[:3])  # trustee 4 never opens nor checks
    checks = {tr.index: tr.check(transcript, proceed_without_missing=True) for tr in trustees[:3]}
    transcript = dataclasses.replace(transcript, checks=checks)
    with pytest.raises(CeremonyNotReady, match="trustee 4 to check its shares"):
        trustees[0].answer(transcript)
    # The board goes on without it: nobody reveals its shares, and it holds no key share.
    transcript = board_decides(transcript, trustees[:2], [4])
    assert all(tr.answer(transcript) is None for tr in trustees[:3])
    outcome = evaluate(group, transcript)
    assert outcome.qualified == (1, 2, 3)
    assert dict(outcome.disqualified) == {4: "the board went on without it"}
    assert holders(outcome) == [1, 2, 3]


# 3. Exchange keys: small order, not canonical, copied.


def test_small_order_exchange_keys_are_the_whole_list() -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )

    key = X25519PrivateKey.generate()
    for u in SMALL_ORDER_U:
        raw = u.to_bytes(32, "little")
        assert exchange_key_problem(raw) == "of small order"
        with pytest.raises(ValueError):
            key.exchange(X25519PublicKey.from_public_bytes(raw))
    for raw in (P25519.to_bytes(32, "little"), (2**255 + 9).to_bytes(32, "little")):
        assert exchange_key_problem(raw) == "not canonical"
    assert exchange_key_problem(key.public_key().public_bytes_raw()) is None


@pytest.mark.parametrize(
    ("exchange_key", "reason"),
    [
        (bytes(32), "announced an exchange key of small order"),
        ((1).to_bytes(32, "little"), "announced an exchange key of small order"),
        (P25519.to_bytes(32, "little"), "announced an exchange key that is not canonical"),
        (b"\x09" + bytes(30) + b"\x80", "announced an exchange key that is not canonical"),
        ("copy of 1", "announced the exchange key of trustee 1"),
        ("random", "announced an exchange key not derived from its signing key"),
    ],
    ids=["zero", "one", "p", "top-bit", "copy", "not-derived"],
)
def test_bad_exchange_key_leaves_out_only_its_announcer(
    group: Group, exchange_key: bytes | str, reason: str
) -> None:
    trustees = make_trustees(group, 2, 3)
    if exchange_key == "copy of 1":
        exchange_key = trustees[0].announce().message.exchange_key.to_bytes()
    elif exchange_key == "random":
        exchange_key = make_trustees(group, 1, 1)[0].announce().message.exchange_key.to_bytes()
    assert isinstance(exchange_key, bytes)
    announcements = {tr.index: tr.announce() for tr in trustees}
    announcements[3] = forged_announcement(trustees[2], exchange_key)
    transcript = Transcript(trustees[0].parameters, announcements=announcements)
    with pytest.raises(CeremonyError, match=reason):
        trustees[2].commit(transcript)
    honest = trustees[:2]
    transcript = dataclasses.replace(
        transcript, commits={tr.index: tr.commit(transcript) for tr in honest}
    )
    # The honest dealers open without waiting for trustee 3 and seal to each other only.
    transcript = with_openings(transcript, honest)
    assert [s.recipient for s in transcript.openings[1].message.shares] == [2]
    transcript = with_answers(with_checks(transcript, honest), honest)
    finalize_all(honest, transcript)
    outcome = honest[0].outcome
    assert outcome is not None
    assert outcome.qualified == (1, 2)
    assert dict(outcome.disqualified) == {3: reason}
    assert holders(outcome) == [1, 2]
    assert_every_t_subset_decrypts(group, honest, outcome, [1, 2])


def test_two_trustees_with_one_signing_key_are_both_left_out(group: Group) -> None:
    trustees = make_trustees(group, 1, 3)
    shared = trustees[0].export_secrets()
    twin = Trustee(group, trustees[0].parameters, 2, "twin", "announced", shared)
    transcript = Transcript(
        trustees[0].parameters,
        announcements={1: trustees[0].announce(), 2: twin.announce(), 3: trustees[2].announce()},
    )
    transcript = dataclasses.replace(transcript, commits={3: trustees[2].commit(transcript)})
    transcript = with_answers(
        with_checks(with_openings(transcript, trustees[2:]), trustees[2:]), trustees[2:]
    )
    outcome = evaluate(group, transcript)
    assert outcome.qualified == (3,)
    assert dict(outcome.disqualified) == {
        1: "announced the same signing key as trustee 2",
        2: "announced the same signing key as trustee 1",
    }


# 4. A late complaint: `answer` waits for every check, or answers for the missing ones.


def test_late_complaint_cannot_lock_out_honest_dealers(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = with_openings(announce_and_commit(trustees), trustees)
    transcript = with_checks(transcript, trustees[:2])  # trustee 3 withholds its check
    for dealer in trustees[:2]:
        with pytest.raises(CeremonyNotReady, match="trustee 3 to check its shares"):
            dealer.answer(transcript)
    # The board proceeds: the dealers answer trustee 3 as if it had complained.
    transcript = with_answers_proceeding(transcript, trustees[:2])
    late = trustees[2].check(transcript)
    complaints = tuple(Complaint(d, "mismatch") for d in late.message.accepted)
    forged = dataclasses.replace(late.message, accepted=(), complaints=complaints)
    transcript = dataclasses.replace(
        transcript, checks={**transcript.checks, 3: resign(trustees[2], forged)}
    )
    finalize_all(trustees, transcript)
    outcome = trustees[0].outcome
    assert outcome is not None
    assert outcome.qualified == (1, 2, 3)
    assert outcome.disqualified == ()
    assert_every_t_subset_decrypts(group, trustees, outcome, [1, 2, 3])


def with_answers_proceeding(transcript: Transcript, trustees: list[Trustee]) -> Transcript:
    answers = dict(transcript.answers)
    for tr in trustees:
        answer = tr.answer(transcript, proceed_without_missing=True)
        if answer is not None:
            answers[tr.index] = answer
    return dataclasses.replace(transcript, answers=answers)


def test_answer_with_nothing_to_reveal_can_run_again(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    assert trustees[0].answer(transcript) is None
    assert trustees[0].step == "checked"  # nothing published: the step stays open
    transcript = _silent_about(transcript, trustees[2], {1})
    again = trustees[0].answer(transcript)
    assert again is not None and [r.recipient for r in again.message.revealed] == [3]


# 5. Commit first, then reveal, even when the board proceeds.


def test_commit_after_t_openings_is_left_out(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = Transcript(
        trustees[0].parameters, announcements={tr.index: tr.announce() for tr in trustees}
    )
    transcript = dataclasses.replace(
        transcript, commits={tr.index: tr.commit(transcript) for tr in trustees[:2]}
    )
    with pytest.raises(CeremonyNotReady, match="trustee 3 to publish its commitment hash"):
        trustees[0].open(transcript)
    openings = {tr.index: tr.open(transcript, proceed_without_missing=True) for tr in trustees[:2]}
    assert [s.recipient for s in openings[1].message.shares] == [2]
    transcript = dataclasses.replace(transcript, openings=openings)
    # Trustee 3 commits after seeing both openings: it could choose its polynomial knowing
    # every other contribution to K, so it is left out.
    late_commit = trustees[2].commit(transcript)
    transcript = dataclasses.replace(transcript, commits={**transcript.commits, 3: late_commit})
    with pytest.raises(CeremonyError, match=r"trustee 3 is left out: it had not committed"):
        trustees[2].open(transcript)
    transcript = with_answers(with_checks(transcript, trustees[:2]), trustees[:2])
    outcome = evaluate(group, transcript)
    assert outcome.qualified == (1, 2)
    assert dict(outcome.disqualified) == {3: "had not committed when trustees [1, 2] opened"}
    assert holders(outcome) == [1, 2]


def test_fewer_than_t_dealers_cannot_leave_out_an_honest_trustee(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    # Dealer 3 sends no share to trustee 2, as if trustee 2 had not committed.
    transcript = with_openings(transcript, trustees)
    opening = transcript.openings[3].message
    shares = tuple(s for s in opening.shares if s.recipient != 2)
    forged = resign(trustees[2], dataclasses.replace(opening, shares=shares))
    transcript = dataclasses.replace(transcript, openings={**transcript.openings, 3: forged})
    transcript = with_checks(transcript, trustees)
    assert [(c.dealer, c.reason) for c in transcript.checks[2].message.complaints] == [
        (3, "unreadable")
    ]
    # Trustee 2 stays; dealer 3 must reveal trustee 2's share, or be the one left out.
    with pytest.raises(
        CeremonyNotReady, match=r"trustee 3 to answer the complaints of trustees \[2\]"
    ):
        evaluate(group, transcript)
    transcript = with_answers(transcript, trustees)
    finalize_all(trustees, transcript)
    outcome = trustees[0].outcome
    assert outcome is not None
    assert outcome.qualified == (1, 2, 3)
    assert_every_t_subset_decrypts(group, trustees, outcome, [1, 2, 3])


def test_proceeding_needs_t_committed_trustees(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = Transcript(
        trustees[0].parameters, announcements={tr.index: tr.announce() for tr in trustees}
    )
    transcript = dataclasses.replace(transcript, commits={1: trustees[0].commit(transcript)})
    with pytest.raises(CeremonyError, match="only 1 trustees have committed, 2 needed"):
        trustees[0].open(transcript, proceed_without_missing=True)


# 6. Absent trustees: the board goes on without them, once (t votes).


def test_trustee_who_never_runs_init_does_not_block(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    present = trustees[:2]
    transcript = Transcript(
        trustees[0].parameters, announcements={tr.index: tr.announce() for tr in present}
    )
    transcript = dataclasses.replace(
        transcript, commits={tr.index: tr.commit(transcript) for tr in present}
    )
    with pytest.raises(CeremonyNotReady, match="trustee 3 to announce its keys"):
        present[0].open(transcript)
    transcript = board_decides(transcript, present, [3])
    transcript = with_answers(with_checks(with_openings(transcript, present), present), present)
    finalize_all(present, transcript)
    outcome = present[0].outcome
    assert outcome is not None
    assert outcome.qualified == (1, 2)
    assert dict(outcome.disqualified) == {3: "the board went on without it"}
    assert_every_t_subset_decrypts(group, present, outcome, [1, 2])


def test_trustee_who_never_commits_does_not_block(group: Group) -> None:
    trustees, transcript = run_with_misbehaviour(group, 2, 3, {3: "silent-commit"}, {})
    finalize_all(trustees[:2], transcript)
    outcome = trustees[0].outcome
    assert outcome is not None
    assert outcome.qualified == (1, 2)
    assert dict(outcome.disqualified) == {3: "had not committed when trustees [1, 2] opened"}


# The property: whatever at most n - t trustees do, the honest ones finish with the key.


@settings(max_examples=12)
@given(
    size=st.sampled_from([(1, 2), (2, 3), (2, 4), (3, 5)]),
    data=st.data(),
)
def test_misbehaving_minority_cannot_steer_block_or_blame(
    group: Group, size: tuple[int, int], data: st.DataObject
) -> None:
    t, n = size
    bad = data.draw(
        st.sets(st.integers(1, n), max_size=n - t).map(sorted), label="misbehaving trustees"
    )
    behaviours = {i: data.draw(st.sampled_from(BEHAVIOURS), label=f"trustee {i}") for i in bad}
    honest = [i for i in range(1, n + 1) if i not in behaviours]
    victims = {i: data.draw(st.sampled_from(honest), label=f"victim of {i}") for i in bad}
    # Fewer than t votes are no decision of the board (spec 8.8): the property is about them.
    assume(list(behaviours.values()).count("premature-close") < t)
    trustees, transcript = run_with_misbehaviour(group, t, n, behaviours, victims)
    outcomes, _ = finish_with_decisions(trustees, transcript, honest)
    outcome = outcomes[0]
    assert all(o == outcome for o in outcomes)
    # Every honest trustee is qualified and holds a key share; only misbehaving ones are
    # left out.
    assert set(honest) <= set(outcome.qualified)
    assert set(honest) <= set(holders(outcome))
    assert {i for i, _ in outcome.disqualified} <= set(behaviours)
    # An equivocating checker is convicted by the two checks it signed (spec 8.8.1), whatever
    # the board decided about it.
    for i in transcript.evidence:
        assert dict(outcome.disqualified)[i] == "signed two different check messages"
    # Every t honest trustees decrypt (a sample of the subsets, to stay fast).
    chosen = subsets(honest, t)
    random.Random(len(chosen)).shuffle(chosen)
    shares = {i: trustees[i - 1].key_share().export_scalar() for i in honest}
    for subset in chosen[:5]:
        assert group.multiply_generator(combine(shares, subset)) == outcome.joint_key


def test_every_behaviour_alone_leaves_the_honest_trustees_their_key(group: Group) -> None:
    for behaviour in BEHAVIOURS:
        trustees, transcript = run_with_misbehaviour(group, 2, 3, {3: behaviour}, {3: 1})
        (outcome, _), _ = finish_with_decisions(trustees, transcript, [1, 2])
        assert {1, 2} <= set(outcome.qualified), behaviour
        assert {i for i, _ in outcome.disqualified} <= {3}, behaviour
        if behaviour == "equivocate-check":
            assert outcome.disqualified == ((3, "signed two different check messages"),)
