"""Witnesses against real board servers on loopback (spec 11.10): they follow the board,
verify every entry, keep a replica, cosign only a checkpoint consistent with their last one,
publish to the board, and keep signed evidence of a split view, a forged checkpoint or a
dropped receipted ballot; a witness stopped and started again goes on from its replica."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from election_helpers import OpenElection
from server_helpers import JSON, running

from votecrypt.errors import InvalidProof
from votecrypt.math import Group
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.record.checkpoint import Checkpoint, board_note_key, open_checkpoint, sign_checkpoint
from votecrypt.record.cosignature import cosign, witness_keys
from votecrypt.record.merkle import verify_consistency
from votecrypt.record.note import NoteSignature
from votecrypt.record.receipt import check_receipt, receipt_from_plain
from votecrypt.service.election_dir import ElectionDir
from votecrypt.service.restore import restore_board
from votecrypt.service.voting import prepare
from votecrypt.service.witness import BoardFeed
from votecrypt.service.witness import Witness as Follower
from votecrypt.verifier import verify_record
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app

BOARD_KEY = SigningKey.generate()
KEYS = [SigningKey.generate() for _ in range(3)]
NAMES = [f"w{i}.example" for i in range(3)]
SETUP = BoardSetup.build(
    BOARD_KEY.verify_key.to_bytes(),
    [Witness(n, k.verify_key.to_bytes()) for n, k in zip(NAMES, KEYS, strict=True)],
    2,
)


@contextmanager
def serve(election: OpenElection, group: Group) -> Iterator[str]:
    store = SqliteBoardStore.open(election.directory, group)
    with running(create_app(store, ServerSettings(check_processes=1), BOARD_KEY)) as url:
        yield url


def opened(root: Path, group: Group) -> OpenElection:
    election = OpenElection(root, group, ballots=8, candidates=2, board=SETUP)
    election.close()
    return election


def cast(url: str, election: OpenElection, voter: int) -> tuple[Any, dict[str, Any]]:
    prepared = prepare(election.context, election.credentials[voter].code, ["high", "low"])
    body = ballot_to_json(prepared.ballot)
    answer = httpx.post(f"{url}/api/v1/ballots", content=body, headers=JSON, timeout=120)
    assert answer.status_code == 201, answer.text
    return httpx.Response(200, content=body).json(), answer.json()


def follower(i: int, replica: Path, url: str, group: Group) -> Follower:
    return Follower(NAMES[i], KEYS[i], replica, group, BoardFeed(url))


def board_key(election: OpenElection) -> Any:
    return board_note_key(election.context.hash, BOARD_KEY.verify_key.to_bytes())


def test_witnesses_cosign_publish_and_confirm_a_receipt(tmp_path: Path, fast_group: Group) -> None:
    election = opened(tmp_path / "e", fast_group)
    with serve(election, fast_group) as url:
        payload, answer = cast(url, election, 0)
        witnesses = [follower(i, tmp_path / f"w{i}", url, fast_group) for i in (0, 1)]
        steps = [w.step() for w in witnesses]
        assert all(s.cosigned is not None and s.published and s.verified for s in steps), steps
        size = steps[0].cosigned.size  # type: ignore[union-attr]
        # The replica is the board's log.
        record = httpx.get(f"{url}/api/v1/record").content
        assert (tmp_path / "w0" / "log.jsonl").read_bytes() == record
        # The board serves the checkpoint with both cosignatures...
        note = httpx.get(f"{url}/api/v1/checkpoint/cosigned").content
        # ...and the voter's entry is in it: confirmed by 2 of 3.
        seq = answer["seq"]
        proof = httpx.get(f"{url}/api/v1/proof/inclusion?seq={seq}&size={size}").json()
        receipt = receipt_from_plain(
            dict(answer["receipt"], checkpoint=note.decode(), inclusion=proof["proof"])
        )
        checked = check_receipt(receipt, payload, board_key(election), witness_keys(SETUP))
        assert checked.confirmed_by == ("w0.example", "w1.example")
        for w in witnesses:
            w.close()
    # The exported record merges the board's cosigned checkpoint with the witnesses' own
    # copies of it (same text: their lines join, no evidence) and verifies so far.
    exported = export(election.directory.root, tmp_path / "published", tmp_path / "w0")
    assert exported.returncode == 0, exported.stderr
    kept = tmp_path / "published" / "cosigned" / f"{size}.txt"
    assert all(name in kept.read_text() for name in NAMES[:2])
    assert not (tmp_path / "published" / "evidence").exists()
    record = verify_record(tmp_path / "published", jobs=1)
    assert record["board-checkpoints"].status == "PASS" and record.witnessed is not None
    assert record.witnessed["confirmed_by"] == NAMES[:2]
    # A witness's replica is a record: its cosigned checkpoint is checked too (check 24).
    replica = verify_record(tmp_path / "w0", jobs=1)
    assert replica["board-checkpoints"].status == "PASS"
    assert replica["board-checkpoints"].checked == 1 and replica.verdict == "verified-so-far"


def test_the_board_serves_each_witness_its_latest_cosigned_checkpoint(
    tmp_path: Path, fast_group: Group
) -> None:
    """Under load two witnesses seldom cosign the same checkpoint; a receipt is confirmed by
    each witness that cosigned any checkpoint holding it (spec 11.9), so the board answers
    `?witness=NAME` with that witness's latest."""
    election = opened(tmp_path / "e", fast_group)
    with serve(election, fast_group) as url:
        _, answer = cast(url, election, 0)
        w0 = follower(0, tmp_path / "w0", url, fast_group)
        first = w0.step().cosigned
        cast(url, election, 1)
        w1 = follower(1, tmp_path / "w1", url, fast_group)
        second = w1.step().cosigned
        assert first is not None and second is not None and first.size < second.size
        query = f"{url}/api/v1/checkpoint/cosigned?size={answer['seq'] + 1}"
        latest = httpx.get(query).text
        assert NAMES[1] in latest and NAMES[0] not in latest
        mine = httpx.get(f"{query}&witness={NAMES[0]}").text
        assert NAMES[0] in mine and open_checkpoint(mine.encode(), board_key(election))[0] == first
        assert httpx.get(f"{query}&witness={NAMES[2]}").status_code == 404  # not cosigned yet
        assert httpx.get(f"{query}&witness=nobody.example").status_code == 404
        assert httpx.get(f"{query}&witness=").status_code == 400
        w0.close()
        w1.close()


