"""Run the benchmarks: `python -m benchmarks.run [--only NAME] [--json PATH] [--quick]`;
`--smoke` runs every workload at its smallest size, once (the test suite does).

Prints a table (median and best seconds per operation, and the reference/fast ratio where
both backends ran) and, with --json, writes every run with a description of the machine.
Compare numbers within one run: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import server_load
from benchmarks.machine import machine
from benchmarks.timing import Measurement, human
from benchmarks.workloads import (
    ballot,
    batch,
    ceremony,
    core,
    decode,
    election,
    scale,
    tracking,
    trustee,
    witnessed,
)

Workload = Callable[..., list[Measurement]]

WORKLOADS: dict[str, tuple[Workload, str]] = {
    "core": (core.run, "per-operation costs of the group, ElGamal, proofs, discrete log"),
    "ballot": (ballot.run, "one 22-candidate x 4-option ballot: prepare, verify"),
    "batch": (batch.run, "proofs in batches (5.7) against one by one: ballot, record, trustees"),
    "ceremony": (ceremony.run, "key ceremonies 3 of 5 and 7 of 15"),
    "decode": (decode.run, "the final decode, from 95 to 100,000 voters, with its memory"),
    "election": (election.run, "500 voters x 44 candidates, ceremony to verified results"),
    "scale": (scale.run, "large electorate (default 100,000 voters x 10 candidates)"),
    "tracking": (tracking.run, "ballot track on the board and a record, indexed and not"),
    "trustee": (trustee.run, "a trustee's check before decrypting, whole and incremental"),
    "witnessed": (witnessed.run, "receipt to k of 3 witnesses' cosignatures under load"),
    "server": (server_load.run, "the board server: 10/50/200 voters, HTTP and TLS, hostile mix"),
}
DEFAULT = ("core", "ballot", "ceremony", "decode", "election", "trustee")
#: The smallest size of each sized workload for --smoke: it shows the workload runs.
SMOKE_VOTERS = {"batch": 4, "election": 6, "scale": 12, "tracking": 6, "trustee": 6, "witnessed": 6}


def table(rows: Sequence[Measurement]) -> str:
    fast = {(r.workload, r.operation): r for r in rows if r.backend == "coincurve"}
    header = ("workload", "operation", "backend", "median", "best", "ratio")
    lines = ["{:<12} {:<62} {:<10} {:>11} {:>11} {:>7}".format(*header)]
    lines.append("-" * len(lines[0]))
    for r in rows:
        ratio = ""
        if r.backend == "py_ecc" and (r.workload, r.operation) in fast:
            ratio = f"{r.median / fast[(r.workload, r.operation)].median:.0f}x"
        lines.append(
            f"{r.workload:<12} {r.operation[:62]:<62} {r.backend:<10} {human(r.median):>11} "
            f"{human(r.best):>11} {ratio:>7}"
        )
    for r in rows:
        if r.extra:
            details = ", ".join(
                f"{key.replace('_', ' ')} {value:,.1f}" for key, value in r.extra.items()
            )
            lines.append(f"  {r.operation}: {details}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", action="append", choices=sorted(WORKLOADS), help="a workload (repeatable)"
    )
    parser.add_argument("--backend", choices=["coincurve", "py_ecc", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke test")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="every workload (unless --only), smallest sizes, few repetitions: shows they run",
    )
    parser.add_argument(
        "--voters", type=int, default=None, help="voters for the election/scale workloads"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--list", action="store_true", help="list the workloads")
    args = parser.parse_args(argv)
    if args.list:
        for name, (_, text) in WORKLOADS.items():
            print(f"{name:<10} {text}")
        return 0
    backends = ["coincurve", "py_ecc"] if args.backend == "both" else [args.backend]
    rows: list[Measurement] = []
    for name in args.only or (list(WORKLOADS) if args.smoke else DEFAULT):
        function, _ = WORKLOADS[name]
        voters = args.voters or (SMOKE_VOTERS.get(name) if args.smoke else None)
        options: dict[str, object] = {"voters": voters} if name in SMOKE_VOTERS and voters else {}
        if args.smoke and name == "election":
            options["smoke"] = True
        print(f"running {name}...", file=sys.stderr, flush=True)
        rows += function(backends, args.quick or args.smoke, **options)
    about = machine()
    print(
        f"{about['cpu']}, {about['cores']} cores, Python {about['python']}, "
        f"coincurve {about['packages']['coincurve']}, py_ecc {about['packages']['py_ecc']}"
    )
    print(table(rows))
    if args.json:
        args.json.write_text(
            json.dumps({"machine": about, "results": [r.to_json() for r in rows]}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
