"""The witnessed board under load, in the runner's table: the time from a ballot's receipt
to 2 and to 3 of its 3 witnesses' cosignatures while voters send ballots as fast as the
server answers, and each witness's CPU per ballot (benchmarks/transparency.py, where the
full run with a meeting's pace and the proof sizes lives)."""

from __future__ import annotations

from benchmarks.timing import Measurement
from benchmarks.transparency import NEEDED, cosigning


def run(backends: list[str], quick: bool, voters: int | None = None) -> list[Measurement]:
    ballots = voters or (40 if quick else 400)
    concurrent = min(50, max(1, ballots // 2))
    result = cosigning(ballots, concurrent, interval=0.5 if quick else 2.0)
    rows = []
    for k in (NEEDED, 3):
        waits = result[f"to_{k}_of_3_all"]
        if waits:
            rows.append(
                Measurement(
                    "witnessed",
                    f"receipt to {k} of 3 cosignatures ({ballots} ballots, {concurrent} voters)",
                    "coincurve",
                    1,
                    waits,
                    extra={"ballots_per_second": result["ballots_per_second"]},
                )
            )
    rows.append(
        Measurement(
            "witnessed",
            "witness CPU per ballot (each of 3)",
            "coincurve",
            1,
            result["witness_cpu_per_ballot"],
            extra={"receipt_bytes": result["receipt_bytes_mean"]},
        )
    )
    return rows
