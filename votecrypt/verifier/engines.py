"""Where ballot chunks are checked: in this process, on a local process pool, or on a Dask
cluster (spec 16.3).

An engine runs `check_chunk` on chunks of log entries and returns futures in submission
order; the caller reads the verdicts in log order. `tally` adds up the partial tallies of
many chunks: the local engines merge them as they arrive, the Dask engine with a tree
reduction on the cluster. Every engine gives the same results.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from votecrypt.errors import VotecryptError
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.tally import TallyAccumulator
from votecrypt.verifier.ballots import (
    BallotVerdict,
    check_chunk,
    check_chunk_in_worker,
    init_worker,
)

Entries = list[tuple[int, str, Any]]
ChunkResult = tuple[list[BallotVerdict], TallyAccumulator]


class Pending(Protocol):
    def result(self) -> ChunkResult: ...


class _Done:
    """A result computed inline, with the interface of a future."""

    def __init__(self, value: ChunkResult) -> None:
        self._value = value

    def result(self) -> ChunkResult:
        return self._value


class Engine(Protocol):
    #: Chunks kept in flight at most.
    window: int

    def start(self, context: ElectionContext) -> None: ...

    def submit(self, entries: Entries, check_proofs: bool) -> Pending: ...

    def tally(self, chunks: Iterable[Entries]) -> TallyAccumulator: ...

    def close(self) -> None: ...


class LocalEngine:
    """`jobs` processes on this machine (1: no pool, everything in this process)."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
        self.window = max(2, 4 * self.jobs)
        self._context: ElectionContext | None = None
        self._pool: ProcessPoolExecutor | None = None

    def start(self, context: ElectionContext) -> None:
        self._context = context
        if self.jobs > 1:
            self._pool = ProcessPoolExecutor(
                self.jobs, initializer=init_worker, initargs=(context,)
            )

    def submit(self, entries: Entries, check_proofs: bool) -> Pending:
        if self._pool is not None:
            future: Future[ChunkResult] = self._pool.submit(
                check_chunk_in_worker, entries, check_proofs
            )
            return future
        if self._context is None:
            raise RuntimeError("engine not started")
        return _Done(check_chunk(self._context, entries, check_proofs))

    def tally(self, chunks: Iterable[Entries]) -> TallyAccumulator:
        total: TallyAccumulator | None = None
        for _, partial in _in_order(self, ((c, False) for c in chunks)):
            total = partial if total is None else total.merge(partial)
        return total or self._empty()

    def _empty(self) -> TallyAccumulator:
        if self._context is None:
            raise RuntimeError("engine not started")
        context = self._context
        return TallyAccumulator(context.group, context.rows, context.packing.lanes)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class DaskEngine:
    """A Dask distributed cluster (`pip install 'votecrypt[dask]'`). The election context
    is sent once to every worker; chunks are tasks; tallies reduce as a tree."""

    def __init__(self, scheduler: str, window: int = 64) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise VotecryptError(
                "the Dask engine needs the optional dependency: pip install 'votecrypt[dask]'"
            ) from None
        self._client_class: Any = Client
        self.scheduler = scheduler
        self.window = window
        self._client: Any = None
        self._context: Any = None

    def start(self, context: ElectionContext) -> None:
        self._client = self._client_class(self.scheduler)
        self._context = self._client.scatter(context, broadcast=True)

    def submit(self, entries: Entries, check_proofs: bool) -> Pending:
        future: Pending = self._client.submit(
            check_chunk, self._context, entries, check_proofs, pure=False
        )
        return future

    def tally(self, chunks: Iterable[Entries]) -> TallyAccumulator:
        level = [
            self._client.submit(_partial_tally, self._context, chunk, pure=False)
            for chunk in chunks
        ]
        if not level:
            empty: TallyAccumulator = self._client.submit(_empty_tally, self._context).result()
            return empty
        while len(level) > 1:  # tree reduction: pairs, then pairs of pairs
            paired = [
                self._client.submit(_merge, level[i], level[i + 1], pure=False)
                for i in range(0, len(level) - 1, 2)
            ]
            if len(level) % 2:
                paired.append(level[-1])
            level = paired
        total: TallyAccumulator = level[0].result()
        return total

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _partial_tally(context: ElectionContext, entries: Entries) -> TallyAccumulator:
    return check_chunk(context, entries, False)[1]


def _empty_tally(context: ElectionContext) -> TallyAccumulator:
    return TallyAccumulator(context.group, context.rows, context.packing.lanes)


def _merge(first: TallyAccumulator, second: TallyAccumulator) -> TallyAccumulator:
    return first.merge(second)


def _in_order(engine: Engine, chunks: Iterable[tuple[Entries, bool]]) -> Iterable[ChunkResult]:
    """Submit chunks keeping at most `engine.window` in flight; yield results in order."""
    pending: list[Pending] = []
    for entries, check_proofs in chunks:
        pending.append(engine.submit(entries, check_proofs))
        if len(pending) >= engine.window:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


def engine_for(jobs: int | None = None, scheduler: str | None = None) -> Engine:
    """A Dask engine when a scheduler address is given, else a local one."""
    if scheduler:
        return DaskEngine(scheduler)
    return LocalEngine(jobs)
