"""Late messages after the outcome was endorsed have one effect (spec 8.8.2, decision A.39).

The attack without the rule, t = 3 of 5: trustees 1, 2 and 3 endorse the credential list under
the ceremony outcome. Then trustee 5, qualified, signs a second check and files the evidence
against itself, or dealer 2 publishes a grown answer revealing a wrong share. Either would
change the outcome the messages give (5 convicted, 2 disqualified), the endorsements would no
longer verify and the board could not open: one trustee would block the election. With the
rule the file goes into `ceremony/late/`, `ceremony status` names it "arrived after the
outcome was endorsed", and the board opens with the endorsed outcome.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from ceremony_helpers import (
    announce_and_commit,
    make_trustees,
    other_check,
    with_answers,
    with_checks,
    with_openings,
)
from election_helpers import FAST_KDF, manifest_for
from server_helpers import running
from test_counting_board_guide import guide_block
from votecrypt_cli import exit_codes

from votecrypt.math import Group, Scalar
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.ceremony.late import LATE, late_items
from votecrypt.protocol.ceremony.messages import (
    Answer,
    Evidence,
    InvalidCeremonyMessage,
    RevealedShare,
    Signed,
)
from votecrypt.protocol.ceremony.transcript import Transcript, evaluate
from votecrypt.record.ceremony_codec import evidence_to_json, message_from_json, message_to_json
from votecrypt.service.ceremony_exchange import admit
from votecrypt.service.ceremony_late import closed, closes, closing
from votecrypt.service.ceremony_steps import (
    ceremony_finalize,
    ceremony_step,
    trustee_init,
)
from votecrypt.service.election_dir import (
    ElectionDir,
    create_election,
    load_manifest,
    load_outcome,
    load_transcript,
)
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.voting import issue, open_board
from votecrypt.storage.secret_file import load_trustee
from votecrypt.verifier.verify import verify_record
from votecrypt.web.ceremony_channel import create_ceremony_app
from votecrypt.web.ceremony_client import sync

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


def votecrypt(*args: object, code: int = 0, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [*VOTECRYPT, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    output = done.stdout + done.stderr
    assert done.returncode == code, f"{args}: exit {done.returncode}\n{output}"
    assert "Traceback" not in output
    return output


def _key(secret: Path, index: int, group: Group) -> SigningKey:
    return load_trustee(secret, f"pass-{index}", group).export_secrets().signing_key


@pytest.fixture
def finished(tmp_path: Path, group: Group) -> tuple[ElectionDir, dict[int, Path]]:
    """A 3-of-5 ceremony, finalized by everyone, the list issued: nobody endorsed yet."""
    return _finished(tmp_path, group, 3, 5)


def _finished(tmp_path: Path, group: Group, t: int, n: int) -> tuple[ElectionDir, dict[int, Path]]:
    manifest = manifest_for([("Candidate", "x")], 3, trustees=n, threshold=t)
    directory = create_election(tmp_path / "shared", manifest)
    secrets = {i: tmp_path / "private" / f"t{i}.secret" for i in range(1, n + 1)}
    for i, path in secrets.items():
        trustee_init(directory, path, i, f"pass-{i}", group, FAST_KDF)
    for step in ("commit", "open", "check", "answer"):
        for i, path in secrets.items():
            ceremony_step(directory, path, f"pass-{i}", group, step)
    for i, path in secrets.items():
        ceremony_finalize(directory, path, f"pass-{i}", group)
    issue(directory, 3)
    return directory, secrets


def _endorse(
    directory: ElectionDir, secrets: dict[int, Path], group: Group, who: list[int]
) -> None:
    view = endorsement_view(directory, group)
    for i in who:
        endorse(directory, view, secrets[i], f"pass-{i}", group, view.fingerprint)


def test_late_evidence_a_minority_files_changes_nothing_and_is_named(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group, tmp_path: Path
) -> None:
    directory, secrets = finished
    endorsed = load_outcome(directory, group)
    assert 5 in endorsed.qualified
    _endorse(directory, secrets, group, [1, 2, 3])
    assert closed(directory, group)
    # Trustee 5 signs a second check and files the evidence against itself.
    held = message_from_json(directory.message_path("check", 5).read_bytes(), group, "check")
    other = other_check(held, _key(secrets[5], 5, group), victim=1)
    shown = tmp_path / "usb" / "check-5.json"
    shown.parent.mkdir()
    shown.write_bytes(message_to_json(other))
    said = votecrypt("ceremony", "evidence", directory.root, shown)
    assert str(directory.evidence_path(5, late=True)) in said
    assert not directory.evidence_path(5).exists()
    status = votecrypt("ceremony", "status", directory.root)
    assert "The outcome is endorsed by trustees 1, 2, 3" in status
    assert (
        "Late: evidence that trustee 5 signed two different check messages arrived after the "
        "outcome was endorsed" in status
    )
    # The board opens with the endorsed outcome; trustee 5 is still a key holder in it.
    said = votecrypt("board", "open", directory.root)
    assert "Voting is open" in said and "arrived after the outcome was endorsed" in said
    assert load_outcome(directory, group) == endorsed


def test_the_guides_late_block_on_a_2_of_3_board(tmp_path: Path, group: Group) -> None:
    """docs/counting-board.md, "Files that arrive after the board signed": members 1 and 2
    signed the list; member 3 then shows a second check. The guide's commands file the
    evidence into ceremony/late/, status names it, and the board opens."""
    directory, secrets = _finished(tmp_path, group, 2, 3)
    endorsed = load_outcome(directory, group)
    _endorse(directory, secrets, group, [1, 2])
    held = message_from_json(directory.message_path("check", 3).read_bytes(), group, "check")
    usb = tmp_path / "usb"
    usb.mkdir()
    lines = [shlex.split(line) for line in guide_block("late")]
    evidence_line, status_line = lines
    shown = usb / Path(evidence_line[4]).name
    shown.write_bytes(message_to_json(other_check(held, _key(secrets[3], 3, group), victim=1)))
    args = {"bau-cu": str(directory.root), evidence_line[4]: str(shown)}
    said = votecrypt(*(args.get(word, word) for word in evidence_line[1:]))
    assert "trustee 3 signed two different check messages" in said
    status = votecrypt(*(args.get(word, word) for word in status_line[1:]))
    assert (
        "Late: evidence that trustee 3 signed two different check messages arrived after the "
        "outcome was endorsed" in status
    )
    assert "Voting is open" in votecrypt("board", "open", directory.root)
    assert load_outcome(directory, group) == endorsed and 3 in endorsed.qualified
    # The record keeps the late file beside the log; the verifier checks it and names it.
    record = tmp_path / "ho-so"
    votecrypt("board", "export", directory.root, "--out", record)
    assert (record / "ceremony-late" / "evidence-3.json").read_bytes() == (
        directory.evidence_path(3, late=True).read_bytes()
    )
    report = verify_record(record, jobs=1)
    assert report.ok and report["ceremony-messages"].status == "PASS"
    assert report.late == [f"evidence that trustee 3 signed two different check messages {LATE}"]
    said = votecrypt("verify", record, code=exit_codes.VERIFIED_SO_FAR)
    assert f"Late: evidence that trustee 3 signed two different check messages {LATE}" in said
    # A forged late file in a record fails check 5 by name; it still changes no outcome.
    forged = json.loads((record / "ceremony-late" / "evidence-3.json").read_text())
    forged["messages"][1]["signature"] = "00" * 64
    (record / "ceremony-late" / "evidence-3.json").write_text(json.dumps(forged))
    report = verify_record(record, jobs=1)
    assert report["ceremony-messages"].status == "FAIL"
    assert report["ceremony-outcome"].status == "PASS" and report.late == []


def test_a_late_answer_that_would_disqualify_its_dealer_changes_nothing(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group
) -> None:
    directory, secrets = finished
    endorsed = load_outcome(directory, group)
    _endorse(directory, secrets, group, [2, 3, 4])
    # Dealer 2 reveals a wrong share for trustee 1, through the ceremony channel's path: before
    # the endorsement it would disqualify dealer 2 and change the joint key.
    wrong = Signed.create(
        Answer(endorsed.election, 2, (RevealedShare(1, Scalar(12345)),)),
        _key(secrets[2], 2, group),
    )
    admitted = admit(directory, group, wrong)
    assert admitted.path == directory.message_path("answer", 2, late=True)
    assert not directory.message_path("answer", 2).exists()
    status = votecrypt("ceremony", "status", directory.root)
    assert f"Late: trustee 2's answer message {LATE}" in status
    # A trustee's own steps after the close publish into ceremony/late/ too, and finalizing
    # again gives the endorsed outcome.
    assert ceremony_finalize(directory, secrets[1], "pass-1", group) == endorsed
    board, _ = open_board(directory, group)
    board.close_connection()


def test_before_t_endorsements_a_new_message_still_counts(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group
) -> None:
    """Two endorsements of three needed close nothing: the evidence enters the transcript, and
    trustees that did not endorse finalize again (spec 8.9), asking for their key share to
    be replaced: `ceremony finalize` keeps a finalized share otherwise, in one line naming
    the option and with an exit code of its own (nothing written)."""
    directory, secrets = finished
    _endorse(directory, secrets, group, [1, 2])
    assert not closed(directory, group)
    held = message_from_json(directory.message_path("check", 5).read_bytes(), group, "check")
    lie = other_check(held, _key(secrets[5], 5, group), victim=1)
    admitted = admit(directory, group, lie)
    assert admitted.outcome == "evidence" and admitted.path == directory.evidence_path(5)
    before = secrets[3].read_bytes()
    said = votecrypt(
        "ceremony",
        "finalize",
        directory.root,
        "--secret",
        secrets[3],
        code=exit_codes.NOT_READY,
        env={"VOTECRYPT_PASSPHRASE": "pass-3"},
    )
    assert "--replace-share" in said and len(said.strip().splitlines()) == 1
    assert secrets[3].read_bytes() == before
    said = votecrypt(
        "ceremony",
        "finalize",
        directory.root,
        "--secret",
        secrets[3],
        "--replace-share",
        env={"VOTECRYPT_PASSPHRASE": "pass-3"},
    )
    assert load_trustee(secrets[3], "pass-3", group).outcome == evaluate(
        group, load_transcript(directory, group, load_manifest(directory))
    )
    assert 5 not in load_trustee(secrets[3], "pass-3", group).outcome.qualified


def test_a_file_copied_by_hand_into_ceremony_after_the_endorsement_is_named_by_the_board(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group, tmp_path: Path
) -> None:
    """Rule 1 and 3: a late file put into ceremony/ by hand makes the messages give another
    outcome; the board says so in one line and names the fix; moved into ceremony/late/, it
    is named and the board opens. A forged late file is refused by name and changes
    nothing."""
    directory, secrets = finished
    _endorse(directory, secrets, group, [1, 2, 3])
    held = message_from_json(directory.message_path("check", 5).read_bytes(), group, "check")
    lie = other_check(held, _key(secrets[5], 5, group), victim=1)
    evidence = Evidence.of(held, lie)
    directory.evidence_path(5).write_bytes(evidence_to_json(evidence))
    said = votecrypt("board", "open", directory.root, code=exit_codes.INVALID)
    assert "arrived after the outcome was endorsed; move it into" in said
    status = votecrypt("ceremony", "status", directory.root)
    assert "arrived after the outcome was endorsed; move it into" in status
    assert not directory.board.exists()
    directory.late.mkdir()
    shutil.move(directory.evidence_path(5), directory.evidence_path(5, late=True))
    forged = Signed(dataclasses.replace(lie.message, complaints=()), lie.signature)
    directory.message_path("check", 5, late=True).write_bytes(message_to_json(forged))
    status = votecrypt("ceremony", "status", directory.root)
    assert f"Problem: {directory.late}" in status
    directory.message_path("check", 5, late=True).unlink()
    assert "Late: evidence that trustee 5" in votecrypt("ceremony", "status", directory.root)
    assert "Voting is open" in votecrypt("board", "open", directory.root)


def _endorsed_transcript(group: Group) -> tuple[Transcript, list]:  # type: ignore[type-arg]
    trustees = make_trustees(group, 2, 3)
    transcript = with_checks(with_openings(announce_and_commit(trustees), trustees), trustees)
    return with_answers(transcript, trustees), trustees


def test_late_items_are_checked_and_named_in_order(group: Group) -> None:
    transcript, trustees = _endorsed_transcript(group)
    outcome = evaluate(group, transcript)
    key3 = trustees[2].export_secrets().signing_key
    lie = other_check(transcript.checks[3], key3, victim=1)
    answer = Signed.create(
        Answer(outcome.election, 2, (RevealedShare(1, Scalar(7)),)),
        trustees[1].export_secrets().signing_key,
    )
    late = Transcript(
        transcript.parameters,
        answers={2: answer},
        checks={1: transcript.checks[1]},  # a copy of the transcript's own: not late
        evidence={3: Evidence.of(transcript.checks[3], lie)},
    )
    assert [name for _, _, name in late_items(transcript, late)] == [
        f"trustee 2's answer message {LATE}",
        f"evidence that trustee 3 signed two different check messages {LATE}",
    ]
    # Nothing late enters the evaluation: the outcome is the endorsed one whatever is late.
    assert evaluate(group, transcript) == outcome
    forged = Signed(answer.message, transcript.checks[1].signature)
    with pytest.raises(InvalidCeremonyMessage):
        late_items(transcript, dataclasses.replace(late, answers={2: forged}))
    unannounced = dataclasses.replace(transcript, announcements={1: transcript.announcements[1]})
    with pytest.raises(InvalidCeremonyMessage, match="did not announce"):
        late_items(unannounced, dataclasses.replace(late, evidence={}))
    unsigned = Signed(lie.message, transcript.checks[1].signature)
    with pytest.raises(InvalidCeremonyMessage):
        late_items(
            transcript,
            dataclasses.replace(
                late, answers={}, evidence={3: Evidence.of(transcript.checks[3], unsigned)}
            ),
        )


def test_a_bogus_or_junk_endorsement_file_does_not_reopen_a_closed_ceremony(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group
) -> None:
    """Rule 1: anyone who can put a file into endorsements/ (trustee 5, no key needed) must
    not reopen the ceremony. Each endorsement file counts or is skipped on its own: an
    unsigned one of another list, or one that is not JSON, is named by `ceremony status`,
    and trustee 5's second check sent afterwards is still late."""
    directory, secrets = finished
    _endorse(directory, secrets, group, [1, 2, 3])
    bogus = json.loads((directory.endorsements / "credentials-1.json").read_text())
    bogus.update(trustee=5, credential_list="00" * 32, signature="00" * 64)
    (directory.endorsements / "credentials-5.json").write_text(json.dumps(bogus))
    unsigned = json.loads((directory.endorsements / "credentials-1.json").read_text())
    unsigned.update(trustee=4, signature="00" * 64)
    (directory.endorsements / "credentials-4.json").write_text(json.dumps(unsigned))
    assert closed(directory, group)
    status = votecrypt("ceremony", "status", directory.root)
    assert "The outcome is endorsed by trustees 1, 2, 3" in status
    assert f"Not counted: {directory.endorsements / 'credentials-5.json'}" in status
    assert f"Not counted: {directory.endorsements / 'credentials-4.json'}" in status
    held = message_from_json(directory.message_path("check", 5).read_bytes(), group, "check")
    lie = other_check(held, _key(secrets[5], 5, group), victim=1)
    admitted = admit(directory, group, lie)
    assert admitted.path.parent == directory.late
    (directory.endorsements / "credentials-5.json").write_text("{")
    assert closed(directory, group)
    honest = message_from_json(directory.message_path("check", 4).read_bytes(), group, "check")
    assert admit(directory, group, honest).path == directory.message_path("check", 4)
    assert "Not counted: " in votecrypt("ceremony", "status", directory.root)


