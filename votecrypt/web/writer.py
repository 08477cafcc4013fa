"""The one thread that appends to the board. Ballots that arrive while it is writing wait
and are then appended together in one transaction, one sync to disk for all of them (spec
11.4); each still gets its own checks, and none is acknowledged before the commit."""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import Future

from votecrypt.errors import BallotError
from votecrypt.storage.board import CheckedBallot, Receipt

from .checking import Checked
from .store import BoardStore
from .tracking import BallotIndex

_Job = tuple[Checked, "Future[Receipt]"]
_STOP = None


class BoardWriter:
    """Appends checked submissions in arrival order, ballots in groups of at most
    `max_group`."""

    def __init__(self, store: BoardStore, index: BallotIndex, max_group: int = 64) -> None:
        self._store = store
        self._index = index
        self._max_group = max_group
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="board-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Finish every submission already queued, then stop."""
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join()

    async def append(self, checked: Checked) -> Receipt:
        """Append a checked ballot or challenge; BallotError if the board refuses it."""
        future: Future[Receipt] = Future()
        self._jobs.put((checked, future))
        return await asyncio.wrap_future(future)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            group = [job]
            stop = False
            while len(group) < self._max_group:
                try:
                    following = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if following is _STOP:
                    stop = True
                    break
                group.append(following)
            try:
                self._write(group)
            except Exception as error:  # never leave a submission waiting for an answer
                for _, future in group:
                    if not future.done():
                        future.set_exception(error)
            if stop:
                return

    def _write(self, group: list[_Job]) -> None:
        ballots: list[tuple[CheckedBallot, _Job]] = []
        for job in group:
            if job[0].ballot is not None:
                ballots.append((job[0].ballot, job))
                continue
            self._cast(ballots)
            ballots = []
            self._challenge(job)
        self._cast(ballots)

    def _cast(self, jobs: list[tuple[CheckedBallot, _Job]]) -> None:
        if not jobs:
            return
        try:
            results = self._store.accept_checked_ballots([ballot for ballot, _ in jobs])
        except Exception as error:  # nothing of the group was committed
            for _, (_, future) in jobs:
                future.set_exception(error)
            return
        for (_, (checked, future)), result in zip(jobs, results, strict=True):
            if isinstance(result, BallotError):
                future.set_exception(result)
                continue
            self._index.add_cast(checked.tracking_code, result.seq, result.entry_hash)
            future.set_result(result)

    def _challenge(self, job: _Job) -> None:
        checked, future = job
        try:
            assert checked.challenge is not None
            receipt = self._store.accept_checked_challenge(checked.challenge)
        except Exception as error:
            future.set_exception(error)
            return
        self._index.add_challenged(
            checked.tracking_code, receipt.seq, receipt.entry_hash, checked.outcomes
        )
        future.set_result(receipt)
