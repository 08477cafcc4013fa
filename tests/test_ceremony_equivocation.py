"""Equivocation convicts the liar (spec 8.8.1): two different signed messages of one round from
one sender are evidence against it, on every trustee's machine, on the board and in the
verifier.

The attack of the review, t = 3 of 5: trustees 4 and 5 are dishonest. Trustee 5 signs two
checks; trustee 4 carries the USB stick and shows dealer 3 the one accepting everyone, the
other trustees the one complaining about dealer 3. Dealer 3 sees nothing to answer; everyone
else waits for its answer. When the other version reaches dealer 3, `ceremony evidence` writes
the two messages into one file; with it every honest trustee ends with the same outcome, which
blames trustee 5 only, and the verifier names trustee 5 with both digests.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ceremony_helpers import (
    announce_and_commit,
    make_trustees,
    other_check,
    resign,
    with_checks,
    with_openings,
)
from election_helpers import FAST_KDF, manifest_for
from test_counting_board_guide import guide_block
from votecrypt_cli import exit_codes

from votecrypt.errors import CeremonyError, EncodingError, RefusedData
from votecrypt.math import Group
from votecrypt.protocol.ceremony.messages import (
    Complaint,
    Decision,
    Evidence,
    InvalidCeremonyMessage,
    Signed,
    conflict,
)
from votecrypt.protocol.ceremony.transcript import (
    CeremonyNotReady,
    differing_views,
    evaluate,
    transcript_digests,
)
from votecrypt.record.ceremony_codec import (
    evidence_from_json,
    evidence_to_json,
    message_from_json,
    message_to_json,
)
from votecrypt.service.ceremony_steps import (
    ceremony_finalize,
    ceremony_step,
    ceremony_waiting,
    trustee_init,
)
from votecrypt.service.election_dir import (
    ElectionDir,
    create_election,
    load_transcript,
)
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.export import export_record
from votecrypt.service.voting import issue, open_board
from votecrypt.storage.board import BulletinBoard
from votecrypt.storage.secret_file import load_trustee
from votecrypt.verifier.verify import verify_record

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
CONVICTED = "signed two different check messages"


def votecrypt(*args: object, code: int = 0) -> str:
    done = subprocess.run(
        [*VOTECRYPT, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
    )
    output = done.stdout + done.stderr
    assert done.returncode == code, f"{args}: exit {done.returncode}\n{output}"
    assert "Traceback" not in output
    return output


def _copy_missing(source: Path, target: Path) -> None:
    """The USB stick: every ceremony file of `source` that `target` lacks."""
    for path in (source / "ceremony").iterdir():
        if not (target / "ceremony" / path.name).exists():
            shutil.copy2(path, target / "ceremony" / path.name)


def test_two_dishonest_trustees_showing_two_checks_convict_only_the_liar(
    tmp_path: Path, group: Group
) -> None:
    manifest = manifest_for([("Candidate", "x")], 3, trustees=5, threshold=3)
    shared = create_election(tmp_path / "shared", manifest)  # the copy trustees 1, 2, 4 hold
    secrets = {i: tmp_path / "private" / f"t{i}.secret" for i in range(1, 6)}
    for i, path in secrets.items():
        trustee_init(shared, path, i, f"pass-{i}", group, FAST_KDF)
    for step in ("commit", "open"):
        for i, path in secrets.items():
            ceremony_step(shared, path, f"pass-{i}", group, step)
    own = ElectionDir(tmp_path / "dealer-3")  # dealer 3's own copy
    shutil.copytree(shared.root, own.root)
    for i in (1, 2, 3, 4):
        ceremony_step(shared, secrets[i], f"pass-{i}", group, "check")
    # Trustee 5 checks honestly in the copy trustee 4 carries to dealer 3 ...
    honest_check = ceremony_step(own, secrets[5], "pass-5", group, "check").message
    assert honest_check is not None and honest_check.message.complaints == ()
    # ... and gives the others a second check, complaining about dealer 3.
    key = load_trustee(secrets[5], "pass-5", group).export_secrets().signing_key
    lie = other_check(honest_check, key, victim=3)
    shared.message_path("check", 5).write_bytes(message_to_json(lie))
    _copy_missing(shared.root, own.root)
    assert ceremony_step(own, secrets[3], "pass-3", group, "answer").published is None
    assert ceremony_waiting(shared, group) == ["trustee 3 to answer the complaints of trustees [5]"]

    # The other version reaches dealer 3: it is evidence against trustee 5, filed with the
    # commands of docs/counting-board.md's evidence block.
    evidence_line, status_line = (shlex.split(line)[1:] for line in guide_block("evidence"))
    assert evidence_line[:2] == ["ceremony", "evidence"] and status_line[:2] == [
        "ceremony",
        "status",
    ]
    usb = tmp_path / "usb" / Path(evidence_line[3]).name
    usb.parent.mkdir()
    shutil.copy2(shared.message_path("check", 5), usb)
    said = votecrypt(*evidence_line[:2], own.root, usb)
    assert "trustee 5 signed two different check messages" in said
    assert own.evidence_path(5).exists()
    # Filing it again changes nothing; the same message or a missing one is no evidence.
    assert "already there" in votecrypt("ceremony", "evidence", own.root, usb)
    votecrypt("ceremony", "evidence", shared.root, usb, code=exit_codes.BAD_INPUT)
    _copy_missing(own.root, shared.root)
    assert "Convicted: trustee 5 signed two different check messages" in votecrypt(
        *status_line[:2], shared.root
    )

    outcomes = [ceremony_finalize(shared, secrets[i], f"pass-{i}", group) for i in (1, 2, 4)]
    outcomes.append(ceremony_finalize(own, secrets[3], "pass-3", group))
    assert all(o == outcomes[0] for o in outcomes)
    assert outcomes[0].qualified == (1, 2, 3, 4)
    assert outcomes[0].disqualified == ((5, CONVICTED),)
    assert [j for j, _ in outcomes[0].verification_keys] == [1, 2, 3, 4]
    # The two copies differ only in the convicted trustee's check: one transcript hash.
    assert load_transcript(own, group, manifest) != load_transcript(shared, group, manifest)
    with pytest.raises(CeremonyError, match="trustee 5 is left out: it " + CONVICTED):
        ceremony_step(own, secrets[5], "pass-5", group, "answer")

    # The board takes the evidence in its ceremony entries, checked; the verifier names it.
    issue(shared, 3)
    view = endorsement_view(shared, group)
    for i in (1, 2, 4):
        endorse(shared, view, secrets[i], f"pass-{i}", group, view.fingerprint)
    board, _ = open_board(shared, group)
    entries = [e for e in board.entries() if e.kind == "ceremony"]
    assert entries[-1].payload["type"] == "votecrypt/ceremony/evidence"
    record = export_record(board, tmp_path / "record")
    board.close_connection()
    report = verify_record(record, jobs=1)
    assert report["ceremony-messages"].status == "PASS"
    assert report["ceremony-outcome"].status == "PASS"
    evidence = evidence_from_json(own.evidence_path(5).read_bytes(), group)
    first, second = (d.hex() for d in evidence.digests())
    [line] = report.convicted
    assert line.startswith(f"trustee 5 {CONVICTED} (digests {first} and {second}, log entry ")
    assert any(f"Convicted of equivocation: {line}" == text for text in report.lines())


def _checked(group: Group, t: int = 3, n: int = 5):  # type: ignore[no-untyped-def]
    trustees = make_trustees(group, t, n)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    key = trustees[4].export_secrets().signing_key
    lie = other_check(transcript.checks[5], key, victim=3)
    return trustees, transcript, Evidence.of(transcript.checks[5], lie)


def test_evidence_drops_the_liars_messages_whichever_version_a_copy_holds(group: Group) -> None:
    _, transcript, evidence = _checked(group)
    outcomes = []
    for version in (evidence.first, evidence.second):
        copy = dataclasses.replace(
            transcript, checks={**transcript.checks, 5: version}, evidence={5: evidence}
        )
        outcomes.append(evaluate(group, copy))
        rows = transcript_digests(copy)
        assert ("evidence", 5, evidence.first.digest()) in rows
        assert not [r for r in rows if r[1] == 5 and r[0] not in ("evidence", "decide")]
    assert outcomes[0] == outcomes[1]
    assert outcomes[0].disqualified == ((5, CONVICTED),)
    # Without the evidence, the version complaining about 3 makes everyone wait for 3.
    lie = next(v for v in (evidence.first, evidence.second) if v.message.complaints)
    with pytest.raises(CeremonyNotReady, match=r"trustee 3 to answer"):
        evaluate(group, dataclasses.replace(transcript, checks={**transcript.checks, 5: lie}))


def test_evidence_that_proves_nothing_makes_the_transcript_unreadable(group: Group) -> None:
    """Rule 1 (spec 8.8.1): both signatures under the sender's announced key, messages that
    conflict. Anything else is not evidence: like a forged message, it is refused."""
    trustees, transcript, evidence = _checked(group)
    forged = dataclasses.replace(evidence.second, signature=bytes(64))
    bad = Evidence.of(evidence.first, forged)
    with pytest.raises(InvalidCeremonyMessage, match="invalid signature"):
        evaluate(group, dataclasses.replace(transcript, evidence={5: bad}))
    # Another trustee's key signing trustee 5's name: not trustee 5's message.
    other = Evidence.of(
        evidence.first,
        Signed.create(evidence.second.message, trustees[0].export_secrets().signing_key),
    )
    with pytest.raises(InvalidCeremonyMessage, match="invalid signature"):
        evaluate(group, dataclasses.replace(transcript, evidence={5: other}))
    # Evidence filed under another sender, or against a trustee that never announced.
    with pytest.raises(InvalidCeremonyMessage, match="not about it"):
        evaluate(group, dataclasses.replace(transcript, evidence={4: evidence}))
    unannounced = dict(transcript.announcements)
    del unannounced[5]
    with pytest.raises(InvalidCeremonyMessage):
        evaluate(
            group,
            dataclasses.replace(transcript, announcements=unannounced, evidence={5: evidence}),
        )


def test_decisions_and_answers_that_grow_are_no_evidence(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    one = trustees[0].decide([2])
    grown = trustees[0].decide([2, 3])
    other = trustees[0].decide([3])
    assert not conflict(one.message, grown.message)
    assert conflict(one.message, other.message)
    transcript = announce_and_commit(trustees)
    with pytest.raises(InvalidCeremonyMessage, match="do not conflict"):
        evaluate(group, dataclasses.replace(transcript, evidence={1: Evidence.of(one, grown)}))
    # Two votes neither holding the other convict; the vote in the transcript still counts.
    convicted = dataclasses.replace(
        transcript, decisions={1: other}, evidence={1: Evidence.of(one, other)}
    )
    with pytest.raises(CeremonyNotReady):
        evaluate(group, convicted)
    assert isinstance(one.message, Decision)


def test_evidence_decodes_strictly(group: Group) -> None:
    _, transcript, evidence = _checked(group)
    data = evidence_to_json(evidence)
    assert evidence_from_json(data, group) == evidence
    import json

    plain = json.loads(data)
    swapped = dict(plain, messages=plain["messages"][::-1])
    with pytest.raises(EncodingError, match="smaller digest first"):
        evidence_from_json(json.dumps(swapped).encode(), group)
    same = dict(plain, messages=[plain["messages"][0]] * 2)
    with pytest.raises(EncodingError, match="smaller digest first"):
        evidence_from_json(json.dumps(same).encode(), group)
    mixed = dict(
        plain, messages=[plain["messages"][0], json.loads(message_to_json(transcript.checks[4]))]
    )
    with pytest.raises(EncodingError, match="one round and one sender"):
        evidence_from_json(json.dumps(mixed).encode(), group)
    announcements = [json.loads(message_to_json(transcript.announcements[5]))] * 2
    with pytest.raises(EncodingError):
        evidence_from_json(json.dumps(dict(plain, messages=announcements)).encode(), group)
    with pytest.raises(EncodingError):
        evidence_from_json(json.dumps(dict(plain, messages=plain["messages"] * 2)).encode(), group)
    with pytest.raises(EncodingError, match="unknown field"):
        evidence_from_json(json.dumps(dict(plain, sender=5)).encode(), group)
    assert message_from_json(message_to_json(evidence.first), group) == evidence.first


def test_the_board_refuses_evidence_it_cannot_check(tmp_path: Path, group: Group) -> None:
    """Rule 1 for the board (spec 11.1): the evidence's signatures are checked against the
    announcement already on the board, the messages must conflict, and evidence comes after
    every message, one per sender."""
    manifest = manifest_for([("Candidate", "x")], 3, trustees=5, threshold=3)
    _, transcript, evidence = _checked_for(group, manifest.manifest_hash())
    from votecrypt.record.ceremony_codec import evidence_plain
    from votecrypt.record.json_codec import parse_json

    with BulletinBoard.building(tmp_path / "board.sqlite", group) as board:
        board.append("manifest", manifest.content())
        for _, messages in transcript.rounds():
            for index in sorted(messages):
                board.append("ceremony", parse_json(message_to_json(messages[index])))
        forged = Evidence.of(
            evidence.first, dataclasses.replace(evidence.second, signature=bytes(64))
        )
        with pytest.raises(RefusedData, match="invalid signature"):
            board.append("ceremony", evidence_plain(forged))
        board.append("ceremony", evidence_plain(evidence))
        with pytest.raises(RefusedData, match="round by round"):
            board.append("ceremony", evidence_plain(evidence))
        with pytest.raises(RefusedData, match="round by round"):
            board.append("ceremony", parse_json(message_to_json(transcript.checks[4])))


def _checked_for(group: Group, election: bytes):  # type: ignore[no-untyped-def]
    trustees = make_trustees(group, 3, 5, election)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    key = trustees[4].export_secrets().signing_key
    lie = other_check(transcript.checks[5], key, victim=3)
    return trustees, transcript, Evidence.of(transcript.checks[5], lie)


def test_after_the_boards_decision_a_late_file_about_the_trustee_changes_nothing(
    group: Group,
) -> None:
    """docs/counting-board.md: once the board went on without a trustee, its files are
    ignored on every computer alike, "the only effect of a late file". Late evidence against
    it is one of its files (spec 8.8.1): not examined, even forged, no digest row; the
    outcome and the transcript hash stay those of the decision."""
    trustees, transcript, evidence = _checked(group)
    votes = {tr.index: tr.decide([5]) for tr in trustees[:3]}
    decided = dataclasses.replace(transcript, decisions=votes)
    outcome = evaluate(group, decided)
    assert dict(outcome.disqualified) == {5: "the board went on without it"}
    forged = Evidence.of(evidence.first, dataclasses.replace(evidence.second, signature=bytes(64)))
    for late in (evidence, forged):
        assert evaluate(group, dataclasses.replace(decided, evidence={5: late})) == outcome
    # Whoever publishes it still checks it (rule 1): the board, the channel and `ceremony
    # evidence` refuse the forged one.
    from votecrypt.protocol.setup import check_new_evidence

    check_new_evidence(decided, evidence)
    with pytest.raises(InvalidCeremonyMessage, match="invalid signature"):
        check_new_evidence(decided, forged)
    # Before the decision, the same evidence convicts: the outcome names the lie instead.
    assert dict(
        evaluate(group, dataclasses.replace(transcript, evidence={5: evidence})).disqualified
    ) == {5: CONVICTED}


def test_the_evidence_file_validates_against_the_schema(group: Group) -> None:
    from test_schemas import validator

    _, _, evidence = _checked(group)
    import json

    plain = json.loads(evidence_to_json(evidence))
    validator("ceremony-message").validate(plain)
    assert list(validator("ceremony-message").iter_errors(dict(plain, messages=[])))


def test_each_check_and_answer_records_what_its_sender_saw(group: Group) -> None:
    """Spec 8.2 `seen`: the rows of the transcript hash its sender evaluated. Dealer 3
    answers trustee 4's complaint having seen trustee 5's check accepting it; the board holds
    the other version: the answer's record shows the difference, and the verifier's list and
    `ceremony status` name it, while the evaluation never reads it."""
    trustees, transcript, evidence = _checked(group)
    honest_5 = transcript.checks[5]
    lie = evidence.second if evidence.second != honest_5 else evidence.first
    check_4 = transcript.checks[4].message
    complaint = dataclasses.replace(
        check_4,
        accepted=tuple(d for d in check_4.accepted if d != 3),
        complaints=(Complaint(3, "mismatch"),),
    )
    seen_by_3 = dataclasses.replace(
        transcript, checks={**transcript.checks, 4: resign(trustees[3], complaint)}
    )
    answer = trustees[2].answer(seen_by_3)
    assert answer is not None
    assert answer.message.seen == tuple(transcript_digests(seen_by_3))
    assert transcript.checks[1].message.seen == tuple(
        (r, j, d)
        for r, j, d in transcript_digests(transcript)
        if r in ("announce", "commit", "open")
    )
    board = dataclasses.replace(seen_by_3, checks={**seen_by_3.checks, 5: lie}, answers={3: answer})
    assert differing_views(board) == [
        f"trustee 3's answer saw a check message of trustee 5 with digest "
        f"{honest_5.digest().hex()}; the transcript holds {lie.digest().hex()}"
    ]
    assert differing_views(seen_by_3) == []
    # Testimony only: the evaluation waits for dealer 3 to answer 5's complaint all the same.
    with pytest.raises(
        CeremonyNotReady, match=r"trustee 3 to answer the complaints of trustees \[5\]"
    ):
        evaluate(group, board)


def test_seen_decodes_strictly(group: Group) -> None:
    _, transcript, _ = _checked(group)
    import json

    plain = json.loads(message_to_json(transcript.checks[2]))
    rows = plain["message"]["seen"]
    assert len(rows) == 15  # announce, commit, open of 5 trustees
    for bad in (
        rows[::-1],  # another order
        [rows[0], rows[0]],  # one row twice
        [dict(rows[0], round="opening")],
        [dict(rows[0], digest=rows[0]["digest"][:-2])],
        [dict(rows[0], sender=0)],
        [dict(rows[0], extra=1)],
        [rows[0], dict(rows[0], digest="ff" * 32)],  # one round and sender, two digests
    ):
        broken = json.loads(json.dumps(plain))
        broken["message"]["seen"] = bad
        with pytest.raises(EncodingError):
            message_from_json(json.dumps(broken).encode(), group)


def test_ceremony_evidence_writes_nothing_for_what_proves_nothing(
    tmp_path: Path, group: Group
) -> None:
    from votecrypt.service.ceremony_exchange import NotEvidence, ceremony_evidence

    manifest = manifest_for([("Candidate", "x")], 3, trustees=5, threshold=3)
    directory = create_election(tmp_path / "e", manifest)
    _, transcript, evidence = _checked_for(group, manifest.manifest_hash())
    directory.ceremony.mkdir()
    for _, messages in transcript.rounds():
        for signed in messages.values():
            path = directory.message_path(signed.message.ROUND, signed.message.sender)
            path.write_bytes(message_to_json(signed))
    held = transcript.checks[5]
    other = evidence.second if evidence.second != held else evidence.first
    shown = tmp_path / "shown.json"
    cases = [
        (transcript.announcements[2], "prove nothing"),
        (held, "the same message"),
    ]
    for signed, words in cases:
        shown.write_bytes(message_to_json(signed))
        with pytest.raises(NotEvidence, match=words):
            ceremony_evidence(directory, group, shown)
    directory.message_path("check", 5).unlink()
    shown.write_bytes(message_to_json(other))
    with pytest.raises(NotEvidence, match="holds no check message of trustee 5"):
        ceremony_evidence(directory, group, shown)
    directory.message_path("check", 5).write_bytes(message_to_json(held))
    shown.write_bytes(message_to_json(dataclasses.replace(other, signature=bytes(64))))
    with pytest.raises(InvalidCeremonyMessage, match="invalid signature"):
        ceremony_evidence(directory, group, shown)
    assert not directory.evidence_path(5).exists()
    shown.write_bytes(message_to_json(other))
    found, written = ceremony_evidence(directory, group, shown)
    assert found == evidence and written == directory.evidence_path(5)
