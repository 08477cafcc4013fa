"""The threshold key ceremony: honest runs, misbehaving dealers, tampering, step order."""

from __future__ import annotations

import dataclasses

import pytest
from ceremony_helpers import (
    ELECTION,
    announce_and_commit,
    bad_share,
    board_decides,
    combine,
    make_trustees,
    resign,
    subsets,
    with_answers,
    with_checks,
    with_openings,
    wrong_answer,
)

from votecrypt.errors import CeremonyError
from votecrypt.math import Group, Scalar
from votecrypt.primitives.schnorr import SchnorrProof
from votecrypt.protocol.ceremony.messages import Answer, CeremonyParameters, RevealedShare
from votecrypt.protocol.ceremony.runner import run_ceremony
from votecrypt.protocol.ceremony.transcript import CeremonyNotReady, Transcript, evaluate


@pytest.mark.parametrize(("t", "n"), [(1, 1), (2, 3), (3, 5), (5, 9)])
def test_honest_ceremony_any_t_subset_and_no_smaller(group: Group, t: int, n: int) -> None:
    trustees, outcome, transcript = run_ceremony(
        group, CeremonyParameters(ELECTION, n, t), [f"T{i}" for i in range(n)]
    )
    assert outcome.qualified == tuple(range(1, n + 1))
    assert outcome.disqualified == ()
    shares = {tr.index: tr.key_share().export_scalar() for tr in trustees}
    for index, share in shares.items():
        assert group.multiply_generator(share) == outcome.verification_key(index)
    for subset in subsets(range(1, n + 1), t):
        assert group.multiply_generator(combine(shares, subset)) == outcome.joint_key
    for subset in subsets(range(1, n + 1), t - 1) if t > 1 else []:
        assert group.multiply_generator(combine(shares, subset)) != outcome.joint_key
    # Everyone evaluates the same transcript to the same outcome.
    assert all(tr.outcome == outcome for tr in trustees)
    assert evaluate(group, transcript) == outcome


def test_bad_share_answered_correctly_keeps_the_dealer(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees, bad_share(dealer=1, victim=3))
    transcript = with_checks(transcript, trustees)
    complaints = transcript.checks[3].message.complaints
    assert [(c.dealer, c.reason) for c in complaints] == [(1, "mismatch")]
    with pytest.raises(CeremonyNotReady, match="trustee 1 to answer"):
        evaluate(group, transcript)
    transcript = with_answers(transcript, trustees)
    outcomes = [tr.finalize(transcript) for tr in trustees]
    outcome = outcomes[0]
    assert outcome.qualified == (1, 2, 3)
    shares = {tr.index: tr.key_share().export_scalar() for tr in trustees}
    for subset in subsets([1, 2, 3], 2):
        assert group.multiply_generator(combine(shares, subset)) == outcome.joint_key


def test_dealer_answering_wrongly_is_disqualified(group: Group) -> None:
    trustees = make_trustees(group, 2, 4)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees, bad_share(dealer=2, victim=4))
    transcript = with_checks(transcript, trustees)
    for tr in trustees:
        tr.answer(transcript)
    wrong = Answer(ELECTION, 2, (RevealedShare(4, Scalar(12345)),))
    transcript = dataclasses.replace(transcript, answers={2: resign(trustees[1], wrong)})
    outcome = trustees[0].finalize(transcript)
    assert outcome.qualified == (1, 3, 4)
    assert dict(outcome.disqualified)[2] == "revealed a share for trustee 4 that does not match"
    # The joint key is built from the qualified dealers only; every trustee still holds a
    # key share of it, the disqualified dealer included (decision A.5).
    for tr in trustees:
        tr.finalize(transcript)
    shares = {tr.index: tr.key_share().export_scalar() for tr in trustees}
    for subset in subsets([1, 2, 3, 4], 2):
        assert group.multiply_generator(combine(shares, subset)) == outcome.joint_key


def test_dealer_not_answering_is_left_out_only_by_the_board(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees, bad_share(dealer=3, victim=1))
    transcript = with_checks(transcript, trustees)
    with pytest.raises(CeremonyNotReady, match="trustee 3 to answer"):
        trustees[0].finalize(transcript)
    outcome = trustees[0].finalize(board_decides(transcript, trustees[:2], [3]))
    assert outcome.qualified == (1, 2)
    assert dict(outcome.disqualified) == {3: "the board went on without it"}


