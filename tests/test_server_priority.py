"""The stations' requests are answered ahead of bulk reads of the record (spec 17.8,
votecrypt.web.priority): the mechanism itself, over real HTTP on loopback and on its own.
How much it buys under a hostile reader is measured in benchmarks/server_load.py (the
stations' p99 with and without the reader, in one run), never asserted here as a time."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from election_helpers import OpenElection
from server_helpers import running

from votecrypt.math import Group
from votecrypt.service.voting import cast, prepare
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app
from votecrypt.web.priority import StationsFirst
from votecrypt.web.store import BoardStatus

BALLOTS = 12
#: Generous: no request in these tests has to finish within a few seconds.
PATIENCE = 120.0


class HeldStore:
    """The board's store, whose status or record lines wait for the test to let them go."""

    def __init__(self, store: SqliteBoardStore) -> None:
        self._store = store
        self.hold_status = threading.Event()
        self.hold_lines = threading.Event()
        self.status_entered = threading.Event()
        self.lines_entered = threading.Event()
        self.released = threading.Event()
        self.lines_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def status(self) -> BoardStatus:
        if self.hold_status.is_set():
            self.status_entered.set()
            assert self.released.wait(PATIENCE)
        return self._store.status()

    def lines(self, start: int, limit: int) -> list[Any]:
        self.lines_calls += 1
        if self.hold_lines.is_set():
            self.lines_entered.set()
            assert self.released.wait(PATIENCE)
        return self._store.lines(start, limit)


@pytest.fixture(scope="module")
def voted(tmp_path_factory: pytest.TempPathFactory, fast_group: Group) -> OpenElection:
    election = OpenElection(
        tmp_path_factory.mktemp("priority") / "e", fast_group, ballots=BALLOTS, candidates=2
    )
    for credential in election.credentials:
        cast(election.board, prepare(election.context, credential.code, ["high", "low"]))
    election.close()
    return election


@pytest.fixture()
def held(voted: OpenElection, fast_group: Group) -> Iterator[tuple[HeldStore, str]]:
    store = HeldStore(SqliteBoardStore.open(voted.directory, fast_group))
    # One entry per page, and a record that waits for the stations as long as they last.
    settings = ServerSettings(check_processes=1, record_page=1, record_wait=PATIENCE)
    with running(create_app(store, settings)) as url:  # type: ignore[arg-type]
        try:
            yield store, url
        finally:
            store.released.set()


def _record(url: str, address: str = "127.0.0.1") -> bytes:
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(transport=transport, timeout=PATIENCE) as client:
        answer = client.get(f"{url}/api/v1/record")
        assert answer.status_code == 200, answer.text
        return answer.content


def test_a_record_stream_waits_while_a_station_request_is_answered(
    held: tuple[HeldStore, str],
) -> None:
    store, url = held
    whole = _record(url)
    assert whole.count(b"\n") > BALLOTS
    store.hold_status.set()
    with ThreadPoolExecutor(2) as threads:
        station = threads.submit(httpx.get, f"{url}/api/v1/status", timeout=PATIENCE)
        assert store.status_entered.wait(PATIENCE)
        # While the station's status check is being answered, a reader asks for the record
        # (from another address): not one page of it is read or sent until the station has
        # its answer.
        calls = store.lines_calls
        reader = threads.submit(_record, url, "127.0.0.2")
        done, _ = _wait_first(reader, seconds=2.0)
        assert not done, "the record was sent while a station's request was being answered"
        assert store.lines_calls == calls
        store.released.set()
        assert station.result().status_code == 200
        assert reader.result() == whole


