"""Check 24 (spec 16.2): the record keeps the checkpoints the board signed and the
witnesses cosigned, and a witness's evidence (15.1); the verifier reads them alone, checks
every signature and cosignature, and names the board key when the log is not the history the
board signed. The vectors are in spec/vectors/election (records/witnessed, tampered/witnessed-*)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from votecrypt.verifier import verify_record

ELECTION = Path(__file__).resolve().parent.parent / "spec" / "vectors" / "election"
WITNESSED = ELECTION / "records" / "witnessed"
BOARD_KEY = json.loads((WITNESSED / "manifest.json").read_text())["board"]["key"]
COMMAND = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


def _verify_json(record: Path) -> tuple[int, dict[str, object], str]:
    run = subprocess.run(
        [*COMMAND, "verify", str(record), "--json", "--jobs", "1"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return run.returncode, json.loads(run.stdout), run.stderr


def test_the_witnessed_record_verifies_and_says_who_confirmed_it() -> None:
    code, report, _ = _verify_json(WITNESSED)
    assert code == 0 and report["verdict"] == "verified"
    witnessed = report["witnessed"]
    assert witnessed == {
        "checkpoints": 2,
        "witnesses": 3,
        "needed": 2,
        "confirmed_size": 25,
        "confirmed_by": ["w1.example", "w2.example", "w3.example"],
        "board_key": BOARD_KEY,
        "two_histories": False,
    }


@pytest.mark.parametrize(
    ("case", "two_histories"),
    [
        ("witnessed-split-view", True),
        ("witnessed-dropped-ballot", True),
        ("witnessed-forged-cosignature", False),
        ("witnessed-other-signer", False),
    ],
)
def test_verify_names_the_board_key_only_when_it_signed_two_histories(
    case: str, two_histories: bool
) -> None:
    code, report, stderr = _verify_json(ELECTION / "tampered" / case)
    assert code == 8 and len(stderr.splitlines()) == 1 and "Traceback" not in stderr
    check = next(c for c in report["checks"] if c["number"] == 24)  # type: ignore[union-attr]
    assert check["status"] == "FAIL"
    named = any(BOARD_KEY in failure for failure in check["failures"])
    assert named is two_histories
    if two_histories:
        assert report["witnessed"]["two_histories"] is True  # type: ignore[index]
        assert report["witnessed"]["board_key"] == BOARD_KEY  # type: ignore[index]


def test_the_checkpoints_are_read_from_an_archive_too(tmp_path: Path) -> None:
    archive = tmp_path / "record.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((ELECTION / "tampered" / "witnessed-split-view").rglob("*")):
            if path.is_file():
                name = path.relative_to(ELECTION / "tampered" / "witnessed-split-view")
                zipped.write(path, f"top/{name}")
    report = verify_record(archive, jobs=1)
    assert report["board-checkpoints"].checked == 4
    assert any(BOARD_KEY in f for f in report["board-checkpoints"].failures)


def test_a_log_cut_before_open_with_a_signed_checkpoint_fails(tmp_path: Path) -> None:
    """Cutting the log before `open` does not make the board's signed checkpoints go away:
    every checkpoint is of a log that holds `open` (spec 11.7)."""
    record = tmp_path / "record"
    shutil.copytree(WITNESSED, record)
    lines = (record / "log.jsonl").read_bytes().splitlines(keepends=True)
    (record / "log.jsonl").write_bytes(b"".join(lines[:3]))
    report = verify_record(record, jobs=1)
    assert report["board-checkpoints"].status == "FAIL"
    assert report.verdict == "not-verified"
    shutil.rmtree(record / "cosigned")
    assert verify_record(record, jobs=1)["board-checkpoints"].status == "SKIP"


def test_a_note_in_a_record_whose_manifest_names_no_board_fails(tmp_path: Path) -> None:
    record = tmp_path / "record"
    shutil.copytree(ELECTION / "record", record)
    (record / "cosigned").mkdir()
    shutil.copy(WITNESSED / "cosigned" / "25.txt", record / "cosigned" / "25.txt")
    report = verify_record(record, jobs=1)
    assert report["board-checkpoints"].failures == [
        "the manifest names no board key, yet the record holds 1 signed checkpoint(s): none "
        "can be the board's"
    ]


def test_a_cosigned_file_under_another_size_and_garbage_evidence_fail(tmp_path: Path) -> None:
    record = tmp_path / "record"
    shutil.copytree(WITNESSED, record)
    (record / "cosigned" / "25.txt").rename(record / "cosigned" / "24.txt")
    (record / "evidence").mkdir()
    (record / "evidence" / "1-a.txt").write_bytes(b"")  # the witness had cosigned nothing
    (record / "evidence" / "1-b.txt").write_bytes(b"not a note\n")
    (record / "evidence" / "1-why.txt").write_bytes(b"anything\n")  # for people, not read
    (record / "evidence" / "2-a.txt").write_bytes(b"x" * (1 << 17))  # larger than a note
    failures = verify_record(record, jobs=1)["board-checkpoints"].failures
    assert len(failures) == 3, failures
    assert failures[0].startswith("evidence/2-a.txt cannot be read as a signed note")
    assert failures[1].startswith("cosigned/24.txt holds a checkpoint of 25 entries")
    assert failures[2].startswith("evidence/1-b.txt is not a checkpoint signed by the board key")
