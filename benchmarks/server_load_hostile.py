"""The hostile mix of `python -m benchmarks.server_load` (see its description): while voters
vote over TLS and a station checks the status, one client reads the whole record on 8
connections, 60 sockets of another ask for it and never read, and a third posts challenges
without a credential. The hostile clients run in a process of their own at the lowest CPU
priority (nice 19): they stand for devices of their own, and on the benchmark's shared cores
their own CPU would otherwise be counted against the server.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import ssl
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.server_load import (
    Level,
    Target,
    _answer,
    _ms,
    _request,
    _rss_mb,
    _run_level,
    server_cpu,
)

_STATUS = b"GET /api/v1/status HTTP/1.1\r\nHost: bench\r\n\r\n"

#: How many sockets the client that never reads opens (the guide's cap is 64 per address).
NON_READERS = 60
BULK_CONNECTIONS = 8
HOSTILE_KINDS = ("reader", "non-readers", "flooder")


async def _bulk_reader(target: Target, address: str, counts: Counter[str]) -> None:
    """Reads the whole record, again and again, as fast as it can."""
    request = b"GET /api/v1/record HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    while True:
        try:
            reader, writer = await target.connect(address)
            writer.write(request)
            first = await reader.read(65536)
            counts["reader " + first[9:12].decode("latin-1")] += 1
            while await reader.read(1 << 20):
                pass
            writer.close()
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
            counts["reader dropped"] += 1
            await asyncio.sleep(0.05)


async def _non_readers(target: Target, address: str, counts: Counter[str]) -> None:
    """NON_READERS sockets that ask for the record and never read; opened again every 5 s."""
    request = b"GET /api/v1/record HTTP/1.1\r\nHost: bench\r\n\r\n"
    while True:
        writers = []
        for _ in range(NON_READERS):
            try:
                _, writer = await target.connect(address)
                writer.write(request)
                writers.append(writer)
                counts["non-reader opened"] += 1
            except (OSError, ssl.SSLError):
                counts["non-reader refused"] += 1
        await asyncio.sleep(5)
        for writer in writers:
            writer.transport.abort()


async def _flooder(target: Target, address: str, bodies: list[bytes], counts: Counter[str]) -> None:
    """Posts challenges without a credential in a loop, one connection each."""
    n = 0
    while True:
        body = bodies[n % len(bodies)]
        n += 1
        request = _request(body).replace(b"/api/v1/ballots", b"/api/v1/challenges")
        request = request.replace(b"Host: bench\r\n", b"Host: bench\r\nConnection: close\r\n")
        try:
            reader, writer = await target.connect(address)
            writer.write(request)
            status_line, _ = await _answer(reader)
            counts["challenge " + status_line[9:12].decode("latin-1")] += 1
            writer.close()
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError, IndexError):
            counts["challenge dropped"] += 1
            await asyncio.sleep(0.05)


def _hostile(
    port: int,
    cafile: str,
    kinds: tuple[str, ...],
    bodies: list[bytes],
    ready: Any,
    stop: Any,
    report: Any,
) -> None:
    """The hostile clients of the mix, in a process of their own: `ready` is set once they
    are at work, and they stop when `stop` is set; what they got is put on `report`."""
    os.nice(19)

    async def run() -> Counter[str]:
        target = Target(port, ssl.create_default_context(cafile=cafile))
        counts: Counter[str] = Counter()
        tasks = []
        if "reader" in kinds:
            tasks += [
                asyncio.create_task(_bulk_reader(target, "127.0.4.1", counts))
                for _ in range(BULK_CONNECTIONS)
            ]
        if "non-readers" in kinds:
            tasks.append(asyncio.create_task(_non_readers(target, "127.0.5.1", counts)))
        if "flooder" in kinds:
            tasks.append(asyncio.create_task(_flooder(target, "127.0.6.1", bodies, counts)))
        while not counts:  # at work: the first answer (or socket) is in
            await asyncio.sleep(0.05)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return counts

    counts = dict(asyncio.run(run()))
    times = os.times()
    counts["cpu seconds (hostile clients)"] = round(times.user + times.system, 2)
    report.put(counts)


async def _station(
    target: Target, address: str, latencies: list[float], done: asyncio.Event
) -> None:
    """A station checking the board's status every 0.1 s until `done`."""
    reader, writer = await target.connect(address)
    try:
        while not done.is_set():
            started = time.perf_counter()
            writer.write(_STATUS)
            status_line, _ = await _answer(reader)
            if status_line.split()[1] == b"200":
                latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.1)
    finally:
        writer.close()


async def _phase(
    target: Target, pid: int, ballots: list[bytes], voters: int, station: str
) -> tuple[Level, list[float], float]:
    """Voters cast `ballots` while a station checks the status; the level, the status
    checks' latencies and the server's peak resident memory (MB) meanwhile."""
    latencies: list[float] = []
    done = asyncio.Event()
    peak = _rss_mb(pid)

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_mb(pid))
            await asyncio.sleep(0.1)

    watchers = [
        asyncio.create_task(_station(target, station, latencies, done)),
        asyncio.create_task(sample()),
    ]
    level = await _run_level(target, ballots, voters, "tls")
    done.set()
    await asyncio.gather(*watchers)
    return level, latencies, peak


PHASES = (("quiet", ()), ("reader", ("reader",)), ("mix", HOSTILE_KINDS))


