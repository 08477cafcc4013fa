"""The board server under load on loopback: `python -m benchmarks.server_load`.

An election of 22 candidates is opened; ballots are prepared in advance (one per credential);
`votecrypt serve` runs as its own process, with the limits of the guide (per address, record
streams, reads) but for the submission rate (every voter here shares a few addresses).

Voters. 10, 50 and 200 concurrent voters, each on its own keep-alive connection, submit the
prepared ballots as fast as the server answers, first over plain HTTP, then over TLS (the
same election, a second server process): ballots accepted per second, and the p50 / p99 /
max latency of a submission (from sending the request to reading the receipt).

Hostile mix (over TLS, as the guide prescribes). 50 voters vote while a station checks the
board's status every 0.1 s, in three phases: alone ("quiet"); with one client reading the
whole record on 8 connections as fast as it can ("reader"); and with that reader, 60
connections from one address that ask for the record and never read it, and a client with no
credential posting challenges in a loop ("mix"). The hostile clients run in a process of
their own (benchmarks/server_load_hostile.py). `--rounds N` runs the three phases in turn N
times and pools each phase's latencies. For each phase: the stations' p50 and p99
(submissions and status checks), the server's CPU per ballot and its peak resident memory;
the ratios to "quiet" are those of one run.

Afterwards every acknowledged ballot must be in the log at the position and with the hash its
receipt gave, and the log must hold no other ballot: nothing lost, nothing added.

The client is a minimal asyncio HTTP/1.1 client (pre-built requests, no parsing beyond the
status line and Content-Length) so that it takes as little of the machine's CPU from the
server as possible; client and server share the machine, as stations and server never do.
The CPU time the server's processes (the server and its checking processes, from /proc)
spend per accepted ballot is reported too, with the checking processes' share: on a machine
shared with other work it says what the server would reach alone (cores / CPU time per
ballot), which wall-clock rates cannot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import fixtures
from benchmarks.machine import machine
from benchmarks.timing import Measurement
from votecrypt.math import secp256k1
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.protocol.board_setup import BoardSetup
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.record.log import entry_from_line
from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
from votecrypt.service.election_dir import ElectionDir, create_election
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.voting import issue, open_board, prepare

CANDIDATES = 22
LEVELS = (10, 50, 200)
#: The trustees' secret files are protected with a tiny KDF: their cost is not what is measured.
FAST_KDF = KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024)


def open_election(
    root: Path, voters: int, board: BoardSetup | None = None
) -> tuple[ElectionDir, ElectionContext, list[str]]:
    """An election open for voting, through the services of the command line (with a signed,
    witnessed board when `board` is given); returns the credential codes."""
    group = secp256k1()
    manifest = fixtures.manifest(CANDIDATES, voters, trustees=3, threshold=2, board=board)
    directory = create_election(root, manifest)
    secrets = {i: root / "private" / f"t{i}.secret" for i in (1, 2, 3)}
    for i, path in secrets.items():
        trustee_init(directory, path, i, f"pass-{i}", group, FAST_KDF)
    for step in ("commit", "open", "check", "answer"):
        for i, path in secrets.items():
            ceremony_step(directory, path, f"pass-{i}", group, step)
    for i, path in secrets.items():
        ceremony_finalize(directory, path, f"pass-{i}", group)
    codes = [credential.code for credential in issue(directory)]
    view = endorsement_view(directory, group)
    for i, path in secrets.items():
        endorse(directory, view, path, f"pass-{i}", group, view.fingerprint)
    board, context = open_board(directory, group)
    board.close_connection()
    return directory, context, codes


_CONTEXT: ElectionContext | None = None


def _init(context: ElectionContext) -> None:
    global _CONTEXT
    _CONTEXT = context


def _prepare(job: tuple[str, int]) -> bytes:
    code, seed = job
    assert _CONTEXT is not None
    outcomes = _CONTEXT.manifest.outcomes()
    choices = [outcomes[(seed * 7 + row * 3) % len(outcomes)] for row in range(CANDIDATES)]
    return ballot_to_json(prepare(_CONTEXT, code, choices).ballot)


def prepare_ballots(context: ElectionContext, codes: list[str]) -> list[bytes]:
    with ProcessPoolExecutor(initializer=_init, initargs=(context,)) as pool:
        return list(pool.map(_prepare, [(code, i) for i, code in enumerate(codes)], chunksize=16))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (0 where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(name))
            except (OSError, ValueError):
                continue
    return found


def server_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds used so far by the server process and by its checking processes."""
    return _cpu_seconds(pid), sum(_cpu_seconds(p) for p in _children(pid))