#: Crafted files in ceremony/late/ (anyone who can write there): the file a refusal names
#: and its exit code, as for a file of ceremony/ that does not check.
CRAFTED = {
    "invalid JSON": ("check-1.json", exit_codes.BAD_INPUT),
    "bad signature": ("check-1.json", exit_codes.INVALID),
    "a folder": ("check-1.json", exit_codes.BAD_INPUT),
    "a symlink": ("check-1.json", exit_codes.BAD_INPUT),
    "a leading zero": ("check-01.json", exit_codes.BAD_INPUT),
}


def _craft(case: str, late: Path, directory: ElectionDir) -> None:
    late.mkdir(exist_ok=True)
    held = directory.message_path("check", 1)
    if case == "invalid JSON":
        (late / "check-1.json").write_text("{nope")
    elif case == "bad signature":
        unsigned = json.loads(held.read_text())
        unsigned["signature"] = "00" * 64
        (late / "check-1.json").write_text(json.dumps(unsigned))
    elif case == "a folder":
        (late / "check-1.json").mkdir()
    elif case == "a symlink":
        (late / "check-1.json").symlink_to(held)  # a valid message, outside the folder
    else:
        shutil.copy(held, late / "check-01.json")


def _uncraft(late: Path) -> None:
    for path in late.iterdir():
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()


