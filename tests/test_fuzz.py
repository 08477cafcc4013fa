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


#: Every file of a finished election the CLI reads, and a command that reads it.
READERS = {
    "manifest.json": (("ceremony", "status", "{e}"), ("board", "open", "{e}")),
    "ceremony/outcome.json": (("board", "open", "{e}"),),
    "ceremony/commit-1.json": (("ceremony", "status", "{e}"), ("board", "open", "{e}")),
    "ceremony/open-2.json": (("board", "open", "{e}"),),
    "credentials.json": (("board", "open", "{e}"),),
    "decryption/share-1.json": (("result", "{e}"),),
    "private/t1.secret": (("trustee", "decrypt", "{e}", "--secret", "{s}"),),
}


@FUZZ
@given(data=st.data())
def test_every_file_the_cli_reads(finished: FinishedElection, scratch: Path, data: Any) -> None:
    name = data.draw(st.sampled_from(sorted(READERS)), label="file")
    commands = READERS[name]
    # Commands that build the board start from the election before `board open`.
    root = _fresh(finished.root, scratch / "election")
    path = root / name
    original = path.read_bytes()
    if data.draw(st.booleans(), label="as JSON"):
        path.write_bytes(dumps(data.draw(mutated(json.loads(original)), label="value")))
    else:
        path.write_bytes(data.draw(damaged_bytes(original), label="bytes"))
    for command in commands:
        if command[:2] == ("board", "open"):
            (root / "board.sqlite").unlink()
        args = [part.format(e=root, s=root / "private" / "t1.secret") for part in command]
        no_crash(invoke(*args, passphrase=finished.passphrases[1]), f"{name}: {command}")
