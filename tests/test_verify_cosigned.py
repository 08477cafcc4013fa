"""`votecrypt verify --since` with a board checkpoint cosigned by witnesses (spec 16.4): it
skips the proofs it covers only when the record's own board key and k of its named witnesses
signed it and the record's tree has its root; an unsigned, forged or under-cosigned one skips
nothing; a signed one whose history the record does not have fails check 2, naming the
board's key. `verify` exits 0 only for a complete record, 11 for "verified so far"."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from election_helpers import run_counts
from test_verifier import first, read_entries, replace_payload, write_record
from votecrypt_cli import exit_codes

from votecrypt.math import secp256k1
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.record.checkpoint import Checkpoint, election_origin, sign_checkpoint
from votecrypt.record.cosignature import cosign
from votecrypt.record.merkle import MerkleTree, leaf_hash
from votecrypt.record.note import NoteSignature, SignedNote
from votecrypt.service.demo import DemoOutcome
from votecrypt.verifier import verify_record

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
BOARD_KEY = SigningKey.generate()
WITNESS_KEYS = [SigningKey.generate() for _ in range(3)]
WITNESSES = [Witness(f"w{i}.example", k.verify_key.to_bytes()) for i, k in enumerate(WITNESS_KEYS)]


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> DemoOutcome:
    setup = BoardSetup.build(BOARD_KEY.verify_key.to_bytes(), WITNESSES, 2)
    root = tmp_path_factory.mktemp("cosigned") / "election"
    people = [("Nguyễn Văn A", "Chủ tịch"), ("Trần Thị B", "Phó Chủ tịch")]
    return run_counts(root, secp256k1(), people, [(1, 1, 4), (4, 2, 0)], 7, board=setup)


def checkpoint_note(election: DemoOutcome, size: int, *, key: SigningKey = BOARD_KEY) -> SignedNote:
    entries = read_entries(election.record)
    tree = MerkleTree(leaf_hash(e.hash) for e in entries)
    opened = entries[first(entries, "open")].payload["election"]
    origin = election_origin(bytes.fromhex(opened))
    return sign_checkpoint(Checkpoint(origin, size, tree.root(size)), key)


def cosigned(note: SignedNote, *witnesses: int) -> bytes:
    for i in witnesses:
        note = note.with_signature(cosign(note, WITNESSES[i].name, WITNESS_KEYS[i], 1_800_000_000))
    return note.to_bytes()


def ballots_before(election: DemoOutcome, size: int) -> int:
    return sum(e.kind in ("ballot", "challenge") for e in read_entries(election.record)[:size])


def test_a_checkpoint_cosigned_by_k_witnesses_vouches_for_its_entries(
    election: DemoOutcome,
) -> None:
    size = first(read_entries(election.record), "close")
    report = verify_record(
        election.record, jobs=1, cosigned=cosigned(checkpoint_note(election, size), 0, 2)
    )
    assert report.complete, report.lines()
    assert report.entries_trusted == ballots_before(election, size) > 0
    assert report.checkpoint is not None and "w0.example, w2.example (2 of 3)" in report.checkpoint


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("one-cosignature", "cosigned by 1 of the 3 witnesses, 2 needed"),
        ("forged-cosignature", "cosigned by 1 of the 3 witnesses, 2 needed"),
        ("not-the-board", "not a checkpoint the board signed"),
        ("unsigned", "not a checkpoint the board signed"),
    ],
)
def test_a_checkpoint_the_record_does_not_vouch_for_skips_nothing(
    election: DemoOutcome, case: str, why: str
) -> None:
    size = first(read_entries(election.record), "close")
    note = checkpoint_note(election, size)
    if case == "one-cosignature":
        data = cosigned(note, 0)
    elif case == "forged-cosignature":
        # w1's name and key ID over a signature by another key.
        valid = SignedNote(
            note.text, (*note.signatures, cosign(note, "w0.example", WITNESS_KEYS[0], 5))
        )
        stranger = cosign(note, "w1.example", SigningKey.generate(), 5)
        real_id = cosign(note, "w1.example", WITNESS_KEYS[1], 5).key_id
        data = valid.with_signature(
            NoteSignature("w1.example", real_id, stranger.signature)
        ).to_bytes()
    elif case == "not-the-board":
        data = cosigned(checkpoint_note(election, size, key=SigningKey.generate()), 0, 1, 2)
    else:
        data = note.text.encode() + b"\n\xe2\x80\x94 someone AAAAAAAA\n"
    report = verify_record(election.record, jobs=1, cosigned=data)
    assert report.complete
    assert report.entries_trusted == 0
    assert report.checkpoint is not None and why in report.checkpoint, report.checkpoint


def test_a_rewritten_history_against_a_cosigned_checkpoint_fails_naming_the_board_key(
    election: DemoOutcome, tmp_path: Path
) -> None:
    entries = read_entries(election.record)
    size = first(entries, "close")
    data = cosigned(checkpoint_note(election, size), 0, 1)
    rewritten = [copy.deepcopy(e) for e in entries]
    i = first(rewritten, "ballot", 1)
    payload = copy.deepcopy(rewritten[i].payload)
    payload["signature"] = "00" * 64
    replace_payload(rewritten, i, payload)
    report = verify_record(write_record(tmp_path / "rewritten", rewritten), jobs=1, cosigned=data)
    failures = report["log-chain"].failures
    assert any(BOARD_KEY.verify_key.hex() in f and "another history" in f for f in failures)
    assert not report.ok
    # A dropped ballot: the log cut before the checkpoint's size.
    short = write_record(tmp_path / "short", entries[: size - 2], rechain=False)
    report = verify_record(short, jobs=1, cosigned=data)
    assert any(
        "fewer" in f and BOARD_KEY.verify_key.hex() in f for f in report["log-chain"].failures
    )


def test_the_forged_checkpoint_of_a_rewritten_log_no_longer_passes(
    election: DemoOutcome, tmp_path: Path
) -> None:
    """The attack of the issue: a forger who rewrites a ballot and hands the verifier a
    checkpoint of the forged head. Before, the proofs up to it were skipped and the record
    was VERIFIED; an unsigned checkpoint now skips nothing."""
    entries = read_entries(election.record)
    rewritten = [copy.deepcopy(e) for e in entries]
    i = first(rewritten, "ballot", 1)
    payload = copy.deepcopy(rewritten[i].payload)
    payload["signature"] = "00" * 64
    replace_payload(rewritten, i, payload)
    record = write_record(tmp_path / "forged", rewritten)
    head = json.loads((record / "log.jsonl").read_bytes().splitlines()[-1])
    forged = tmp_path / "forged.json"
    forged.write_text(
        json.dumps(
            {"type": "votecrypt/verify-checkpoint", "seq": head["seq"], "hash": head["hash"]}
        )
    )
    result = subprocess.run(
        [*VOTECRYPT, "verify", str(record), "--jobs", "1", "--since", str(forged), "--json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == exit_codes.VERIFY_FAILED, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "not-verified" and report["entries_trusted"] == 0
    assert "ballot-signatures" in {c["name"] for c in report["checks"] if c["status"] == "FAIL"}


def test_verify_exits_0_only_for_a_complete_record_and_11_for_verified_so_far(
    election: DemoOutcome, tmp_path: Path
) -> None:
    entries = read_entries(election.record)
    note = tmp_path / "checkpoint.txt"
    note.write_bytes(cosigned(checkpoint_note(election, first(entries, "close")), 1, 2))

    def cut(name: str, end: int) -> Path:
        return write_record(tmp_path / name, entries[:end], rechain=False)

    so_far = (exit_codes.VERIFIED_SO_FAR, "verified-so-far")
    cases = {
        "complete": (election.record, (exit_codes.OK, "verified")),
        "so-far": (cut("open", first(entries, "close")), so_far),
        "no-results": (cut("no-results", first(entries, "results")), so_far),
        "empty": (cut("empty", 0), so_far),
    }
    for name, (record, (code, verdict)) in cases.items():
        command = [*VOTECRYPT, "verify", str(record), "--jobs", "1", "--json"]
        if name == "complete":
            command += ["--since", str(note)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert result.returncode == code, (name, result.stderr)
        report = json.loads(result.stdout)
        assert report["verdict"] == verdict, name
        if name == "complete":
            assert report["checkpoint"].startswith("cosigned by w1.example, w2.example")
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a checkpoint\n", encoding="utf-8")
    command = [*VOTECRYPT, "verify", str(election.record), "--since", str(garbage)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == exit_codes.BAD_INPUT and "Traceback" not in result.stderr
