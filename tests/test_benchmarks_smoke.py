"""The benchmark runner works: a quick run of the core workload prints its table and writes
well-formed JSON (the numbers themselves are measured in benchmarks/, not asserted here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.run import main


def test_quick_core_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "results.json"
    assert main(["--only", "core", "--backend", "coincurve", "--quick", "--json", str(output)]) == 0
    table = capsys.readouterr().out
    assert "4-option row: verify" in table and "coincurve" in table
    data = json.loads(output.read_text())
    assert data["machine"]["cores"] >= 1 and data["machine"]["packages"]["coincurve"]
    rows = data["results"]
    assert {row["workload"] for row in rows} == {"core"}
    assert all(row["seconds_per_operation"]["min"] > 0 for row in rows)
    assert all(len(row["seconds_per_operation"]["runs"]) >= 2 for row in rows)


def test_smoke_runs_every_workload(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `python -m benchmarks.run --smoke`: every workload at its smallest size, so that none of
    # them breaks unnoticed (the scale workload once failed at board open for months).
    from benchmarks.run import WORKLOADS

    output = tmp_path / "smoke.json"
    assert main(["--smoke", "--backend", "coincurve", "--json", str(output)]) == 0
    rows = json.loads(output.read_text())["results"]
    assert {row["workload"] for row in rows} >= set(WORKLOADS) - {"ballot"}
    assert any(row["workload"].startswith("ballot") for row in rows)
    decodes = [row for row in rows if row["workload"] == "decode"]
    assert decodes and all("peak_memory_growth_mib" in row["extra"] for row in decodes)
    assert "verify record" in capsys.readouterr().out


def test_tiny_tracking_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "tracking", "--backend", "coincurve", "--voters", "12"]) == 0
    table = capsys.readouterr().out
    assert "board, indexed hit (12 ballots)" in table
    assert "record, tracking-index.txt hit (12 ballots)" in table


def test_list_names_every_workload(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out
    for name in ("core", "ballot", "ceremony", "election", "scale"):
        assert name in listed


def test_profile_counts_the_library_calls_of_a_ballot_check() -> None:
    from benchmarks import profile
    from votecrypt.math import native

    ballots = 2
    stats = profile.profile(ballots)
    calls = {name: entry[1] for (_, _, name), entry in stats.stats.items()}  # type: ignore[attr-defined]
    # Row proofs carry their commitments (spec 5.4): none is recomputed (no recovery of z*G -
    # c*alpha), and a ballot's equations fold into one multi-scalar multiplication (5.7): one
    # call of the native accelerator where it is built, else one sum of all the products. No
    # constant-time multiplication (ECDH): the check handles public values only.
    assert "<built-in method _libsecp256k1.secp256k1_ecdsa_recover>" not in calls
    assert "<built-in method _libsecp256k1.secp256k1_ecdh>" not in calls
    if native.load() is not None:
        in_native = {n: e[1] for (f, _, n), e in stats.stats.items() if f.endswith("native.py")}  # type: ignore[attr-defined]
        assert in_native["multiply"] == ballots
        # the C call has a function of its own, which the report counts as the library's
        assert in_native["_secp256k1_ecmult_multi_var"] == ballots
    else:
        assert calls["<built-in method _libsecp256k1.secp256k1_ec_pubkey_combine>"] == ballots
    # Each row's ciphertexts and commitments are encoded once, for the ballot hash and the
    # row's challenge: one encode_point_pairs for the ciphertexts and one per branch.
    from benchmarks.profile import CANDIDATES

    pairs = {n: e[1] for (f, _, n), e in stats.stats.items() if f.endswith("encoding.py")}  # type: ignore[attr-defined]
    assert pairs["_point_pairs"] == ballots * CANDIDATES * (1 + 4)
    text = profile.report(stats, ballots)
    assert "in libsecp256k1:" in text and "everything else:" in text
    if native.load() is not None:
        library = float(text.splitlines()[1].split(":")[1].split("ms")[0])
        assert library > 0  # the native call is counted as the library's time


def test_the_python_side_of_the_browser_benchmark_prepares_ballots() -> None:
    # The browser benchmark's own election stands in for a ballot context; it must keep up
    # with what the booth needs from one.
    from benchmarks import booth_browser

    times = booth_browser.python_times(booth_browser.bench_election(3), warmups=0, runs=2)
    assert len(times) == 2 and all(t > 0 for t in times)


def test_alternate_runs_two_trees(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `python -m benchmarks.alternate OTHER_TREE`: here this tree against itself, one round.
    from benchmarks import alternate

    output = tmp_path / "alternate.json"
    assert (
        alternate.main(
            [
                str(alternate.HERE),
                "--rounds",
                "1",
                "--checks",
                "1",
                "--runs",
                "1",
                "--json",
                str(output),
            ]
        )
        == 0
    )
    rounds = json.loads(output.read_text())["rounds"]
    assert [r["tree"] for r in rounds] == ["other", "this"]
    assert all(r["decode"]["lanes"] == 2 and r["check"]["submission"][0] > 0 for r in rounds)
    assert "decode 10,000 x 5" in capsys.readouterr().out


def test_the_station_hop_benchmark_runs() -> None:
    from benchmarks import station_hop

    report = station_hop.run(voters=4, status_calls=2)
    results = report["results"]
    assert results["ballot"]["n"] == results["ballot-hop"]["n"] == 2
    assert results["status-hop"]["n"] == 2 and results["ballot-extra"]["ratio"] > 0
    assert "through a station" in station_hop.table(report)


def test_the_mirror_benchmark_runs() -> None:
    from benchmarks import mirror

    report = mirror.run(voters=2, interval=0.2)
    results = report["results"]
    assert results["lag"]["n"] == 2 and results["lag"]["p50_ms"] > 0
    assert results["inclusion-mirror"]["n"] == results["tracking-board"]["n"] == 2
    assert "mirror p50" in mirror.table(report)


def test_the_browser_benchmark_runs_against_another_checkout(tmp_path: Path) -> None:
    # `python -m benchmarks.booth_browser --against CHECKOUT`: here this tree against itself,
    # one small ballot, one run each, in Debian's Chromium.
    from benchmarks import booth_browser

    if not Path(booth_browser.CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    output = tmp_path / "booth.json"
    root = Path(booth_browser.__file__).resolve().parent.parent
    arguments = ["--sizes", "2", "--warmups", "0", "--runs", "1", "--against", str(root)]
    assert booth_browser.main([*arguments, "--json", str(output)]) == 0
    (result,) = json.loads(output.read_text())["results"]
    assert result["rows"] == 2
    assert len(result["chromium"]) == len(result["chromium_other"]) == 1
    assert all(t > 0 for t in result["chromium"] + result["chromium_other"])


def test_the_transparency_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    # `python -m benchmarks.transparency`: its imports broke once without anyone noticing.
    from benchmarks import transparency

    assert transparency.main(["--warmups", "0", "--runs", "1", "--voters", "3"]) == 0
    assert "Receipt check, Python" in capsys.readouterr().out
