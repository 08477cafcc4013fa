"""Timing helpers: warm up, run several times, keep every run; report median and minimum."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Measurement:
    """One row of the results table: seconds per operation over several runs."""

    workload: str
    operation: str
    backend: str
    repetitions: int
    runs: list[float] = field(default_factory=list)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def best(self) -> float:
        return min(self.runs)

    def to_json(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "operation": self.operation,
            "backend": self.backend,
            "repetitions": self.repetitions,
            "seconds_per_operation": {"median": self.median, "min": self.best, "runs": self.runs},
            "note": self.note,
            **({"extra": self.extra} if self.extra else {}),
        }


def measure(
    workload: str,
    operation: str,
    backend: str,
    function: Callable[[], object],
    *,
    repetitions: int,
    runs: int = 5,
    warmup: int = 1,
    note: str = "",
) -> Measurement:
    """Seconds per call of `function`, measured `runs` times over `repetitions` calls."""
    for _ in range(warmup):
        function()
    result = Measurement(workload, operation, backend, repetitions, note=note)
    for _ in range(runs):
        started = time.perf_counter_ns()
        for _ in range(repetitions):
            function()
        result.runs.append((time.perf_counter_ns() - started) / 1e9 / repetitions)
    return result


def once(
    workload: str, operation: str, backend: str, seconds: float, note: str = "", **extra: Any
) -> Measurement:
    """A measurement of something run a single time (a whole election, a ceremony)."""
    return Measurement(workload, operation, backend, 1, [seconds], note, dict(extra))


def human(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"