def _run_phase(
    target: Target,
    pid: int,
    cafile: Path,
    kinds: tuple[str, ...],
    batch: list[bytes],
    voters: int,
    challenges: list[bytes],
    ramp: float,
    station: str,
) -> dict[str, Any]:
    """One phase: its hostile clients (if any) at work, then the voters and the station."""
    context = multiprocessing.get_context("spawn")
    ready, stop, report = context.Event(), context.Event(), context.Queue()
    before = _rss_mb(pid)
    process = None
    if kinds:
        process = context.Process(
            target=_hostile,
            args=(target.port, str(cafile), kinds, challenges, ready, stop, report),
        )
        process.start()
        if not ready.wait(600):
            raise RuntimeError("the hostile clients did not start")
        time.sleep(ramp)  # the hostile clients are at work before the voters start
    own_before, checking_before = server_cpu(pid)
    level, status, peak = asyncio.run(_phase(target, pid, batch, voters, station))
    own_after, checking_after = server_cpu(pid)
    hostile: dict[str, int] = {}
    if process is not None:
        stop.set()
        hostile = report.get(timeout=120)
        process.join(timeout=120)
    return {
        "level": level,
        "status": status,
        "cpu": own_after - own_before + checking_after - checking_before,
        "before": before,
        "peak": peak,
        "hostile": hostile,
    }


def _summary(name: str, kinds: tuple[str, ...], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One phase over its rounds: latencies pooled, rates and CPU summed."""
    levels: list[Level] = [run["level"] for run in runs]
    ballots = sorted(t for level in levels for t in level.latencies)
    status = sorted(t for run in runs for t in run["status"])
    accepted = sum(len(level.receipts) for level in levels)
    hostile: Counter[str] = Counter()
    for run in runs:
        hostile.update(run["hostile"])
    hostile_cpu = hostile.pop("cpu seconds (hostile clients)", 0)
    seconds = sum(level.seconds for level in levels)
    return {
        "phase": name,
        "hostile": list(kinds),
        "rounds": len(runs),
        "voters": levels[0].voters,
        "accepted": accepted,
        "refused": sum(len(level.refused) for level in levels),
        "ballots_per_second": round(accepted / seconds, 1),
        "ballot_p50_ms": _ms(ballots, 0.50),
        "ballot_p99_ms": _ms(ballots, 0.99),
        "status_checks": len(status),
        "status_p50_ms": _ms(status, 0.50),
        "status_p99_ms": _ms(status, 0.99),
        "server_cpu_ms_per_ballot": round(1000 * sum(r["cpu"] for r in runs) / max(1, accepted), 2),
        "server_rss_before_mb": round(min(run["before"] for run in runs), 1),
        "server_rss_peak_mb": round(max(run["peak"] for run in runs), 1),
        "hostile_answers": dict(hostile),
        # The hostile clients' own CPU on the shared cores (at nice 19), from their start
        # (the ramp included) to their stop, against the phase's voting time.
        "hostile_cpu_seconds": round(hostile_cpu, 2),
        "voting_seconds": round(seconds, 1),
        "receipts": [receipt for level in levels for receipt in level.receipts],
    }


def hostile_mix(
    target: Target,
    pid: int,
    cafile: Path,
    batches: list[list[bytes]],
    voters: int,
    challenges: list[bytes],
    ramp: float,
) -> list[dict[str, Any]]:
    """The three phases (quiet, reader, mix) in turn, as many rounds as there are batches
    for (three per round), so that a machine whose load drifts during the run weighs on each
    phase alike; each phase's latencies pooled over its rounds."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in PHASES}
    for index, batch in enumerate(batches):
        name, kinds = PHASES[index % len(PHASES)]
        run = _run_phase(
            target, pid, cafile, kinds, batch, voters, challenges, ramp, f"127.0.2.{index + 1}"
        )
        runs[name].append(run)
        print(f"round {index // len(PHASES) + 1}: " + _hostile_line(_summary(name, kinds, [run])))
    results = [_summary(name, kinds, runs[name]) for name, kinds in PHASES]
    quiet = results[0]
    for result in results[1:]:
        for key in ("ballot_p99_ms", "status_p99_ms", "status_p50_ms"):
            result[key.replace("_ms", "_ratio_to_quiet")] = round(
                result[key] / max(quiet[key], 0.1), 2
            )
    for result in results:
        print("all rounds: " + _hostile_line(result))
    return results


def _hostile_line(result: dict[str, Any]) -> str:
    return (
        f"{result['phase']:>6}: {result['accepted']} ballots at "
        f"{result['ballots_per_second']:.0f}/s, ballot p99 {result['ballot_p99_ms']:.0f} ms; "
        f"status p50 {result['status_p50_ms']:.1f} ms, p99 {result['status_p99_ms']:.1f} ms "
        f"({result['status_checks']} checks); server CPU "
        f"{result['server_cpu_ms_per_ballot']:.1f} ms per ballot; "
        f"memory {result['server_rss_before_mb']:.0f} MB, "
        f"peak {result['server_rss_peak_mb']:.0f} MB; hostile got {result['hostile_answers']} "
        f"and used {result['hostile_cpu_seconds']:.1f} s of CPU "
        f"(voting took {result['voting_seconds']:.0f} s)"
    )
