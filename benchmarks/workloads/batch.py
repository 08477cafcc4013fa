"""Batch verification of ballot proofs (spec 5.7) against the one-by-one reading (5.3), in
one run, alternating: one 22 x 4 ballot's proofs (the board's check), the whole record of
200 voters x 22 candidates (`verify_record`, one process) and the trustees' check before
decrypting (`check_log` up to the tally entry, one process) on the same record. CPU time of
this process (the machines are shared: wall time counts the neighbours' work).

The one-by-one figures run this tree's code with check 11 read by `check_proofs_one_by_one`
(what every verifier did before 5.7, plus comparing the carried commitments); the board's
check against an older commit is `benchmarks.alternate`.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from benchmarks import fixtures
from benchmarks.timing import Measurement
from benchmarks.workloads.election import SMOKE_KDF
from votecrypt.errors import BallotError
from votecrypt.math import secp256k1
from votecrypt.protocol.ballot import Ballot, BallotContext, check_proofs, check_proofs_one_by_one
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.credentials import issue_credentials
from votecrypt.record.reader import RecordSource
from votecrypt.service.demo import run_election
from votecrypt.verifier import ballots as chunk_checks
from votecrypt.verifier import verify_record
from votecrypt.verifier.engines import LocalEngine
from votecrypt.verifier.verify import check_log

CANDIDATES, VOTERS = 22, 200


def run(backends: list[str], quick: bool, voters: int | None = None) -> list[Measurement]:
    if "coincurve" not in backends:
        return []
    voters = voters or (12 if quick else VOTERS)
    runs = 2 if quick else 5
    rows = _ballot(runs)
    rows += _record(voters, runs=1 if quick else 3)
    return rows


@contextlib.contextmanager
def _one_by_one() -> Iterator[None]:
    """Check 11 of the verifier's chunks read one ballot at a time, by 5.3."""
    original = getattr(chunk_checks, "check_many_proofs")  # noqa: B009 (restored below)

    def each(
        ballots: Sequence[Ballot], context: BallotContext, encoded: object = None
    ) -> list[BallotError | None]:
        verdicts: list[BallotError | None] = []
        for ballot in ballots:
            try:
                check_proofs_one_by_one(ballot, context)
                verdicts.append(None)
            except BallotError as failure:
                verdicts.append(failure)
        return verdicts

    setattr(chunk_checks, "check_many_proofs", each)  # noqa: B010
    try:
        yield
    finally:
        setattr(chunk_checks, "check_many_proofs", original)  # noqa: B010


def _ballot(runs: int) -> list[Measurement]:
    group = secp256k1()
    context = fixtures.context(group, CANDIDATES, 500)
    credential = issue_credentials(context.manifest_hash, 1)[0][0]
    ballot = prepare_ballot(context, credential, [i % 4 for i in range(CANDIDATES)]).ballot
    check_proofs(ballot, context)  # the key table, once
    rows = []
    for _ in range(runs):  # alternating, one run each
        rows.append(
            _cpu(
                "ballot 22x4, 22 row proofs one by one (5.3)",
                lambda: check_proofs_one_by_one(ballot, context),
                10,
            )
        )
        rows.append(
            _cpu(
                "ballot 22x4, 22 row proofs in one batch (5.7)",
                lambda: check_proofs(ballot, context),
                10,
            )
        )
    return _merge(rows)


def _record(voters: int, runs: int) -> list[Measurement]:
    group = secp256k1()
    manifest = fixtures.manifest(CANDIDATES, voters)
    rng = random.Random(5)
    options = manifest.outcomes()
    choices = [[rng.choice(options) for _ in range(CANDIDATES)] for _ in range(voters)]
    label = f"{voters}x{CANDIDATES}"
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        record = run_election(Path(folder) / "e", group, manifest, choices, kdf=SMOKE_KDF).record

        def verify() -> None:
            if not verify_record(record, jobs=1).complete:
                raise RuntimeError("the benchmark record did not verify")

        def trustee() -> None:
            check_log(RecordSource(record), group=group, engine=LocalEngine(1), until="tally")

        for _ in range(runs):
            for name, function in (
                (f"record {label}, verify_record 1 process", verify),
                (f"record {label}, trustees' check to the tally", trustee),
            ):
                for reading, manager in (("one by one", _one_by_one), ("batched", _nothing)):
                    with manager():
                        rows.append(_once(f"{name}, {reading}", function))
    return _merge(rows)


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


def _once(operation: str, function: Callable[[], object]) -> Measurement:
    return _cpu(operation, function, 1)


def _cpu(operation: str, function: Callable[[], object], repetitions: int) -> Measurement:
    """CPU seconds per call over `repetitions` calls: one run."""
    started = time.process_time()
    for _ in range(repetitions):
        function()
    seconds = (time.process_time() - started) / repetitions
    return Measurement("batch", operation, "coincurve", repetitions, [seconds], note="CPU time")


def _merge(rows: list[Measurement]) -> list[Measurement]:
    """One measurement per operation, its runs in the order they were taken."""
    merged: dict[str, Measurement] = {}
    for row in rows:
        if row.operation in merged:
            merged[row.operation].runs.extend(row.runs)
        else:
            merged[row.operation] = row
    return list(merged.values())
