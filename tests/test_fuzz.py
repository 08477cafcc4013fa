"""Hostile files for every command that reads one (issue 12, issue 10 item 4): mutated log
lines of a real record, mutated ballots for `board import` and `ballot submit`, and mutated
or damaged copies of every other file the CLI reads. No exit 1, no traceback, ever."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_helpers import (
    FinishedElection,
    damaged_bytes,
    dumps,
    invoke,
    log_lines,
    mutated,
    no_crash,
    rechain,
    write_log,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from votecrypt.math import secp256k1

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> FinishedElection:
    return FinishedElection(tmp_path_factory.mktemp("fuzz") / "election", secp256k1())


@pytest.fixture()
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("case")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _fresh(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target


@FUZZ
@given(data=st.data())
def test_mutated_record_lines(finished: FinishedElection, scratch: Path, data: Any) -> None:
    record = _fresh(finished.record, scratch / "record")
    entries = log_lines(record)
    index = data.draw(st.integers(0, len(entries) - 1), label="line")
    entries[index] = data.draw(mutated(entries[index]), label="entry")
    if isinstance(entries[index], dict) and data.draw(st.booleans(), label="rechain"):
        rechain(entries, index)
    write_log(record, entries)
    no_crash(invoke("verify", record, "--jobs", "1"), f"verify, line {index + 1}")


@FUZZ
@given(data=st.data())
def test_damaged_record_bytes(finished: FinishedElection, scratch: Path, data: Any) -> None:
    record = _fresh(finished.record, scratch / "record")
    name = data.draw(st.sampled_from(sorted(p.name for p in record.iterdir())), label="file")
    path = record / name
    path.write_bytes(data.draw(damaged_bytes(path.read_bytes()), label="bytes"))
    no_crash(invoke("verify", record, "--jobs", "1"), f"verify, {name}")


@FUZZ
@given(data=st.data())
def test_mutated_ballots_for_import_and_submit(
    finished: FinishedElection, scratch: Path, data: Any
) -> None:
    election = _fresh(finished.open_copy, scratch / "election")
    original = data.draw(
        st.sampled_from([finished.spare_ballot, finished.spare_challenge]), label="ballot"
    )
    ballot = data.draw(mutated(original), label="mutated")
    lines = scratch / "ballots.jsonl"
    lines.write_bytes(dumps(ballot) + b"\n" + dumps(finished.spare_ballot) + b"\n")
    result = invoke("board", "import", election, lines, "--jobs", "1")
    no_crash(result, "board import")
    assert "Accepted:" in result.output  # every line is reported, none stops the others
    single = scratch / "ballot.json"
    single.write_bytes(dumps(ballot))
    no_crash(invoke("ballot", "submit", election, single), "ballot submit")


#: Every file of an election the CLI reads (glob patterns), the commands that read it, and
#: the state of the election they run in ("finished", or "tallied": before `result`).
READERS: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "manifest.json": ("finished", (("ceremony", "status", "{e}"), ("board", "open", "{e}"))),
    "ceremony/*.json": ("finished", (("ceremony", "status", "{e}"), ("board", "open", "{e}"))),
    "credentials.json": (
        "finished",
        (("credentials", "sign", "{e}", "--secret", "{s}"), ("board", "open", "{e}")),
    ),
    "endorsements/*.json": ("finished", (("board", "open", "{e}"),)),
    "decryption/share-*.json": ("tallied", (("result", "{e}"),)),
    "private/t1.secret": (
        "finished",
        (("trustee", "decrypt", "{e}", "--secret", "{s}", "--board-hash", "{h}"),),
    ),
    "private/t1.secret.outbox/*.json": (
        "finished",
        tuple(("ceremony", step, "{e}", "--secret", "{s}") for step in ("commit", "open", "check")),
    ),
    "board.sqlite": (
        "tallied",
        (
            ("board", "status", "{e}"),
            ("board", "export", "{e}", "--out", "{o}"),
            ("result", "{e}"),
            ("board", "close", "{e}"),
        ),
    ),
}


@FUZZ
@given(data=st.data())
def test_every_file_the_cli_reads(finished: FinishedElection, scratch: Path, data: Any) -> None:
    pattern = data.draw(st.sampled_from(sorted(READERS)), label="files")
    state, commands = READERS[pattern]
    source = finished.root if state == "finished" else finished.tallied_copy
    root = _fresh(source, scratch / "election")
    path = data.draw(st.sampled_from(sorted(root.glob(pattern))), label="file")
    original = path.read_bytes()
    if path.suffix == ".json" and data.draw(st.booleans(), label="as JSON"):
        path.write_bytes(dumps(data.draw(mutated(json.loads(original)), label="value")))
    else:
        path.write_bytes(data.draw(damaged_bytes(original), label="bytes"))
    for command in commands:
        if command[:2] == ("board", "open"):
            (root / "board.sqlite").unlink(missing_ok=True)
        args = [
            part.format(
                e=root, s=root / "private" / "t1.secret", o=scratch / "out", h=finished.board_hash
            )
            for part in command
        ]
        no_crash(invoke(*args, passphrase=finished.passphrases[1]), f"{path.name}: {command}")


@FUZZ
@given(data=st.data())
def test_other_inputs(finished: FinishedElection, scratch: Path, data: Any) -> None:
    """The candidates file of `election create`, a verification checkpoint, and the codes
    file `credentials issue` finds when it is run again."""
    which = data.draw(st.sampled_from(["candidates", "checkpoint", "codes"]), label="input")
    if which == "candidates":
        candidates = scratch / "candidates.csv"
        text = 'Nguyễn Văn A,Chủ tịch\nTrần Thị B,"Phó, Chủ tịch"\n'.encode()
        candidates.write_bytes(data.draw(damaged_bytes(text), label="bytes"))
        args: list[str | Path] = [
            "election", "create", scratch / "new", "--title", "T", "--body", "B",
            "--date", "2024-01-01", "--candidates", candidates, "--trustee", "A",
            "--threshold", "1", "--ballots", "3",
        ]  # fmt: skip
    elif which == "checkpoint":
        checkpoint = scratch / "checkpoint.json"
        good = {"type": "votecrypt/verify-checkpoint", "seq": 5, "hash": "ab" * 32}
        checkpoint.write_bytes(dumps(data.draw(mutated(good), label="value")))
        args = ["verify", finished.record, "--jobs", "1", "--since", checkpoint]
    else:
        root = _fresh(finished.root, scratch / "election")
        (root / "credentials.json").unlink()
        codes = scratch / "codes.txt"
        lines = "".join(f"{n:>5}  {c}\n" for n, c in enumerate(finished.codes, 1)).encode()
        codes.write_bytes(data.draw(damaged_bytes(lines), label="bytes"))
        args = [
            "credentials",
            "issue",
            root,
            "--present",
            str(len(finished.codes)),
            "--codes-out",
            codes,
        ]
    no_crash(invoke(*args), which)
