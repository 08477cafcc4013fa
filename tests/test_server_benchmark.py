"""The server load benchmark runs end to end on a tiny load and checks its own results (the
numbers are measured in benchmarks/, never asserted here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import server_load


def test_the_load_benchmark_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "server.json"
    arguments = ["--ballots", "4", "--levels", "2", "3", "--workers-pool", "1"]
    assert server_load.main([*arguments, "--json", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "every acknowledged ballot is in the log" in printed
    results = json.loads(output.read_text(encoding="utf-8"))
    assert [level["voters"] for level in results["levels"]] == [2, 3]
    assert all(level["accepted"] == 4 and level["refused"] == 0 for level in results["levels"])
    assert results["ballots_in_log"] == 8
