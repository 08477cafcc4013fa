"""Verification of a log that grows (a witness, spec 11.10): every entry is checked once, as
it arrives, with the checks of spec 16.2 that an entry's arrival decides (the log, the setup,
every ballot's signature, proofs, credential and uniqueness, challenges).

The checks that need the whole log (the tally against the sum of the ballots, the
decryption, the results: 16-22) are not run here: a witness runs a full verification of its
replica (`verify_log`) before it cosigns a checkpoint that holds a `tally` entry or a later
one, which happens a few times per election, after voting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from votecrypt.math.group import Group
from votecrypt.verifier import verify, voting
from votecrypt.verifier.engines import LocalEngine
from votecrypt.verifier.report import VerificationReport
from votecrypt.verifier.state import Verification


class _Nothing:
    """The log source of a growing log: entries are handed in by `add`, never read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def lines(self) -> Iterator[tuple[int, bytes]]:
        return iter(())

    def read(self, name: str, max_bytes: int = 1 << 26) -> bytes | None:
        return None

    def names(self, folder: str = "") -> list[str]:
        return []  # no signed checkpoints beside the log (spec 15.1)


class GrowingLog:
    """The verifier's state over a log read in pieces, one ballot checked once (spec 11.10)."""

    def __init__(self, group: Group, path: Path, jobs: int = 1) -> None:
        self._v = Verification(
            source=_Nothing(path),
            group=group,
            engine=LocalEngine(jobs),
            since=None,
            progress=None,
            until=None,
            report=VerificationReport.empty(str(path)),
        )
        self._lines = 0

    @property
    def size(self) -> int:
        """Entries read so far."""
        return self._lines

    @property
    def phase(self) -> str:
        return self._v.phase

    @property
    def report(self) -> VerificationReport:
        return self._v.report

    @property
    def ok(self) -> bool:
        """No check of the entries read so far failed."""
        return self._v.report.ok

    @property
    def verification(self) -> Verification:
        return self._v

    def add(self, lines: Iterable[bytes]) -> None:
        """Check the next lines of the log (each a canonical JSON line with its newline);
        every ballot among them is checked before this returns."""
        for line in lines:
            self._lines += 1
            verify._line(self._v, self._lines, line)
        voting.drain(self._v)

    def close(self) -> None:
        self._v.engine.close()
