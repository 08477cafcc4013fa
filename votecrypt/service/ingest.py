"""Bulk submission of ballots to the board, the expensive checks on a process pool
(spec 11.3): front-ends that collected ballots elsewhere, and large elections.

Signatures and proofs (steps 1-4 of spec 11.3) are checked in worker processes, the proofs of
a chunk in one batch (spec 5.7); the checks that depend on the board's state and the append
(steps 5-9) run in this process, in the order the ballots were given.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from votecrypt.errors import BallotError, EncodingError
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.ballot import (
    Ballot,
    EncodedRows,
    check_many_proofs,
    check_shape,
    check_signature,
)
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.ballot_codec import ballot_from_plain
from votecrypt.storage.board import BulletinBoard

CHUNK = 16

Checked = list[tuple[int, Ballot | None, str, str]]


@dataclass
class IngestReport:
    """How many ballots were accepted, and every rejection: (position, reason, detail)."""

    accepted: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)


def _check(context: ElectionContext, chunk: list[tuple[int, Any]]) -> Checked:
    """Steps 1-4 of spec 11.3 for a chunk: each ballot's decoding, election, shape and
    signature, then the proofs of those that passed in one batch (spec 5.7), each ballot
    refused with the reason `check_ballot` gives it."""
    checked: Checked = []
    proven: list[tuple[int, EncodedRows]] = []
    for position, plain in chunk:
        if plain is None:  # a blank line: nothing to check or report
            continue
        if isinstance(plain, EncodingError):  # the line is not JSON: report it, go on
            checked.append((position, None, reasons.MALFORMED, str(plain)))
            continue
        try:
            ballot = ballot_from_plain(plain, context.group)
            check_shape(ballot, context)
            encoded = EncodedRows(ballot)
            check_signature(ballot, encoded)
        except EncodingError as error:
            checked.append((position, None, reasons.MALFORMED, str(error)))
        except BallotError as error:
            checked.append((position, None, error.reason, error.detail))
        else:
            proven.append((len(checked), encoded))
            checked.append((position, ballot, "", ""))
    failures = check_many_proofs(
        [encoded.ballot for _, encoded in proven], context, [encoded for _, encoded in proven]
    )
    for (index, _), failure in zip(proven, failures, strict=True):
        if failure is not None:
            checked[index] = (checked[index][0], None, failure.reason, failure.detail)
    return checked


_CONTEXT: ElectionContext | None = None


def _init(context: ElectionContext) -> None:
    global _CONTEXT
    _CONTEXT = context


def _check_in_worker(chunk: list[tuple[int, Any]]) -> Checked:
    if _CONTEXT is None:
        raise RuntimeError("worker not initialised")
    return _check(_CONTEXT, chunk)


def _chunks(documents: Iterable[Any]) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for position, plain in enumerate(documents):
        chunk.append((position, plain))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ingest_ballots(
    board: BulletinBoard,
    context: ElectionContext,
    documents: Iterable[Any],
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Check and append every ballot (plain JSON values, the EncodingError of a line that
    could not be parsed, or None for a blank line, skipped), in order; rejections are
    reported, never fatal. `jobs` processes check signatures and proofs (default: every
    core)."""
    workers = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    report = IngestReport()
    if workers == 1:
        for chunk in _chunks(documents):
            _append(board, _check(context, chunk), report, progress)
        return report
    with ProcessPoolExecutor(workers, initializer=_init, initargs=(context,)) as pool:
        pending: deque[Future[Checked]] = deque()
        for chunk in _chunks(documents):
            pending.append(pool.submit(_check_in_worker, chunk))
            if len(pending) >= 4 * workers:
                _append(board, pending.popleft().result(), report, progress)
        while pending:
            _append(board, pending.popleft().result(), report, progress)
    return report


def _append(
    board: BulletinBoard,
    checked: Checked,
    report: IngestReport,
    progress: Callable[[int], None] | None,
) -> None:
    for position, ballot, reason, detail in checked:
        if ballot is None:
            report.rejected.append((position, reason, detail))
            continue
        try:
            board.accept_checked_ballot(ballot)
        except BallotError as error:
            report.rejected.append((position, error.reason, error.detail))
        else:
            report.accepted += 1
    if progress is not None:
        progress(len(checked))