def test_a_witness_offline_and_back_goes_on_from_its_replica(
    tmp_path: Path, fast_group: Group
) -> None:
    election = opened(tmp_path / "e", fast_group)
    with serve(election, fast_group) as url:
        cast(url, election, 0)
        first = follower(0, tmp_path / "w0", url, fast_group)
        old = first.step().cosigned
        first.close()
        assert old is not None
        cast(url, election, 1)  # while the witness is away
        cast(url, election, 2)
        again = follower(0, tmp_path / "w0", url, fast_group)
        assert again.last == old  # read back from its replica
        step = again.step()
        assert step.cosigned is not None and step.cosigned.size == old.size + 2
        answer = httpx.get(
            f"{url}/api/v1/proof/consistency?old={old.size}&size={step.cosigned.size}"
        ).json()
        proof = [bytes.fromhex(h) for h in answer["proof"]]
        verify_consistency(old.size, step.cosigned.size, old.root, step.cosigned.root, proof)
        again.close()


class ForgingFeed(BoardFeed):
    """The board's record with a checkpoint signed by another key (a forged checkpoint)."""

    def checkpoint(self) -> bytes | None:
        real = super().checkpoint()
        assert real is not None
        checkpoint = Checkpoint.from_text(real.decode().split("\n\n")[0] + "\n")
        return sign_checkpoint(checkpoint, SigningKey.generate()).to_bytes()


def test_a_forged_checkpoint_is_not_cosigned(tmp_path: Path, fast_group: Group) -> None:
    election = opened(tmp_path / "e", fast_group)
    with serve(election, fast_group) as url:
        cast(url, election, 0)
        witness = Follower(NAMES[0], KEYS[0], tmp_path / "w0", fast_group, ForgingFeed(url))
        step = witness.step()
        assert step.cosigned is None and step.evidence is not None
        assert "refused checkpoint" in step.evidence
        assert not (tmp_path / "w0" / "cosigned.txt").exists()
        witness.close()


