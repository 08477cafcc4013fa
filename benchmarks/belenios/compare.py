"""votecrypt side by side with Belenios 2.0 (`belenios-tool`, Debian's package).

    python -m benchmarks.belenios.compare [--voters 200] [--rounds 3] [--ballots 5]
        [--json PATH] [--table PATH]

Needs `belenios-tool` 2.x on PATH (`apt-get install belenios-tool`: Debian bookworm's
2.0+dfsg-1); nothing of Belenios is in this repository. Exit codes: 0 measured; 3
belenios-tool is not installed (one line says so, nothing is measured); 8 a command of
either side failed or a side's announced counts are not those of the ballots cast; 2 wrong
usage.

The same confidence vote in both: 22 candidates (`--candidates`), each voter rating each at
one of three levels or leaving the line blank; 5 trustees, 3 of whom decrypt. Built once,
outside the timings: the election, its keys and every ballot, cast and then closed (the
box). Then, in each round, each operation runs on Belenios and on votecrypt back to back,
the first of the two alternating from round to round so that a busy moment of the shared
machine falls on both alike:
- closed box to verified result, as the command lines run it (a fresh copy of the closed
  box each time): the encrypted tally, each decrypting trustee's checks and share, the
  combined result, and the final verification, each step its own process;
- verification of the whole record (the finished election of that round);
- one ballot prepared, and one ballot's verification.
Times are CPU seconds of the child processes (every worker process included) and wall
seconds; ratios are of CPU medians over the rounds. The load average is noted around each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.belenios import belenios_side, votecrypt_side
from benchmarks.belenios.processes import StepFailed, Timed, total
from benchmarks.machine import machine
from benchmarks.timing import human
from votecrypt.math import native
from votecrypt.primitives.passphrase import open_with_passphrase, seal_with_passphrase
from votecrypt.storage.files import write_atomic

MEASURED, NOT_INSTALLED, FAILED = 0, 3, 8
OPTIONS = ("blank", "high", "medium", "low")
REPOSITORY = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voters", type=positive, default=200)
    parser.add_argument("--candidates", type=positive, default=22)
    parser.add_argument("--rounds", type=positive, default=3)
    parser.add_argument("--ballots", type=positive, default=5, help="ballots prepared per round")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--table", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    if belenios_side.tool() is None:
        print(
            "belenios-tool 2.x is not installed: `apt-get install belenios-tool` "
            "(Debian's Belenios 2.0); nothing was measured"
        )
        return NOT_INSTALLED

    def save(results: dict[str, Any]) -> None:
        # After every round, so that an interrupted run leaves the rounds it finished.
        if args.table:
            write_atomic(args.table, render(results).encode())
        if args.json:
            write_atomic(args.json, (json.dumps(results, indent=2) + "\n").encode())

    try:
        results = compare(args.voters, args.candidates, args.rounds, args.ballots, save)
    except StepFailed as failure:
        print(f"failed: {failure}")
        return FAILED
    print(render(results), end="")
    return MEASURED


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return int(text)


@dataclass
class Run:
    """The two closed boxes, what was cast in them, and every measurement so far."""

    theirs: belenios_side.Boxes
    ours: votecrypt_side.Boxes
    choices: list[list[str]]
    expected: list[list[int]]
    ballots: int
    setup: dict[str, float]
    loads: list[tuple[str, tuple[float, float, float]]]
    samples: dict[str, dict[str, list[Timed]]] = field(default_factory=dict)
    steps: dict[str, list[list[Timed]]] = field(
        default_factory=lambda: {"belenios": [], "votecrypt": []}
    )

    def keep(self, operation: str, side: str, timed: Sequence[Timed]) -> None:
        self.samples.setdefault(operation, {}).setdefault(side, []).extend(timed)


def compare(
    voters: int,
    candidates: int,
    rounds: int,
    ballots: int,
    after_round: Callable[[dict[str, Any]], None] = lambda _: None,
) -> dict[str, Any]:
    rng = random.Random(25)
    choices = [[rng.choice(OPTIONS) for _ in range(candidates)] for _ in range(voters)]
    expected = [
        [sum(1 for ballot in choices if ballot[row] == level) for level in OPTIONS[1:]]
        for row in range(candidates)
    ]
    loads: list[tuple[str, tuple[float, float, float]]] = [("start", os.getloadavg())]
    with tempfile.TemporaryDirectory(prefix="belenios-compare-") as folder:
        root = Path(folder)
        say(f"Belenios: setting up and casting {voters} ballots (not timed)...")
        started = time.perf_counter()
        theirs = belenios_side.build(root / "belenios", choices)
        setup = {"belenios": time.perf_counter() - started}
        say(f"votecrypt: setting up and casting {voters} ballots (not timed)...")
        started = time.perf_counter()
        ours = votecrypt_side.build(root / "votecrypt", choices, candidates)
        setup["votecrypt"] = time.perf_counter() - started
        loads.append(("boxes built", os.getloadavg()))
        state = Run(theirs, ours, choices, expected, ballots, setup, loads)
        for number in range(rounds):
            say(f"round {number + 1} of {rounds}...")
            one_round(state, number, root / f"round-{number}")
            loads.append((f"round {number + 1}", os.getloadavg()))
            after_round(summary(state, number + 1))
    return summary(state, rounds)


def summary(state: Run, rounds: int) -> dict[str, Any]:
    return {
        "commit": commit(),
        "belenios_tool": belenios_side.version(),
        "machine": machine(),
        "multi_scalar_multiplication": native.status(),
        "voters": len(state.choices),
        "candidates": len(state.choices[0]),
        "rounds": rounds,
        "ballots_per_round": state.ballots,
        "setup_wall_seconds": state.setup,
        "argon2id_open_cpu_seconds": argon2id_open(),
        "load_average": [{"when": when, "1_5_15_min": list(load)} for when, load in state.loads],
        "operations": {
            operation: {side: [t.to_json() for t in timed] for side, timed in sides.items()}
            for operation, sides in state.samples.items()
        },
        "count_steps": {
            side: [[t.to_json() for t in steps] for steps in runs]
            for side, runs in state.steps.items()
        },
    }


def one_round(state: Run, number: int, work: Path) -> None:
    """Each operation on both sides back to back; Belenios first in even rounds."""
    theirs, ours = state.theirs, state.ours
    finished = {"belenios": work / "belenios", "votecrypt": work / "votecrypt"}

    def belenios_count() -> None:
        shutil.copytree(theirs.closed, finished["belenios"])
        steps, counts = belenios_side.count_to_verified_result(theirs, finished["belenios"])
        check_counts("Belenios", counts, state.expected)
        state.steps["belenios"].append(steps)
        state.keep(COUNT, "belenios", [total("count", steps)])

    def votecrypt_count() -> None:
        shutil.copytree(ours.plain, finished["votecrypt"])
        steps, counts = votecrypt_side.count_to_verified_result(finished["votecrypt"])
        check_counts("votecrypt", counts, state.expected)
        state.steps["votecrypt"].append(steps)
        state.keep(COUNT, "votecrypt", [total("count", steps)])
        shutil.copytree(ours.checked, work / "votecrypt-checked")
        steps, counts = votecrypt_side.count_to_verified_result(work / "votecrypt-checked")
        check_counts("votecrypt", counts, state.expected)
        state.keep(COUNT_CHECKED, "votecrypt", [total("count", steps)])

    def belenios_record() -> None:
        timed: list[Timed] = []
        belenios_side.verify(finished["belenios"], timed)
        state.keep(RECORD, "belenios", timed)

    def votecrypt_record() -> None:
        timed: list[Timed] = []
        votecrypt_side.verify_record(finished["votecrypt"], timed, "verify")
        state.keep(RECORD, "votecrypt", timed)
        timed = []
        votecrypt_side.verify_record(finished["votecrypt"], timed, "verify", "--jobs", "1")
        state.keep(RECORD_ONE, "votecrypt", timed)

    def belenios_ballots() -> None:
        made: list[Timed] = []
        for n in range(state.ballots):
            index = (number * state.ballots + n) % len(state.choices)
            belenios_side.generate_ballot(
                theirs.empty, theirs.keys, theirs.credentials[index], state.choices[index], made
            )
        state.keep(PREPARE, "belenios", made)
        # No command checks one ballot: the verification of 10 ballots less that of none.
        empty: list[Timed] = []
        ten: list[Timed] = []
        belenios_side.verify(theirs.empty, empty)
        belenios_side.verify(theirs.ten, ten)
        k = theirs.ballots_in_ten
        wall, cpu = (ten[0].wall - empty[0].wall) / k, (ten[0].cpu - empty[0].cpu) / k
        state.keep(CHECK, "belenios", [Timed("check", wall, cpu)])

    def votecrypt_ballots() -> None:
        made, checked = votecrypt_side.ballot_times(
            ours.plain, ours.codes, state.choices, state.ballots
        )
        state.keep(PREPARE, "votecrypt", made)
        state.keep(CHECK, "votecrypt", checked)

    pairs = [
        (belenios_count, votecrypt_count),
        (belenios_record, votecrypt_record),
        (belenios_ballots, votecrypt_ballots),
    ]
    for pair in pairs:
        for run_side in pair if number % 2 == 0 else reversed(pair):
            run_side()
    shutil.rmtree(work)


COUNT = "closed box to verified result"
COUNT_CHECKED = "closed box to verified result, after `trustee check` during voting"
RECORD = "verify the whole record"
RECORD_ONE = "verify the whole record, one process (--jobs 1)"
PREPARE = "prepare one ballot"
PREPARE_CHECKED = "prepare one ballot and check it (as `generate-ballot` does)"
CHECK = "verify one ballot"


def check_counts(side: str, counts: list[list[int]], expected: list[list[int]]) -> None:
    if counts != expected:
        raise StepFailed(f"{side}'s announced counts are not those of the ballots cast")


def render(results: dict[str, Any]) -> str:
    operations = results["operations"]
    lines = [
        f"votecrypt at commit {results['commit']}; belenios-tool {results['belenios_tool']}",
        f"{results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"Python {results['machine']['python']}; multi-scalar multiplication: "
        f"{results['multi_scalar_multiplication'].split(' (')[0]}",
        f"{results['voters']} voters x {results['candidates']} candidates, 3 of 5 trustees, "
        f"{results['rounds']} rounds; CPU seconds of the processes (median, best), and wall",
        "load average (1, 5, 15 min): "
        + "; ".join(
            f"{entry['when']} {' '.join(f'{x:.1f}' for x in entry['1_5_15_min'])}"
            for entry in results["load_average"]
        ),
        "",
        f"| {'operation':<68} | {'Belenios 2.0 CPU':>22} | {'votecrypt CPU':>22} "
        f"| {'ratio':>6} | {'wall B / v (median)':>22} |",
        f"|{'-' * 70}|{'-' * 24}|{'-' * 24}|{'-' * 8}|{'-' * 24}|",
    ]
    operations = {**operations, PREPARE_CHECKED: _prepared_and_checked(operations)}
    for operation in (PREPARE, PREPARE_CHECKED, CHECK, RECORD, RECORD_ONE, COUNT, COUNT_CHECKED):
        sides = operations.get(operation)
        if not sides:
            continue
        label = operation.replace("the whole record", f"the whole record, "
                                  f"{results['voters']} x {results['candidates']}")  # fmt: skip
        mine = _stats(sides["votecrypt"])
        against = operation if "belenios" in sides else _nearest(operation)
        theirs = _stats(operations[against]["belenios"])
        lines.append(
            f"| {label:<68} | {_pair(theirs, 'cpu'):>22} | {_pair(mine, 'cpu'):>22} "
            f"| {_ratio(theirs['cpu_median'] / mine['cpu_median']):>6} "
            f"| {human(theirs['wall_median']) + ' / ' + human(mine['wall_median']):>22} |"
        )
    lines.append("")
    lines.append("Closed box to verified result, step by step (CPU, median over the rounds):")
    for side, runs in results["count_steps"].items():
        names = [step["name"] for step in runs[0]]
        parts = [
            f"{name} {human(statistics.median(r[i]['cpu_seconds'] for r in runs))}"
            for i, name in enumerate(names)
        ]
        lines.append(f"  {side}: " + ", ".join(parts))
    lines.append(
        f"One Argon2id opening of a secret file at the default cost: "
        f"{human(results['argon2id_open_cpu_seconds'])} CPU"
    )
    return "\n".join(lines) + "\n"


def _prepared_and_checked(operations: dict[str, Any]) -> dict[str, list[dict[str, float]]]:
    """`generate-ballot` checks the ballot it made (Belenios 2.0's tool asserts it): the same
    work for votecrypt is each ballot's preparation and check, measured one after the other."""
    made, checked = operations[PREPARE]["votecrypt"], operations[CHECK]["votecrypt"]
    both = [
        {key: a[key] + b[key] for key in ("cpu_seconds", "wall_seconds")}
        for a, b in zip(made, checked, strict=True)
    ]
    return {"belenios": operations[PREPARE]["belenios"], "votecrypt": both}


def _ratio(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"


def _nearest(operation: str) -> str:
    return {COUNT_CHECKED: COUNT, RECORD_ONE: RECORD}[operation]


def _stats(timed: list[dict[str, float]]) -> dict[str, float]:
    cpu = [t["cpu_seconds"] for t in timed]
    wall = [t["wall_seconds"] for t in timed]
    return {
        "cpu_median": statistics.median(cpu),
        "cpu_best": min(cpu),
        "wall_median": statistics.median(wall),
    }


def _pair(stats: dict[str, float], kind: str) -> str:
    return f"{human(stats[kind + '_median'])} ({human(stats[kind + '_best'])})"


def argon2id_open() -> float:
    """CPU seconds of opening a secret file sealed at the default cost (each `trustee
    decrypt` opens its secret file)."""
    box = seal_with_passphrase(b"x", "benchmark", "benchmark")
    started = time.process_time()
    open_with_passphrase(box, "benchmark")
    return time.process_time() - started


def commit() -> str:
    found = subprocess.run(
        ["git", "-C", str(REPOSITORY), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    changed = subprocess.run(
        ["git", "-C", str(REPOSITORY), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    )
    head = found.stdout.strip() or "unknown"
    return head + (" (with uncommitted changes)" if changed.stdout.strip() else "")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