def test_crafted_late_files_are_refused_by_name_and_never_published(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group, tmp_path: Path
) -> None:
    """Rule 1 and 3: board open, board export and result check every late file as status
    does; one that does not check is refused in one line naming it, and nothing is written.
    A file under another name (notes-1.json) is not a late item: never read, never
    published."""
    directory, secrets = finished
    _endorse(directory, secrets, group, [1, 2, 3])
    late = directory.late
    for case, (name, code) in CRAFTED.items():
        _craft(case, late, directory)
        status = votecrypt("ceremony", "status", directory.root)
        assert "Problem: " in status and str(late / name) in status, case
        said = votecrypt("board", "open", directory.root, code=code)
        assert str(late / name) in said and len(said.strip().splitlines()) == 1, case
        assert not directory.board.exists()
        _uncraft(late)
    (late / "notes-1.json").write_text("hello")
    assert "Voting is open" in votecrypt("board", "open", directory.root)
    record = tmp_path / "record"
    for case, (name, code) in CRAFTED.items():
        _craft(case, late, directory)
        said = votecrypt("board", "export", directory.root, "--out", record, code=code)
        assert str(late / name) in said and not record.exists(), case
        _uncraft(late)
    (late / "notes-1.json").write_text("hello")
    votecrypt("board", "export", directory.root, "--out", record)
    assert not (record / "ceremony-late").exists()
    assert verify_record(record, jobs=1)["ceremony-messages"].status == "PASS"