def test_too_many_disqualified_fails_clearly(group: Group) -> None:
    trustees = make_trustees(group, 3, 3)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees, bad_share(dealer=2, victim=1))
    transcript = with_answers(with_checks(transcript, trustees), trustees[:1])
    transcript = dataclasses.replace(
        transcript, answers={2: wrong_answer(trustees[1], trustees[1].answer(transcript))}
    )
    with pytest.raises(CeremonyError, match=r"only 2 trustees qualified, 3 needed.*trustee 2"):
        evaluate(group, transcript)


def test_changing_commitments_after_the_commit_is_disqualified(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)

    def swap_polynomial(trustee, signed, transcript):  # type: ignore[no-untyped-def]
        if trustee.index != 2:
            return signed
        # Trustee 2 opens commitments of another polynomial, with valid proofs for them.
        other = make_trustees(group, 2, 3)
        other_transcript = announce_and_commit(other)
        other_opening = other[1].open(other_transcript).message
        forged = dataclasses.replace(
            signed.message,
            commitments=other_opening.commitments,
            proofs=other_opening.proofs,
        )
        return resign(trustee, forged)

    transcript = with_openings(transcript, trustees, swap_polynomial)
    transcript = with_checks(transcript, trustees)
    outcome = evaluate(group, transcript)
    assert outcome.qualified == (1, 3)
    assert "do not match its commitment hash" in dict(outcome.disqualified)[2]


def test_invalid_proof_of_knowledge_is_disqualified(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)

    def break_proof(trustee, signed, transcript):  # type: ignore[no-untyped-def]
        if trustee.index != 1:
            return signed
        proofs = list(signed.message.proofs)
        proofs[1] = SchnorrProof(proofs[1].challenge, proofs[1].response + Scalar(1))
        return resign(trustee, dataclasses.replace(signed.message, proofs=tuple(proofs)))

    transcript = with_checks(with_openings(transcript, trustees, break_proof), trustees)
    outcome = evaluate(group, transcript)
    assert "proof of knowledge for coefficient 1" in dict(outcome.disqualified)[1]


