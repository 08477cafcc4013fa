"""Commands run as child processes, each with its wall time and CPU time.

The CPU time is that of the finished children (getrusage(RUSAGE_CHILDREN) before and after
waiting for one), so it counts a command's own worker processes too, and it is what a
shared machine's other jobs change least. The commands run one at a time.
"""

from __future__ import annotations

import resource
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class StepFailed(Exception):
    """A command of either side failed: the message is one line."""


@dataclass(frozen=True)
class Timed:
    name: str
    wall: float
    cpu: float

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "wall_seconds": self.wall, "cpu_seconds": self.cpu}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    name: str,
    command: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timings: list[Timed] | None = None,
) -> str:
    """Run `command`, append its times to `timings`, return its standard output; a non-zero
    exit raises StepFailed with the command's last line of error output."""
    cpu, wall = children_cpu(), time.perf_counter()
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    wall, cpu = time.perf_counter() - wall, children_cpu() - cpu
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["(no output)"]
        raise StepFailed(f"{name}: exit {done.returncode}: {lines[-1]}")
    if timings is not None:
        timings.append(Timed(name, wall, cpu))
    return done.stdout


def total(name: str, steps: Sequence[Timed]) -> Timed:
    return Timed(name, sum(s.wall for s in steps), sum(s.cpu for s in steps))
