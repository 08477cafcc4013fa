"""An observer's mirror beside the board (spec 11.12): `python -m benchmarks.mirror`.

An election of 22 candidates whose manifest names a board key and one witness is opened;
challenges are prepared in advance (one per credential). `votecrypt serve --board-key` and
`votecrypt witness follow --port` (the witness serving its mirror) each run as their own
process on 127.0.0.1, as on the day. Two things are measured:

- the **lag**: one client submits one challenge at a time to the board and, from the moment
  it has the board's receipt, asks the mirror for its tracking code every 20 ms until the
  mirror shows it (the witness must fetch it, verify it, have the board sign a checkpoint and
  cosign it: one witness round, `--interval`, plus that work);
- the **lookups** a check page makes for one ballot (the tracking code, the cosigned
  checkpoint, the inclusion proof), on the board and on the mirror, alternating, so that the
  machine's drift falls on both alike. Latency is from sending the request to reading the
  whole answer.

Reported: p50, p90 and the mean of each.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
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
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.record.ballot_codec import challenged_to_json
from votecrypt.service.voting import prepare
from votecrypt.storage.key_file import create_key_file

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
WITNESS = "observer.example"
PASSPHRASE = "benchmark passphrase of the board and the witness"
LOOKUPS = ("tracking", "cosigned", "inclusion")


def _mirror(
    board: str, key: Path, replica: Path, interval: float, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    """`votecrypt witness follow BOARD --port 0` running: the process and its mirror's URL."""
    process = subprocess.Popen(
        [*VOTECRYPT, "witness", "follow", board, "--key", str(key), "--name", WITNESS,
         "--replica", str(replica), "--interval", str(interval), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith(b"Mirror"):
        raise RuntimeError("votecrypt witness follow did not start its mirror")
    return process, line.split(b" on ")[1].strip().decode().rstrip("/")


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(values),
        "p50_ms": round(1000 * statistics.median(values), 2),
        "p90_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 2),
        "mean_ms": round(1000 * statistics.fmean(values), 2),
    }


def _lookups(client: httpx.Client, code: str) -> dict[str, float]:
    """The check page's requests for one ballot, each timed."""
    times = {}
    started = time.perf_counter()
    seq = client.get(f"/api/v1/tracking/{code}").raise_for_status().json()["seq"]
    times["tracking"] = time.perf_counter() - started
    started = time.perf_counter()
    note = client.get(f"/api/v1/checkpoint/cosigned?size={seq + 1}").raise_for_status().text
    times["cosigned"] = time.perf_counter() - started
    size = int(note.split("\n")[1])
    started = time.perf_counter()
    client.get(f"/api/v1/proof/inclusion?seq={seq}&size={size}").raise_for_status()
    times["inclusion"] = time.perf_counter() - started
    return times


def run(voters: int, interval: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        board_key = create_key_file(root / "board.secret", PASSPHRASE, "board signing key")
        witness_key = create_key_file(root / "witness.secret", PASSPHRASE, "witness key")
        setup = BoardSetup.build(
            board_key.verify_key.to_bytes(), [Witness(WITNESS, witness_key.verify_key.to_bytes())]
        )
        manifest = dataclasses.replace(
            fixtures.manifest(server_load.CANDIDATES, voters, trustees=3, threshold=2),
            board=setup,
        )
        with mock.patch.object(fixtures, "manifest", lambda *args, **kwargs: manifest):
            directory, context, codes = server_load.open_election(root / "e", voters)
        outcomes = context.manifest.outcomes()
        challenges = []
        for i, code in enumerate(codes):
            choices = [outcomes[(i + row) % len(outcomes)] for row in range(server_load.CANDIDATES)]
            prepared = prepare(context, code, choices)
            challenges.append((prepared.tracking_code, challenged_to_json(prepared.challenge())))
        env = {**os.environ, "VOTECRYPT_PASSPHRASE": PASSPHRASE}
        board_process, port = server_load._serve(
            directory,
            1,
            ("--board-key", str(root / "board.secret"), "--connections-per-address", "1000"),
            env,
        )
        board = f"http://127.0.0.1:{port}"
        mirror_process, mirror = _mirror(
            board, root / "witness.secret", root / "replica", interval, env
        )
        lag: list[float] = []
        lookups: dict[str, list[float]] = {
            f"{what}-{where}": [] for what in LOOKUPS for where in ("board", "mirror")
        }
        headers = {"content-type": "application/json"}
        try:
            with httpx.Client(base_url=board) as direct, httpx.Client(base_url=mirror) as copy:
                for code, body in challenges:
                    direct.post("/api/v1/challenges", content=body, headers=headers)
                    acknowledged = time.perf_counter()
                    while copy.get(f"/api/v1/tracking/{code}").status_code != 200:
                        if time.perf_counter() - acknowledged > 600:
                            raise RuntimeError("the mirror never showed a challenge")
                        time.sleep(0.02)
                    lag.append(time.perf_counter() - acknowledged)
                for code, _ in challenges:
                    for client, where in ((direct, "board"), (copy, "mirror")):
                        for what, seconds in _lookups(client, code).items():
                            lookups[f"{what}-{where}"].append(seconds)
        finally:
            for process in (mirror_process, board_process):
                process.terminate()
                process.wait(timeout=60)
    return {
        "machine": machine(),
        "candidates": server_load.CANDIDATES,
        "challenges": voters,
        "interval_s": interval,
        "results": {"lag": _stats(lag), **{k: _stats(v) for k, v in lookups.items()}},
    }


def table(report: dict[str, Any]) -> str:
    r = report["results"]
    lag = r["lag"]
    lines = [
        f"Lag from the board's receipt to the mirror showing the ballot (witness round "
        f"{report['interval_s']} s): p50 {lag['p50_ms']} ms, p90 {lag['p90_ms']} ms, "
        f"mean {lag['mean_ms']} ms ({lag['n']} challenges of {report['candidates']} rows)",
        "",
        "| check page's request | board p50 | p90 | mirror p50 | p90 |",
        "|---|---|---|---|---|",
    ]
    labels = {
        "tracking": "GET tracking/CODE",
        "cosigned": "GET checkpoint/cosigned",
        "inclusion": "GET proof/inclusion",
    }
    for what in LOOKUPS:
        b, m = r[f"{what}-board"], r[f"{what}-mirror"]
        lines.append(
            f"| {labels[what]} | {b['p50_ms']} ms | {b['p90_ms']} ms "
            f"| {m['p50_ms']} ms | {m['p90_ms']} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=30, help="challenges, one at a time")
    parser.add_argument("--interval", type=float, default=2.0, help="the witness's round (s)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args()
    report = run(args.voters, args.interval)
    text = table(report)
    print(text)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        args.json.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