def test_a_forged_cosignature_is_refused_by_the_board(tmp_path: Path, fast_group: Group) -> None:
    election = opened(tmp_path / "e", fast_group)
    with serve(election, fast_group) as url:
        cast(url, election, 0)
        note_bytes = httpx.get(f"{url}/api/v1/checkpoint").content
        _, note = open_checkpoint(note_bytes, board_key(election))
        real_id = cosign(note, NAMES[2], KEYS[2], 7).key_id
        forged = cosign(note, NAMES[2], SigningKey.generate(), 7)
        bad = note.with_signature(NoteSignature(NAMES[2], real_id, forged.signature))
        answer = httpx.post(f"{url}/api/v1/cosignatures", content=bad.to_bytes())
        assert (answer.status_code, answer.json()["error"]) == (422, "bad-signature")
        stranger = note.with_signature(cosign(note, "nobody.example", SigningKey.generate(), 7))
        answer = httpx.post(f"{url}/api/v1/cosignatures", content=stranger.to_bytes())
        assert answer.status_code == 422
        assert httpx.get(f"{url}/api/v1/checkpoint/cosigned").status_code == 404
        good = note.with_signature(cosign(note, NAMES[2], KEYS[2], 7))
        answer = httpx.post(f"{url}/api/v1/cosignatures", content=good.to_bytes())
        assert answer.status_code == 201 and answer.json()["witnesses"] == [NAMES[2]]


def test_a_split_view_leaves_two_board_signed_checkpoints(
    tmp_path: Path, fast_group: Group
) -> None:
    """The operator runs two copies of the board and shows each witness its own: both
    checkpoints are signed by the board key, of one size, with different roots."""
    election = opened(tmp_path / "e", fast_group)
    shutil.copytree(tmp_path / "e", tmp_path / "copy")
    other = OpenElection.__new__(OpenElection)
    other.__dict__.update(election.__dict__)
    other.directory = type(election.directory)(tmp_path / "copy")
    with serve(election, fast_group) as one, serve(other, fast_group) as two:
        cast(one, election, 0)
        cast(two, election, 1)
        seen_one = follower(0, tmp_path / "w0", one, fast_group)
        seen_two = follower(1, tmp_path / "w1", two, fast_group)
        a, b = seen_one.step().cosigned, seen_two.step().cosigned
        assert a is not None and b is not None and a.size == b.size and a.root != b.root
        # Witness w0, shown the other history, refuses it and keeps both signed checkpoints.
        seen_one.feed = BoardFeed(two)
        step = seen_one.step()
        assert step.cosigned is None and step.evidence is not None
        evidence = tmp_path / "w0" / "evidence"
        mine = open_checkpoint((evidence / "1-a.txt").read_bytes(), board_key(election))[0]
        theirs = open_checkpoint((evidence / "1-b.txt").read_bytes(), board_key(election))[0]
        assert mine.size == theirs.size and mine.root != theirs.root
        # The verifier, given w1's cosigned checkpoint with the record of the first board,
        # names the board key that signed the other history.
        record = tmp_path / "record-one"
        record.mkdir()
        (record / "log.jsonl").write_bytes(httpx.get(f"{one}/api/v1/record").content)
        report = verify_record(
            record, jobs=1, cosigned=(tmp_path / "w1" / "cosigned.txt").read_bytes()
        )
        assert any(BOARD_KEY.verify_key.hex() in f for f in report["log-chain"].failures)
        third = follower(2, tmp_path / "w2", one, fast_group)
        assert third.step().cosigned is not None
        third.close()
        confirmed = tmp_path / "confirmed.txt"
        confirmed.write_bytes(httpx.get(f"{one}/api/v1/checkpoint/cosigned").content)
        seen_one.close()
        seen_two.close()
    # The witness that caught the split view holds the history it verified: the board is
    # rebuilt from its replica (the evidence beside it does not stop the restore), to the
    # checkpoint that it and w2 cosigned.
    trustee = tmp_path / "trustee-copy"
    shutil.copytree(
        tmp_path / "e",
        trustee,
        ignore=shutil.ignore_patterns("board.sqlite*", "private", "cosigned"),
    )
    restored = restore_board(ElectionDir(trustee), tmp_path / "w0", fast_group, confirmed)
    assert restored.cosigners == (NAMES[0], NAMES[2])
    # The record published with the witnesses' files names the key from the record alone.
    exported = export(tmp_path / "e", tmp_path / "published", tmp_path / "w0", tmp_path / "w1")
    assert exported.returncode == 0, exported.stderr
    assert sorted(p.name for p in (tmp_path / "published" / "evidence").iterdir()) == [
        "1-a.txt", "1-b.txt", "1-why.txt", "2-a.txt", "2-b.txt", "2-why.txt",
    ]  # fmt: skip
    report = verify_record(tmp_path / "published", jobs=1)
    assert report.verdict == "not-verified" and report.witnessed is not None
    assert report.witnessed["two_histories"] is True
    assert any(BOARD_KEY.verify_key.hex() in f for f in report["board-checkpoints"].failures)


