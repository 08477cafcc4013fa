"""The extra hop of a voting station (spec 17.7): `python -m benchmarks.station_hop`.

An election of 22 candidates whose manifest approves the installed booth is opened; ballots
are prepared in advance (one per credential); `votecrypt serve` and `votecrypt station` run as
their own processes on 127.0.0.1, as on the day (the station on the voter's laptop, the board
on the server). One client, on one keep-alive connection to each, as a station submits one
voter at a time, alternates: a ballot straight to the board, a ballot through the station,
and the same for GET /api/v1/status (the booth's lightest call), so that the machine's drift
falls on both alike. Latency is from sending the request to reading the whole answer (for a
ballot: the receipt, sent after the append has committed). Reported: p50, p90, p99 and the
mean of each, and the difference and ratio of the medians (the hop's cost).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import httpx

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import fixtures, server_load
from benchmarks.machine import machine
from votecrypt.service.installed_booth import installed_booth

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


def _station(board: str) -> tuple[subprocess.Popen[bytes], str]:
    """`votecrypt station BOARD` on a free port, once it has verified the board."""
    process = subprocess.Popen(
        [*VOTECRYPT, "station", board, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(b"Open http://127.0.0.1:"):
            url = line.split()[1].decode().rstrip("/")
            break
    else:
        raise RuntimeError("votecrypt station did not start")
    deadline = time.monotonic() + 120
    while httpx.get(f"{url}/station/status", timeout=60).json()["state"] != "ready":
        if time.monotonic() > deadline:
            raise RuntimeError("the station did not verify the board")
        time.sleep(0.1)
    return process, url


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "n": len(values),
        "p50_ms": round(1000 * statistics.median(values), 2),
        "p90_ms": round(1000 * at(0.90), 2),
        "p99_ms": round(1000 * at(0.99), 2),
        "mean_ms": round(1000 * statistics.fmean(values), 2),
    }


def run(voters: int, status_calls: int) -> dict[str, Any]:
    manifest = fixtures.manifest(server_load.CANDIDATES, voters, trustees=3, threshold=2)
    manifest = dataclasses.replace(manifest, booth=installed_booth().pin)
    with (
        tempfile.TemporaryDirectory() as folder,
        # server_load's election, with a manifest that approves the installed booth.
        mock.patch.object(fixtures, "manifest", lambda *args, **kwargs: manifest),
    ):
        directory, context, codes = server_load.open_election(Path(folder) / "e", voters)
        ballots = server_load.prepare_ballots(context, codes)
        board_process, port = server_load._serve(
            directory, 1, ("--connections-per-address", "1000")
        )
        board = f"http://127.0.0.1:{port}"
        station_process, station = _station(board)
        times: dict[str, list[float]] = {
            k: [] for k in ("ballot", "ballot-hop", "status", "status-hop")
        }
        headers = {"content-type": "application/json"}
        try:
            with httpx.Client(base_url=board) as direct, httpx.Client(base_url=station) as hop:
                for client in (direct, hop):
                    client.get("/api/v1/status")  # warm the connection
                for i, body in enumerate(ballots):
                    client, key = (direct, "ballot") if i % 2 == 0 else (hop, "ballot-hop")
                    started = time.perf_counter()
                    answer = client.post("/api/v1/ballots", content=body, headers=headers)
                    times[key].append(time.perf_counter() - started)
                    if answer.status_code != 201:
                        raise RuntimeError(f"ballot {i}: {answer.status_code} {answer.text}")
                for i in range(2 * status_calls):
                    client, key = (direct, "status") if i % 2 == 0 else (hop, "status-hop")
                    started = time.perf_counter()
                    client.get("/api/v1/status").raise_for_status()
                    times[key].append(time.perf_counter() - started)
        finally:
            for process in (station_process, board_process):
                process.terminate()
                process.wait(timeout=60)
    results = {key: _stats(values) for key, values in times.items()}
    for what in ("ballot", "status"):
        direct_p50, hop_p50 = results[what]["p50_ms"], results[f"{what}-hop"]["p50_ms"]
        results[f"{what}-extra"] = {
            "p50_ms": round(hop_p50 - direct_p50, 2),
            "ratio": round(hop_p50 / direct_p50, 2),
        }
    return {
        "machine": machine(),
        "candidates": server_load.CANDIDATES,
        "ballots": voters,
        "results": results,
    }


def table(report: dict[str, Any]) -> str:
    r = report["results"]
    lines = [
        "| request | direct p50 | p90 | p99 | through a station p50 | p90 | p99 | extra (p50) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for what, label in (("ballot", "POST a ballot (22 rows)"), ("status", "GET status")):
        d, h, x = r[what], r[f"{what}-hop"], r[f"{what}-extra"]
        lines.append(
            f"| {label} | {d['p50_ms']} ms | {d['p90_ms']} ms | {d['p99_ms']} ms "
            f"| {h['p50_ms']} ms | {h['p90_ms']} ms | {h['p99_ms']} ms "
            f"| +{x['p50_ms']} ms (x{x['ratio']}) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=300, help="ballots, half of them through")
    parser.add_argument("--status-calls", type=int, default=300, help="status calls each way")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args()
    report = run(args.voters, args.status_calls)
    text = table(report)
    print(text)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        args.json.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
