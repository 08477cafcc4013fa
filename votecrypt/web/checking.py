"""The stateless checks of a submission (spec 11.3 steps 1-4, and 10.6 for a challenge) on a
local process pool, so that the server's event loop never waits for a proof.

A worker decodes the request body strictly, checks the signature and every proof, and
returns what the append needs (a CheckedBallot or CheckedChallenge: the entry's bytes,
computed once, and the tracking code); the board's own checks and the append come after, in
the writer thread (votecrypt.web.store).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from votecrypt.errors import BallotError, EncodingError
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.ballot import check_ballot, check_challenge
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_from_plain
from votecrypt.record.json_codec import parse_json
from votecrypt.storage.board import CheckedBallot, CheckedChallenge

from .errors import OVERLOADED, ApiError

BALLOT = "ballot"
CHALLENGE = "challenge"


@dataclass(frozen=True)
class Checked:
    """A submission that passed the stateless checks: the checked ballot (to cast) or
    challenged ballot (to publish), its tracking code, and for a challenge the revealed
    outcome of every row."""

    kind: str
    tracking_code: str
    ballot: CheckedBallot | None = None
    challenge: CheckedChallenge | None = None
    outcomes: tuple[int, ...] = ()


def check_submission(context: ElectionContext, kind: str, body: bytes) -> Checked:
    """Decode and check one submission; BallotError with the reason code of spec 11.3."""
    try:
        plain = parse_json(body)
        if kind == BALLOT:
            ballot = ballot_from_plain(plain, context.group)
        else:
            challenged = challenged_from_plain(plain, context.group)
    except EncodingError as error:
        raise BallotError(reasons.MALFORMED, str(error)) from None
    if kind == BALLOT:
        check_ballot(ballot, context)
        checked = CheckedBallot.of(ballot)
        return Checked(BALLOT, checked.tracking, ballot=checked)
    check_challenge(challenged, context)
    checked_challenge = CheckedChallenge.of(challenged)
    return Checked(
        CHALLENGE,
        checked_challenge.tracking,
        challenge=checked_challenge,
        outcomes=challenged.outcomes,
    )


_CONTEXT: ElectionContext | None = None


def _init_worker(context: ElectionContext) -> None:
    global _CONTEXT
    _CONTEXT = context
    threading.Thread(
        target=_exit_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True
    ).start()
    context.key_table  # noqa: B018  built once per worker, before the first ballot


def _exit_with_parent(parent: int) -> None:
    """A server stopped outright (kill -9, an out-of-memory kill) never closes its workers'
    queues, so they would wait forever, one set more at every restart: a worker whose
    parent is gone (it is given another one) exits within a second."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _check_in_worker(kind: str, body: bytes) -> Checked | tuple[str, str]:
    if _CONTEXT is None:
        raise RuntimeError("checking worker not initialised")
    try:
        return check_submission(_CONTEXT, kind, body)
    except BallotError as error:
        return (error.reason, error.detail)


def _ready() -> bool:
    return _CONTEXT is not None


class CheckingPool:
    """A pool of worker processes holding the election context. A pool broken by a dead
    worker is replaced; the submission that was on it fails (nothing was appended)."""

    def __init__(self, context: ElectionContext, processes: int) -> None:
        self._context = context
        self._processes = processes
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start every worker now (each builds its key table) rather than on the first
        ballots."""
        pool = self._executor()
        for future in [pool.submit(_ready) for _ in range(self._processes)]:
            future.result()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: the server has threads, which a forked child must not inherit.
                self._pool = ProcessPoolExecutor(
                    self._processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self._context,),
                )
            return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def check(self, kind: str, body: bytes) -> Checked:
        """The stateless checks, on a worker; BallotError for a rejection. A submission
        whose worker died (killed, out of memory) is checked again once on a new pool; if
        that one dies too, ApiError overloaded (503, retry): never 500, nothing appended."""
        for attempt in (1, 2):
            pool = self._executor()
            try:
                result = await asyncio.wrap_future(pool.submit(_check_in_worker, kind, body))
                break
            except BrokenProcessPool:
                self._replace(pool)
                if attempt == 2:
                    raise ApiError(
                        OVERLOADED, "the ballot could not be checked; send it again", 1
                    ) from None
        if isinstance(result, tuple):
            raise BallotError(*result)
        return result

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