COMMAND = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


def export(election: Path, out: Path, *witnesses: Path) -> subprocess.CompletedProcess[str]:
    """`votecrypt board export ELECTION --out OUT --witness REPLICA ...`, as people run it."""
    options = [a for w in witnesses for a in ("--witness", str(w))]
    return subprocess.run(
        [*COMMAND, "board", "export", str(election), "--out", str(out), *options],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database with SQLite's backup (the WAL included)."""
    with sqlite3.connect(source) as a, sqlite3.connect(target) as b:
        a.backup(b)
    a.close()
    b.close()


def test_a_dropped_receipted_ballot_is_caught(tmp_path: Path, fast_group: Group) -> None:
    """The operator puts back a copy of the board from before a receipted ballot and goes
    on: the witness and the voter's receipt both show it."""
    election = opened(tmp_path / "e", fast_group)
    saved = tmp_path / "saved.sqlite"
    with serve(election, fast_group) as url:
        cast(url, election, 0)
    copy_database(election.directory.board, saved)
    with serve(election, fast_group) as url:
        _, answer = cast(url, election, 1)
        witness = follower(0, tmp_path / "w0", url, fast_group)
        assert witness.step().cosigned is not None
        witness.close()
    copy_database(saved, election.directory.board)
    with serve(election, fast_group) as url:
        cast(url, election, 2)  # the log goes on without the receipted ballot
        witness = follower(0, tmp_path / "w0", url, fast_group)
        step = witness.step()
        assert step.cosigned is None and step.evidence is not None
        assert (tmp_path / "w0" / "evidence" / "1-why.txt").exists()
        witness.close()
        # The voter's receipt: its checkpoint and the board's new one are not consistent.
        receipt = receipt_from_plain(answer["receipt"])
        old, _ = open_checkpoint(receipt.checkpoint.encode(), board_key(election))
        new, _ = open_checkpoint(httpx.get(f"{url}/api/v1/checkpoint").content, board_key(election))
        proof = httpx.get(f"{url}/api/v1/proof/consistency?old={old.size}&size={new.size}").json()
        with pytest.raises(InvalidProof):
            verify_consistency(
                old.size, new.size, old.root, new.root, [bytes.fromhex(h) for h in proof["proof"]]
            )
    # The record alone shows it, even when the operator removed the cosigned checkpoints it
    # kept: the witness's replica brings back the one that holds the ballot.
    shutil.rmtree(election.directory.root / "cosigned")
    exported = export(election.directory.root, tmp_path / "published", tmp_path / "w0")
    assert exported.returncode == 0, exported.stderr
    report = verify_record(tmp_path / "published", jobs=1)
    assert report["board-checkpoints"].status == "FAIL" and report.verdict == "not-verified"
    assert any(BOARD_KEY.verify_key.hex() in f for f in report["board-checkpoints"].failures)
    # Without the witness's file, the record of the rewritten log has nothing to show.
    exported = export(election.directory.root, tmp_path / "alone")
    assert exported.returncode == 0, exported.stderr
    assert verify_record(tmp_path / "alone", jobs=1)["board-checkpoints"].status == "PASS"


def test_witness_init_and_follow_from_the_command_line(tmp_path: Path, fast_group: Group) -> None:
    import os
    import subprocess
    import sys

    from votecrypt.record.note import NoteKey

    command = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
    env = {**os.environ, "VOTECRYPT_PASSPHRASE": "correct horse battery staple"}
    key_file = tmp_path / "witness.secret"
    made = subprocess.run(
        [*command, "witness", "init", str(key_file), "--name", "observer.example"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    vkey = NoteKey.from_vkey(made.stdout.strip())
    setup = BoardSetup.build(BOARD_KEY.verify_key.to_bytes(), [Witness(vkey.name, vkey.public_key)])
    election = OpenElection(tmp_path / "e", fast_group, ballots=3, candidates=2, board=setup)
    election.close()
    with serve(election, fast_group) as url:
        cast(url, election, 0)
        follow = [*command, "witness", "follow", url, "--key", str(key_file)]
        options = ["--name", "observer.example", "--replica", str(tmp_path / "r"), "--once"]
        ran = subprocess.run(
            [*follow, *options], env=env, capture_output=True, text=True, timeout=300
        )
        assert ran.returncode == 0, ran.stderr
        assert "cosigned" in ran.stdout and "(published)" in ran.stdout, ran.stdout
        assert httpx.get(f"{url}/api/v1/checkpoint/cosigned").status_code == 200
        # A witness the manifest does not name is refused with one line.
        options[1] = "someone-else.example"
        options[3] = str(tmp_path / "r2")
        ran = subprocess.run(
            [*follow, *options], env=env, capture_output=True, text=True, timeout=300
        )
        assert ran.returncode == 3 and "does not name the witness" in ran.stderr, ran.stderr
        assert "Traceback" not in ran.stderr


def test_restore_after_the_server_directory_is_deleted_mid_vote(
    tmp_path: Path, fast_group: Group
) -> None:
    import os
    import subprocess
    import sys

    from votecrypt_cli import exit_codes

    command = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
    election = opened(tmp_path / "e", fast_group)
    # A trustee's copy of the election directory, without the board.
    shutil.copytree(
        tmp_path / "e",
        tmp_path / "trustee-copy",
        ignore=shutil.ignore_patterns("board.sqlite*", "private"),
    )
    with serve(election, fast_group) as url:
        cast(url, election, 0)
        _, receipted = cast(url, election, 1)
        w0, w1 = (follower(i, tmp_path / f"w{i}", url, fast_group) for i in (0, 1))
        assert w0.step().cosigned is not None and w1.step().cosigned is not None
        (tmp_path / "cosigned.txt").write_bytes(
            httpx.get(f"{url}/api/v1/checkpoint/cosigned").content
        )
        _, late = cast(url, election, 2)  # acknowledged, seen by w0 only
        assert w0.step().cosigned is not None
        w0.close()
    shutil.rmtree(tmp_path / "e")  # the server's disk is lost

    def restore(*options: str) -> subprocess.CompletedProcess[str]:
        arguments = ["board", "restore", str(tmp_path / "trustee-copy"), *options]
        return subprocess.run([*command, *arguments], capture_output=True, text=True, timeout=600)

    # w0's own cosigned.txt has one cosignature, two are needed: refused, nothing built.
    alone = restore("--from", str(tmp_path / "w0"))
    assert alone.returncode == exit_codes.INVALID and "2 needed" in alone.stderr, alone.stderr
    assert not (tmp_path / "trustee-copy" / "board.sqlite").exists()
    done = restore("--from", str(tmp_path / "w0"), "--checkpoint", str(tmp_path / "cosigned.txt"))
    assert done.returncode == 0, done.stderr
    assert "cosigned by w0.example, w1.example" in done.stdout
    assert "1 later entries come from this replica alone" in done.stdout

    restored = OpenElection.__new__(OpenElection)
    restored.__dict__.update(election.__dict__)
    restored.directory = type(election.directory)(tmp_path / "trustee-copy")
    with serve(restored, fast_group) as url:
        # Every acknowledged ballot is there, the late one too; the vote goes on.
        for answer in (receipted, late):
            found = httpx.get(f"{url}/api/v1/tracking/{answer['tracking_code']}").json()
            assert (found["seq"], found["entry_hash"]) == (answer["seq"], answer["entry_hash"])
        cast(url, election, 3)
        w1.feed = BoardFeed(url)  # the restored board's address
        step = w1.step()  # w1's replica continues on the restored board
        assert step.cosigned is not None and step.evidence is None
        w1.close()
    assert os.path.exists(tmp_path / "trustee-copy" / "board.sqlite")