@dataclass
class Level:
    voters: int
    ballots: int
    transport: str = "http"
    seconds: float = 0.0
    server_cpu: float = 0.0
    checking_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    #: when each receipt was read (time.perf_counter), in the order of `receipts`
    accepted_at: list[float] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "transport": self.transport,
            "voters": self.voters,
            "ballots": self.ballots,
            "accepted": len(self.receipts),
            "refused": len(self.refused),
            "seconds": round(self.seconds, 3),
            "ballots_per_second": round(len(self.receipts) / self.seconds, 1),
            "latency_p50_ms": _ms(ordered, 0.50),
            "latency_p99_ms": _ms(ordered, 0.99),
            "latency_max_ms": round(1000 * ordered[-1], 1),
            "latency_mean_ms": round(1000 * statistics.fmean(ordered), 1),
            "server_cpu_ms_per_ballot": round(
                1000 * (self.server_cpu + self.checking_cpu) / max(1, len(self.receipts)), 2
            ),
            "of_which_checking_ms_per_ballot": round(
                1000 * self.checking_cpu / max(1, len(self.receipts)), 2
            ),
        }


def _ms(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted seconds, in milliseconds (0 for none)."""
    if not ordered:
        return 0.0
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _request(body: bytes) -> bytes:
    head = (
        "POST /api/v1/ballots HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass(frozen=True)
class Target:
    """Where the server listens, and the TLS context its clients use (None: plain HTTP)."""

    port: int
    tls: ssl.SSLContext | None = None

    async def connect(
        self, address: str = "127.0.0.1"
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(
            "127.0.0.1",
            self.port,
            ssl=self.tls,
            server_hostname="127.0.0.1" if self.tls else None,
            local_addr=(address, 0),
        )


def _voter_address(index: int) -> str:
    """Voters come from 50 loopback addresses (at most 4 connections each at 200 voters)."""
    return f"127.0.1.{1 + index % 50}"


async def _answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """The status line and the body of one answer with a Content-Length."""
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status_line, await reader.readexactly(length)


async def _voter(target: Target, index: int, queue: asyncio.Queue[bytes], level: Level) -> None:
    reader, writer = await target.connect(_voter_address(index))
    try:
        while True:
            try:
                request = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line, body = await _answer(reader)
            level.latencies.append(time.perf_counter() - started)
            if status_line.split()[1] == b"201":
                level.receipts.append(json.loads(body))
                level.accepted_at.append(time.perf_counter())
            else:
                level.refused.append(status_line.decode().strip() + " " + body.decode())
    finally:
        writer.close()


async def _run_level(
    target: Target, ballots: list[bytes], voters: int, transport: str = "http"
) -> Level:
    level = Level(voters, len(ballots), transport)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for ballot in ballots:
        queue.put_nowait(_request(ballot))
    started = time.perf_counter()
    await asyncio.gather(*(_voter(target, i, queue, level) for i in range(voters)))
    level.seconds = time.perf_counter() - started
    return level


def _rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc (0 where there is none)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files in `folder`)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "votecrypt benchmark")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "server.crt", folder / "server.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


def _serve(
    directory: ElectionDir,
    processes: int,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    tls: tuple[Path, Path] | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """`votecrypt serve` on a free port of 127.0.0.1 (`extra`: more options, `env`: its
    environment, over TLS with `tls`): the process and its port."""
    command = [
        sys.executable,
        "-c",
        "from votecrypt_cli.main import main; main()",
        "serve",
        str(directory.root),
        "--port",
        "0",
        "--workers-pool",
        str(processes),
        # The voters of the benchmark share 50 addresses.
        "--rate-limit",
        "1000000",
        *extra,
    ]
    if tls is not None:
        command += ["--certfile", str(tls[0]), "--keyfile", str(tls[1])]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(b"Serving"):
            port = int(line.split()[4].rstrip(b"/").rsplit(b":", 1)[1])
            break
    else:
        raise RuntimeError("votecrypt serve did not start")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    time.sleep(1.0)  # the checking processes start and build their key tables
    return process, port


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    server.wait(timeout=60)


def _read_log(port: int, cafile: Path | None = None) -> list[Any]:
    import httpx

    scheme = "https" if cafile else "http"
    response = httpx.get(
        f"{scheme}://127.0.0.1:{port}/api/v1/record",
        timeout=600,
        verify=ssl.create_default_context(cafile=str(cafile)) if cafile else True,
    )
    response.raise_for_status()
    return [entry_from_line(line, n) for n, line in enumerate(response.content.splitlines(), 1)]


def check_nothing_lost(
    port: int, receipts: list[dict[str, Any]], cafile: Path | None = None
) -> dict[str, int]:
    """Every acknowledged ballot is in the log where its receipt says; no other ballot is."""
    entries = _read_log(port, cafile)
    ballots = {entry.seq: entry for entry in entries if entry.kind == "ballot"}
    for receipt in receipts:
        entry = ballots.get(receipt["seq"])
        if entry is None or entry.hash.hex() != receipt["entry_hash"]:
            raise RuntimeError(f"acknowledged ballot missing from the log: {receipt}")
    if len(ballots) != len(receipts):
        raise RuntimeError(f"{len(ballots)} ballots in the log, {len(receipts)} acknowledged")
    challenges = sum(1 for entry in entries if entry.kind == "challenge")
    return {"log_entries": len(entries), "ballots_in_log": len(ballots), "challenges": challenges}


def _forged_challenges(context: ElectionContext, count: int) -> list[bytes]:
    """Challenges a device with no credential can make (a challenge names none, spec 10.6)."""
    from votecrypt.protocol.credentials import new_code
    from votecrypt.record.ballot_codec import challenged_to_json

    outcomes = context.manifest.outcomes()
    return [
        challenged_to_json(prepare(context, new_code(), [outcomes[0]] * CANDIDATES).challenge())
        for _ in range(count)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=400, help="ballots per level")
    parser.add_argument("--levels", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--workers-pool", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--hostile-voters", type=int, default=50)
    parser.add_argument(
        "--hostile-ballots", type=int, default=None, help="ballots per hostile phase (--ballots)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds of the three hostile phases, in turn"
    )
    parser.add_argument(
        "--ramp", type=float, default=3.0, help="seconds the hostile clients run before voting"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    hostile_ballots = args.hostile_ballots or args.ballots
    per_transport = args.ballots * len(args.levels)
    total = 2 * per_transport + 3 * args.rounds * hostile_ballots
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"load average before: {load_before}")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        directory, context, codes = open_election(Path(folder) / "election", total)
        print(f"election open ({total} credentials) in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        prepared = prepare_ballots(context, codes)
        challenges = _forged_challenges(context, 12)
        print(f"{total} ballots prepared in {time.perf_counter() - started:.1f} s")
        certfile, keyfile = certificate(Path(folder))
        tls = ssl.create_default_context(cafile=str(certfile))
        levels: list[Level] = []
        for transport in ("http", "tls"):
            offset = 0 if transport == "http" else per_transport
            server, port = _serve(
                directory,
                args.workers_pool,
                tls=(certfile, keyfile) if transport == "tls" else None,
            )
            target = Target(port, tls if transport == "tls" else None)
            try:
                for index, voters in enumerate(args.levels):
                    start = offset + index * args.ballots
                    batch = prepared[start : start + args.ballots]
                    own_before, checking_before = server_cpu(server.pid)
                    level = asyncio.run(_run_level(target, batch, voters, transport))
                    own_after, checking_after = server_cpu(server.pid)
                    level.server_cpu = own_after - own_before
                    level.checking_cpu = checking_after - checking_before
                    levels.append(level)
                    print(_line(level.summary()))
                    if level.refused:
                        print(f"  refused: {level.refused[:3]}")
                if transport == "http":
                    continue
                from benchmarks.server_load_hostile import hostile_mix

                rest = prepared[2 * per_transport :]
                batches = [
                    rest[i * hostile_ballots : (i + 1) * hostile_ballots]
                    for i in range(3 * args.rounds)
                ]
                phases = hostile_mix(
                    target,
                    server.pid,
                    certfile,
                    batches,
                    args.hostile_voters,
                    challenges,
                    args.ramp,
                )
                receipts = [r for level in levels for r in level.receipts]
                receipts += [r for phase in phases for r in phase.pop("receipts")]
                totals = check_nothing_lost(port, receipts, certfile)
                print(f"every acknowledged ballot is in the log: {totals}")
            finally:
                _stop(server)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "command": "python -m benchmarks.server_load " + " ".join(argv or sys.argv[1:]),
            "load_average_before": load_before,
            "machine": machine(),
            "server_packages": _versions("starlette", "uvicorn", "httptools", "uvloop"),
            "candidates": CANDIDATES,
            "checking_processes": args.workers_pool,
            "levels": [level.summary() for level in levels],
            "hostile": phases,
            **totals,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    refused = any(level.refused for level in levels) or any(p["refused"] for p in phases)
    return 1 if refused else 0


def run(backends: list[str], quick: bool, voters: int | None = None) -> list[Measurement]:
    """As a workload of `python -m benchmarks.run` (`--only server`; `--smoke` runs it at a
    tiny size): one row per level and per hostile phase, the median latency as the time per
    operation and the rest of the summary beside it."""
    if quick:
        size = ["--ballots", "4", "--levels", "2", "--workers-pool", "1"]
        size += ["--hostile-voters", "2", "--ramp", "0.5"]
    else:
        size = []
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "server.json"
        if main([*size, "--json", str(output)]) != 0:
            raise RuntimeError("the server refused ballots under load")
        document = json.loads(output.read_text(encoding="utf-8"))
    rows = []
    for level in document["levels"]:
        operation = f"submission over {level['transport']}, {level['voters']} voters"
        rows.append(_row(operation, level["latency_p50_ms"], level))
    for phase in document["hostile"]:
        operation = f"status check over tls, {phase['voters']} voters, {phase['phase']}"
        rows.append(_row(operation, phase["status_p50_ms"], phase))
    return rows


def _row(operation: str, p50_ms: float, summary: dict[str, Any]) -> Measurement:
    extra = {key: value for key, value in summary.items() if isinstance(value, (int, float))}
    return Measurement("server", operation, "coincurve", 1, [p50_ms / 1000], extra=extra)


def _versions(*packages: str) -> dict[str, str | None]:
    from importlib import metadata

    found: dict[str, str | None] = {}
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def _line(summary: dict[str, Any]) -> str:
    return (
        f"{summary['transport']:>4} {summary['voters']:>4} voters: {summary['accepted']} accepted"
        f" in {summary['seconds']:.2f} s = {summary['ballots_per_second']:.0f} ballots/s; latency "
        f"p50 {summary['latency_p50_ms']:.0f} ms, p99 {summary['latency_p99_ms']:.0f} ms, "
        f"max {summary['latency_max_ms']:.0f} ms; server CPU "
        f"{summary['server_cpu_ms_per_ballot']:.1f} ms per ballot "
        f"({summary['of_which_checking_ms_per_ballot']:.1f} in checking processes)"
    )


if __name__ == "__main__":
    sys.exit(main())
