"""The stations' requests before bulk reads of the record (spec 17.8).

Python runs one thread of the server at a time (the interpreter lock), and one event loop
answers every connection: the loop encrypting and sending the record (TLS) takes the
interpreter from the stations' answers, which then wait their turn behind it. So the record
is produced in slices (one page of stored lines read, one piece of about 64 KiB sent), and
before each slice the producer waits while any station request (election, status,
submission, tracking, credential, proofs) is being answered. The wait is bounded
(`max_wait`), so a steady flow of station requests slows the record down but never stops
it; and while station requests are being answered the record's streams take these turns
one after the other, all of them together at most one slice every `max_wait`: what bulk
reads cost the stations is then the same whether one client reads on one connection or
every reader on all the streams the limits allow.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class StationsFirst:
    """Counts the station requests being answered; bulk producers wait while there are any.
    `station` is used from the event loop only; `bulk_turn` from the event loop and
    `bulk_turn_in_thread` from the threads that read the record's pages."""

    def __init__(self, max_wait: float) -> None:
        if max_wait <= 0:
            raise ValueError("the longest wait of a bulk read must be positive")
        self.max_wait = max_wait
        self.active = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._idle_for_threads = threading.Event()
        self._idle_for_threads.set()
        #: Held by the one bulk producer whose turn it is while stations are answered.
        self._turns = asyncio.Lock()

    async def station(self, handler: Callable[[], Awaitable[T]]) -> T:
        """Run a station request's handler; bulk work waits until it (and every other station
        request) is answered."""
        self.active += 1
        if self.active == 1:
            self._idle.clear()
            self._idle_for_threads.clear()
        try:
            return await handler()
        finally:
            self.active -= 1
            if self.active == 0:
                self._idle.set()
                self._idle_for_threads.set()

    async def bulk_turn(self) -> None:
        """Return when no station request is being answered, or after `max_wait` seconds;
        while station requests are being answered, the callers go one after the other (in
        the order they came), each waiting up to `max_wait` of its own."""
        if not self.active:
            return
        async with self._turns:
            if self.active:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), self.max_wait)

    def bulk_turn_in_thread(self) -> None:
        """The same, for a thread (it blocks that thread only)."""
        self._idle_for_threads.wait(self.max_wait)