def test_a_station_is_answered_while_record_reads_fill_their_pool(
    held: tuple[HeldStore, str], voted: OpenElection
) -> None:
    store, url = held
    store.hold_lines.set()
    with ThreadPoolExecutor(4) as threads:
        # The record's one reading thread is held inside a page and more streams wait for it.
        readers = [threads.submit(_record, url, f"127.0.0.{n}") for n in (2, 3, 4)]
        assert store.lines_entered.wait(PATIENCE)
        status = httpx.get(f"{url}/api/v1/status", timeout=PATIENCE)
        election = httpx.get(f"{url}/api/v1/election", timeout=PATIENCE)
        assert not any(reader.done() for reader in readers)
        store.released.set()
        records = [reader.result() for reader in readers]
    assert status.status_code == 200 and election.status_code == 200
    assert status.json()["election"] == voted.context.hash.hex()
    assert all(record.count(b"\n") > BALLOTS for record in records)


def _wait_first(future: Any, seconds: float) -> tuple[bool, None]:
    """Whether `future` finished within `seconds` (a negative check: a loaded machine can only
    make it finish later, never sooner)."""
    try:
        future.result(timeout=seconds)
    except TimeoutError:
        return False, None
    return True, None


# The mechanism on its own


def test_bulk_work_waits_for_every_station_request_then_goes_on() -> None:
    async def scenario() -> None:
        first = StationsFirst(max_wait=PATIENCE)
        await asyncio.wait_for(first.bulk_turn(), PATIENCE)  # idle: goes at once
        release = [asyncio.Event(), asyncio.Event()]
        stations = [asyncio.create_task(first.station(event.wait)) for event in release]
        await asyncio.sleep(0)
        assert first.active == 2
        bulk = asyncio.create_task(first.bulk_turn())
        in_thread = asyncio.create_task(asyncio.to_thread(first.bulk_turn_in_thread))
        for _ in range(20):
            await asyncio.sleep(0)
        release[0].set()
        await stations[0]
        for _ in range(20):
            await asyncio.sleep(0)
        assert not bulk.done()  # one station request is still being answered
        release[1].set()
        await asyncio.wait_for(asyncio.gather(*stations, bulk, in_thread), PATIENCE)
        assert first.active == 0

    asyncio.run(scenario())


def test_a_steady_flow_of_station_requests_slows_bulk_work_but_never_stops_it() -> None:
    async def scenario() -> None:
        first = StationsFirst(max_wait=0.01)
        never = asyncio.Event()
        station = asyncio.create_task(first.station(never.wait))
        await asyncio.sleep(0)
        # Each slice waits at most max_wait: both return although the station never ends.
        await asyncio.wait_for(first.bulk_turn(), PATIENCE)
        await asyncio.wait_for(asyncio.to_thread(first.bulk_turn_in_thread), PATIENCE)
        station.cancel()
        with pytest.raises(asyncio.CancelledError):
            await station
        assert first.active == 0  # a cancelled request is no longer counted

    asyncio.run(scenario())


def test_while_stations_are_answered_all_bulk_readers_share_one_turn() -> None:
    # One client reading on many connections (or many clients) gets no more of the server
    # while a station is being answered than one reader: the streams take their turns one
    # after the other, at most one slice every max_wait in all, in the order they came.
    # (Only a lower bound on the time is checked: a loaded machine can only add to it.)
    async def scenario() -> None:
        wait, readers = 0.02, 5
        first = StationsFirst(max_wait=wait)
        never = asyncio.Event()
        station = asyncio.create_task(first.station(never.wait))
        await asyncio.sleep(0)
        order: list[int] = []

        async def reader(n: int) -> None:
            await first.bulk_turn()
            order.append(n)

        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(reader(n) for n in range(readers))), PATIENCE)
        assert time.monotonic() - started >= readers * wait * 0.99
        assert order == list(range(readers))
        # Once no station request is being answered, nobody waits for a turn.
        station.cancel()
        with pytest.raises(asyncio.CancelledError):
            await station
        await asyncio.wait_for(
            asyncio.gather(*(first.bulk_turn() for _ in range(readers))), PATIENCE
        )

    asyncio.run(scenario())


def test_the_longest_wait_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StationsFirst(0)
    with pytest.raises(ValueError):
        ServerSettings(record_wait=0)
