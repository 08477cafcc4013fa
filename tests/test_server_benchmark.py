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
    arguments += ["--hostile-voters", "2", "--hostile-ballots", "3", "--ramp", "0.5"]
    arguments += ["--rounds", "2"]
    assert server_load.main([*arguments, "--json", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "every acknowledged ballot is in the log" in printed
    results = json.loads(output.read_text(encoding="utf-8"))
    levels = [(level["transport"], level["voters"]) for level in results["levels"]]
    assert levels == [("http", 2), ("http", 3), ("tls", 2), ("tls", 3)]
    assert all(level["accepted"] == 4 and level["refused"] == 0 for level in results["levels"])
    phases = results["hostile"]
    assert [phase["phase"] for phase in phases] == ["quiet", "reader", "mix"]
    assert all(phase["accepted"] == 6 and phase["refused"] == 0 for phase in phases)
    assert all(phase["rounds"] == 2 for phase in phases)
    assert all(phase["server_rss_peak_mb"] > 0 for phase in phases)
    # The hostile clients did run (what they got depends on timing: not asserted).
    assert phases[1]["hostile_answers"] and phases[2]["hostile_answers"]
    assert "status_p99_ratio_to_quiet" in phases[2]
    assert results["ballots_in_log"] == 4 * 4 + 2 * 3 * 3