def test_a_late_announcement_anyone_could_sign_is_refused_everywhere(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group, tmp_path: Path
) -> None:
    """Rule 1: a late announcement "of trustee 4" or "of trustee 99", signed by a fresh key it
    announces itself, needs no trustee's key. It is not trustee 4's: status reports it as a
    problem, board open refuses it by name, and a record carrying it fails check 5 with
    nothing named late."""
    directory, secrets = finished
    _endorse(directory, secrets, group, [1, 2, 3])
    real = message_from_json(directory.message_path("announce", 4).read_bytes(), group, "announce")
    directory.late.mkdir()
    forged = {}
    for who in (4, 99):
        key = SigningKey.generate()
        message = dataclasses.replace(
            real.message, sender=who, name="Mallory", signing_key=key.verify_key
        )
        forged[who] = message_to_json(Signed.create(message, key))
    refusals = {
        4: "the late announce message of trustee 4 is not signed by its announced key",
        99: "a late announce message of trustee 99: the ceremony has trustees 1 to 5",
    }
    for who, data in forged.items():
        path = directory.message_path("announce", who, late=True)
        path.write_bytes(data)
        status = votecrypt("ceremony", "status", directory.root)
        assert f"Problem: {path}: {refusals[who]}" in status and "Late:" not in status
        said = votecrypt("board", "open", directory.root, code=exit_codes.INVALID)
        assert f"{path}: {refusals[who]}" in said
        path.unlink()
    assert "Voting is open" in votecrypt("board", "open", directory.root)
    record = tmp_path / "record"
    votecrypt("board", "export", directory.root, "--out", record)
    (record / "ceremony-late").mkdir()
    (record / "ceremony-late" / "announce-4.json").write_bytes(forged[4])
    report = verify_record(record, jobs=1)
    assert report["ceremony-messages"].status == "FAIL" and report.late == []


