"""A National Assembly-sized election from ceremony to verified results: 500 voters,
44 candidates, 3 of 5 trustees, through the same services as the command line."""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

from benchmarks import fixtures
from benchmarks.timing import Measurement, once
from votecrypt.math import secp256k1
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.service.demo import run_election
from votecrypt.verifier import verify_record

VOTERS, CANDIDATES = 500, 44
SMOKE_KDF = KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024)


def run(
    backends: list[str], quick: bool, voters: int | None = None, smoke: bool = False
) -> list[Measurement]:
    """`smoke`: the trustees' secret files with a cheap Argon2id (shows the workload runs;
    its times are not those of an election)."""
    if "coincurve" not in backends:
        return []
    voters = voters or (30 if quick else VOTERS)
    candidates = 5 if quick else CANDIDATES
    group = secp256k1()
    manifest = fixtures.manifest(candidates, voters)
    rng = random.Random(3)
    options = manifest.outcomes()
    choices = [[rng.choice(options) for _ in range(candidates)] for _ in range(voters)]
    marks: list[tuple[str, float]] = []
    label = f"{voters} voters x {candidates} candidates, 3 of 5"
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        outcome = run_election(
            Path(folder) / "election",
            group,
            manifest,
            choices,
            challenges=3,
            kdf=SMOKE_KDF if smoke else None,
            progress=lambda text: marks.append((text, time.perf_counter())),
        )
        total = time.perf_counter() - started
        phases = _phases(started, marks, time.perf_counter())
        rows = [once("election", f"{label}: ceremony to results", "coincurve", total, **phases)]
        for name, seconds in phases.items():
            rows.append(once("election", f"  {name}", "coincurve", seconds))
        cores = os.cpu_count() or 1
        for jobs in sorted({1, cores}):
            started = time.perf_counter()
            report = verify_record(outcome.record, jobs=jobs)
            seconds = time.perf_counter() - started
            if not report.complete:
                raise RuntimeError("the benchmark election's record did not verify")
            rows.append(
                once(
                    "election", f"{label}: verify record, {jobs} process(es)", "coincurve", seconds
                )
            )
    return rows


def _phases(started: float, marks: list[tuple[str, float]], finished: float) -> dict[str, float]:
    """Seconds per phase from the progress messages of run_election."""
    times = {"start": started}
    for text, when in marks:
        if text.startswith("Key ceremony"):
            times["ceremony"] = when
        elif (
            text.startswith("Ballots cast")
            and text.split(": ")[1].split("/")[0] == text.split("/")[1]
        ):
            times["voting"] = when
        elif text.startswith("Voting closed"):
            times["tally"] = when
        elif text.startswith("Decryption shares"):
            times["decryption shares"] = when
    times["results and record"] = finished
    names = list(times)
    return {names[i]: times[names[i]] - times[names[i - 1]] for i in range(1, len(names))}