def test_tampered_message_is_rejected(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = with_openings(announce_and_commit(trustees), trustees)
    signed = transcript.openings[2]
    tampered = dataclasses.replace(
        signed,
        message=dataclasses.replace(signed.message, commitments=signed.message.commitments[::-1]),
    )
    broken = dataclasses.replace(transcript, openings={**transcript.openings, 2: tampered})
    with pytest.raises(CeremonyError, match="invalid signature"):
        trustees[0].check(broken)
    with pytest.raises(CeremonyError, match="invalid signature"):
        evaluate(group, broken)


def test_message_from_another_election_is_rejected(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    # A correctly signed commit from the same trustee keys, but for another election.
    other_election = bytes.fromhex("bb" * 32)
    replayed_commit = dataclasses.replace(transcript.commits[1].message, election=other_election)
    replayed = dataclasses.replace(
        transcript, commits={**transcript.commits, 1: resign(trustees[0], replayed_commit)}
    )
    with pytest.raises(CeremonyError, match="another election"):
        evaluate(group, replayed)


def test_reordered_messages_are_rejected(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    # Trustee 2's commit filed as trustee 3's.
    swapped = dataclasses.replace(
        transcript,
        commits={1: transcript.commits[1], 2: transcript.commits[3], 3: transcript.commits[2]},
    )
    with pytest.raises(CeremonyError):
        evaluate(group, swapped)
    # A commit filed as an opening.
    misfiled = dataclasses.replace(transcript, openings={1: transcript.commits[1]})  # type: ignore[dict-item]
    with pytest.raises(CeremonyError, match="filed as open"):
        evaluate(group, misfiled)


def test_steps_out_of_order_are_refused(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    announced = Transcript(
        trustees[0].parameters, announcements={t.index: t.announce() for t in trustees}
    )
    with pytest.raises(CeremonyError, match="cannot open now"):
        trustees[0].open(announced)
    commits = {t.index: t.commit(announced) for t in trustees[:2]}
    transcript = dataclasses.replace(announced, commits=commits)
    with pytest.raises(CeremonyError, match="cannot commit now"):
        trustees[0].commit(transcript)
    # Opening before every commitment hash is published is refused (no rushing).
    with pytest.raises(CeremonyNotReady, match="trustee 3 to publish its commitment hash"):
        trustees[0].open(transcript)
    with pytest.raises(CeremonyError, match="cannot check now"):
        trustees[2].check(transcript)
    with pytest.raises(CeremonyNotReady, match="trustee 3 to publish its commitment hash"):
        trustees[0].finalize(transcript)


def test_check_waits_for_every_opening(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees[:2])
    with pytest.raises(CeremonyNotReady, match="trustee 3 to open"):
        trustees[0].check(transcript)


def test_late_dealer_answers_the_checks_that_did_not_name_it(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = announce_and_commit(trustees)
    transcript = with_openings(transcript, trustees[:2])
    checks = {t.index: t.check(transcript, proceed_without_missing=True) for t in trustees[:2]}
    late = trustees[2].open(transcript)
    transcript = dataclasses.replace(
        transcript, openings={**transcript.openings, 3: late}, checks=checks
    )
    # Trustees 1 and 2 did not name dealer 3: it must reveal their shares (spec 8.7).
    with pytest.raises(
        CeremonyNotReady, match=r"trustee 3 to answer the complaints of trustees \[1, 2\]"
    ):
        evaluate(group, transcript)
    # If the board goes on without dealer 3 instead, it is the one left out.
    decided = board_decides(transcript, trustees[:2], [3])
    closed = evaluate(group, decided)
    assert closed.qualified == (1, 2)
    assert dict(closed.disqualified) == {3: "the board went on without it"}
    # If dealer 3 checks and answers instead, it is qualified.
    checks[3] = trustees[2].check(transcript)
    answer = trustees[2].answer(dataclasses.replace(transcript, checks=checks))
    assert answer is not None
    assert [r.recipient for r in answer.message.revealed] == [1, 2]
    transcript = dataclasses.replace(
        transcript, checks=checks, answers={**transcript.answers, 3: answer}
    )
    outcome = evaluate(group, transcript)
    assert outcome.qualified == (1, 2, 3)


def test_secrets_are_not_in_reprs(group: Group) -> None:
    trustee = make_trustees(group, 1, 1)[0]
    secrets = trustee.export_secrets()
    text = repr(trustee) + repr(secrets) + repr(secrets.signing_key) + repr(secrets.exchange_key)
    assert secrets.signing_key.export_bytes().hex() not in text
    assert secrets.exchange_key.export_bytes().hex() not in text
    assert "redacted" in repr(secrets)


def test_finalizing_again_follows_the_messages_until_the_trustee_acted(group: Group) -> None:
    """Spec 8.9: a finalized trustee finalizes again when the messages grew, unless it already
    endorsed or decrypted under its outcome; then that outcome stays."""
    trustees = make_trustees(group, 2, 3)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    first = trustees[0].finalize(transcript)
    share = trustees[0].key_share().export_scalar()
    # Finalizing again with the same messages changes nothing.
    assert trustees[0].finalize(transcript) == first
    assert trustees[0].key_share().export_scalar() == share
    # Other messages (a share revealed although nobody complained) give another outcome,
    # which the trustee takes while it has done nothing under the first.
    revealed = Answer(ELECTION, 2, (RevealedShare(3, Scalar(7)),))
    changed = dataclasses.replace(transcript, answers={2: resign(trustees[1], revealed)})
    second = trustees[0].finalize(changed)
    assert second != first and second.transcript_hash != first.transcript_hash
    assert trustees[0].outcome == second
    # Once it endorsed (or decrypted), the outcome it acted under stays.
    trustees[0].endorsed_list = bytes(32)
    with pytest.raises(CeremonyError, match="already endorsed a credential list"):
        trustees[0].finalize(transcript)
    assert trustees[0].outcome == second
    trustees[0].endorsed_list, trustees[0].decrypted_tally = None, bytes(32)
    with pytest.raises(CeremonyError, match="already decrypted a tally"):
        trustees[0].finalize(transcript)