def test_a_member_who_did_not_endorse_files_a_late_item_it_syncs_as_late(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group, tmp_path: Path
) -> None:
    """The attack: the board's directory is closed (trustees 1, 2, 3 endorsed); trustee 5
    sends a second check to the channel, filed there as late evidence. Member 4's own copy
    holds no endorsement, so without the rule its `ceremony sync` took the evidence into
    its ceremony/ and `finalize` replaced its key share with one for another joint key.
    The channel carries the closing endorsements; member 4's copy checks them against its own
    messages, files the item under late/, and finalizes to the board's outcome."""
    directory, secrets = finished
    _endorse(directory, secrets, group, [1, 2, 3])
    endorsed = load_outcome(directory, group)
    member = ElectionDir(tmp_path / "member4")
    shutil.copytree(directory.root, member.root)
    shutil.rmtree(member.endorsements)
    held = message_from_json(directory.message_path("check", 5).read_bytes(), group, "check")
    lie = other_check(held, _key(secrets[5], 5, group), victim=1)
    with running(create_ceremony_app(directory, group)) as url:
        answer = httpx.post(
            url + "/api/v1/ceremony",
            content=message_to_json(lie),
            headers={"content-type": "application/json"},
        ).json()
        assert answer["file"] == "late/evidence-5.json"
        taken = sync(url, member, group).taken
    assert [a.path for a in taken if a.outcome != "same"] == [member.evidence_path(5, late=True)]
    assert not member.evidence_path(5).exists()
    assert ceremony_finalize(member, secrets[4], "pass-4", group) == endorsed
    assert load_trustee(secrets[4], "pass-4", group).outcome == endorsed


def test_endorsements_from_the_channel_close_only_the_transcript_they_sign(
    finished: tuple[ElectionDir, dict[int, Path]], group: Group
) -> None:
    """Rule 1: the channel cannot make an on-time message late. Endorsements close a copy
    only if t of them verify over the outcome its own messages give: forged signatures, too
    few, or endorsements of another transcript close nothing."""
    directory, secrets = finished
    _endorse(directory, secrets, group, [1, 2, 3])
    found = closing(directory, group)
    assert found is not None
    credentials, endorsements = found
    manifest = load_manifest(directory)
    transcript = load_transcript(directory, group, manifest)
    assert closes(group, transcript, found)
    forged = [dataclasses.replace(e, signature=bytes(64)) for e in endorsements]
    assert not closes(group, transcript, (credentials, forged))
    assert not closes(group, transcript, (credentials, endorsements[:2]))
    held = transcript.checks[5]
    lie = other_check(held, _key(secrets[5], 5, group), victim=1)
    other = dataclasses.replace(transcript, evidence={5: Evidence.of(held, lie)})
    assert not closes(group, other, found)
