"""The witnessed board (spec 11.5-11.10): proof sizes, the server's tree and proofs, the
receipt check in Python and in Debian's Chromium, a witness's CPU time per ballot, and the
time from a ballot's receipt to k cosignatures with three witnesses under load.

    python -m benchmarks.transparency                  # a few minutes
    python -m benchmarks.transparency --json benchmarks/results/transparency.json
    python -m benchmarks.transparency --load-ballots 0  # without the board under load

Under load: `votecrypt serve` with a board key and three `votecrypt witness follow` processes
(k = 2) on this machine, the load benchmark's voters (benchmarks/server_load.py) sending
ballots as fast as the server answers, then a meeting's pace; for each ballot, the time from
its receipt to 2 and to 3 witnesses having cosigned a checkpoint that holds it.

The receipt is that of a real ballot of 22 office holders (blank and three levels), the
entry at the middle of a log of 10,000 entries; the Chromium page loads the booth's own
module (votecrypt/web/static/votecrypt.js) as benchmarks/booth_browser.py does. The witness
verifies a real election's log as it would arrive, one ballot at a time, on one process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.booth_browser import CHROMIUM, CHROMIUM_ARGS, ORIGIN, _serve_static, bench_election
from benchmarks.machine import machine
from benchmarks.timing import human
from votecrypt.math import secp256k1
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.credentials import credential_from_code
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.record.checkpoint import Checkpoint, board_note_key, sign_checkpoint
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.record.log import entry_hash
from votecrypt.record.merkle import MerkleTree, leaf_hash
from votecrypt.record.receipt import SignedReceipt, check_receipt
from votecrypt.record.rule_presets import preset
from votecrypt.service.demo import run_election
from votecrypt.verifier.incremental import GrowingLog

SIZES = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
LOG = 10_000

PAGE_SCRIPT = """
async ({receipt, payload, manifest, context, warmups, runs}) => {
  const m = await import('/votecrypt.js');
  const keys = m.boardKeys(manifest, context);
  for (let i = 0; i < warmups; i++) m.checkReceipt(receipt, payload, keys);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    m.checkReceipt(receipt, payload, keys);
    times.push((performance.now() - start) / 1000);
  }
  return times;
}
"""


def proof_sizes() -> list[dict[str, int]]:
    """The longest inclusion and consistency proofs produced for each log size, over a
    sample of positions (every 997th entry and the last ones)."""
    tree = MerkleTree(leaf_hash(i.to_bytes(8, "big")) for i in range(max(SIZES)))
    rows = []
    for size in SIZES:
        positions = sorted({*range(0, size, 997), *range(max(0, size - 3), size)})
        inclusion = max(len(tree.inclusion_proof(i, size)) for i in positions)
        consistency = (
            max(len(tree.consistency_proof(i, size)) for i in positions if i > 0) if size > 1 else 0
        )
        rows.append(
            {
                "entries": size,
                "inclusion_hashes": inclusion,
                "inclusion_bytes": 32 * inclusion,
                "consistency_hashes_max": consistency,
            }
        )
    return rows


def receipt_case() -> tuple[SignedReceipt, Any, dict[str, Any], str, SigningKey]:
    """A real 22-row ballot at entry LOG // 2 of a LOG-entry board, its signed receipt."""
    election = bench_election(22)
    credential = credential_from_code(
        bytes.fromhex(election.parts["credentials"]["election"]), election.code
    )
    ballot = prepare_ballot(election, credential, [1 + i % 3 for i in range(22)])  # type: ignore[arg-type]
    payload = parse_json(ballot_to_json(ballot.ballot))
    seq = LOG // 2
    hashes = [leaf_hash(i.to_bytes(8, "big")) for i in range(LOG)]
    prev = hashes[seq - 1]
    digest = entry_hash(seq, prev, "ballot", payload)
    hashes[seq] = digest
    tree = MerkleTree(leaf_hash(h) for h in hashes)
    key = SigningKey.generate()
    context = election.hash
    manifest = dict(
        election.parts["manifest"],
        board={"key": key.verify_key.hex(), "witnesses": [], "witnesses_needed": 0},
    )
    note = sign_checkpoint(
        Checkpoint(board_note_key(context, key.verify_key.to_bytes()).name, LOG, tree.root()), key
    )
    receipt = SignedReceipt(
        "ballot", seq, prev, digest, "AAAA-BBBB-CCCC", note.to_bytes().decode(),
        tuple(tree.inclusion_proof(seq, LOG)),
    )  # fmt: skip
    return receipt, payload, manifest, context.hex(), key


def python_receipt_times(runs: int) -> tuple[list[float], int, int]:
    receipt, payload, _, context, key = receipt_case()
    board = board_note_key(bytes.fromhex(context), key.verify_key.to_bytes())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        check_receipt(receipt, payload, board)
        times.append(time.perf_counter() - start)
    return times, len(canonical_json(receipt.plain())), len(canonical_json(payload))


def browser_receipt_times(warmups: int, runs: int) -> tuple[list[float], str]:
    from playwright.sync_api import sync_playwright

    receipt, payload, manifest, context, _ = receipt_case()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", _serve_static)
            page.goto(f"{ORIGIN}/")
            times = page.evaluate(
                PAGE_SCRIPT,
                {
                    "receipt": receipt.plain(),
                    "payload": payload,
                    "manifest": manifest,
                    "context": context,
                    "warmups": warmups,
                    "runs": runs,
                },
            )
            version = browser.version
        finally:
            browser.close()
    return times, version


def tree_times() -> dict[str, float]:
    """The server's tree: appending a leaf, and an inclusion proof, at 100,000 entries."""
    leaves = [leaf_hash(i.to_bytes(8, "big")) for i in range(100_000)]
    start = time.perf_counter()
    tree = MerkleTree(leaves)
    append = (time.perf_counter() - start) / len(leaves)
    start = time.perf_counter()
    for i in range(0, 100_000, 997):
        tree.inclusion_proof(i, tree.size)
    proof = (time.perf_counter() - start) / len(range(0, 100_000, 997))
    start = time.perf_counter()
    for old in range(1, 100_000, 997):
        tree.consistency_proof(old, tree.size)
    consistency = (time.perf_counter() - start) / len(range(1, 100_000, 997))
    return {"append": append, "inclusion_proof": proof, "consistency_proof": consistency}


def witness_cpu(voters: int) -> dict[str, float]:
    """CPU seconds per ballot of a witness verifying a 22-row election as it arrives."""
    manifest = Manifest.build(
        title="Lấy phiếu tín nhiệm", body="Hội đồng", date="2026-12-07",
        candidates=[Candidate(f"Người {i + 1}", "Chức vụ") for i in range(22)],
        rules=preset("nq96-2023"), trustees=["A", "B", "C"], threshold=2, credentials=voters,
    )  # fmt: skip
    choices = [
        [("high", "low", "blank", "medium")[(v + r) % 4] for r in range(22)] for v in range(voters)
    ]
    with tempfile.TemporaryDirectory() as root:
        outcome = run_election(
            Path(root) / "e", secp256k1(), manifest, choices,
            kdf=KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024),
        )  # fmt: skip
        lines = (outcome.record / "log.jsonl").read_bytes().splitlines(keepends=True)
        first_ballot = next(i for i, line in enumerate(lines) if b'"kind":"ballot"' in line)
        growing = GrowingLog(secp256k1(), outcome.record)
        growing.add(lines[:first_ballot])
        ballots = [line for line in lines[first_ballot:] if b'"kind":"ballot"' in line]
        start_cpu, start = time.process_time(), time.perf_counter()
        for line in ballots:
            growing.add([line])
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
        assert growing.ok, growing.report.lines()
        growing.close()
    return {
        "ballots": len(ballots),
        "cpu_per_ballot": cpu / len(ballots),
        "wall_per_ballot": wall / len(ballots),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--voters", type=int, default=40)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--load-ballots", type=int, default=400, help="ballots sent under load (0: skip)"
    )
    parser.add_argument("--load-voters", type=int, default=50)
    parser.add_argument("--paced", type=int, default=40, help="ballots then sent at --rate")
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--interval", type=float, default=2.0, help="the witnesses' --interval")
    args = parser.parse_args(argv)
    sizes = proof_sizes()
    print("Longest proofs produced (hashes of 32 bytes; hex in JSON doubles the bytes)")
    print(f"{'entries':>10} | {'inclusion':>9} | {'bytes':>6} | {'consistency':>11}")
    for row in sizes:
        print(
            f"{row['entries']:>10} | {row['inclusion_hashes']:>9} | {row['inclusion_bytes']:>6} | "
            f"{row['consistency_hashes_max']:>11}"
        )
    python, receipt_bytes, payload_bytes = python_receipt_times(args.runs)
    print(f"\nReceipt of a 22-row ballot at entry {LOG // 2} of {LOG}: {receipt_bytes} bytes "
          f"(JSON; the ballot itself {payload_bytes} bytes)")  # fmt: skip
    result: dict[str, Any] = {"proof_sizes": sizes, "receipt_bytes": receipt_bytes}
    result["python_receipt_check"] = python
    median = human(statistics.median(python))
    print(f"Receipt check, Python: best {human(min(python))}, median {median}")
    if Path(CHROMIUM).exists():
        browser, version = browser_receipt_times(args.warmups, args.runs)
        result["chromium_receipt_check"] = browser
        result["chromium"] = version
        print(
            f"Receipt check, Chromium {version}: best {human(min(browser))}, "
            f"median {human(statistics.median(browser))}"
        )
    trees = tree_times()
    result["tree_at_100000"] = trees
    print(
        f"Server tree at 100,000 entries: append {human(trees['append'])}, inclusion proof "
        f"{human(trees['inclusion_proof'])}, consistency proof {human(trees['consistency_proof'])}"
    )
    witness = witness_cpu(args.voters)
    result["witness"] = witness
    print(
        f"Witness, {witness['ballots']:.0f} ballots of 22 rows arriving one by one: CPU "
        f"{human(witness['cpu_per_ballot'])} per ballot (wall {human(witness['wall_per_ballot'])})"
    )
    if args.load_ballots:
        load = cosigning(args.load_ballots, args.load_voters, args.interval, args.paced, args.rate)
        result["cosigning"] = load
        print_cosigning(load)
    if args.json:
        document = {
            "machine": machine(),
            "command": " ".join(["python -m benchmarks.transparency", *(argv or sys.argv[1:])]),
            **result,
        }
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


# --- Time to k cosignatures under load ------------------------------------------------------

PASSPHRASE = "benchmark key files, never for real use"
WITNESS_NAMES = ("w1.bench", "w2.bench", "w3.bench")
NEEDED = 2


class CosignWatch:
    """Watches the cosigned checkpoints the server keeps (ELECTION/cosigned/<size>.txt,
    written atomically when a witness publishes) and notes when each witness's verified
    cosignature on each size was first seen."""

    def __init__(self, folder: Path, board: Any, witnesses: list[Any]) -> None:
        self.folder = folder
        self.board = board
        self.witnesses = witnesses
        self.seen: dict[tuple[str, int], float] = {}
        self._stamps: dict[str, tuple[int, int]] = {}
        self._stop = False

    def poll(self) -> None:
        from votecrypt.errors import InvalidSignature
        from votecrypt.record.checkpoint import open_checkpoint
        from votecrypt.record.cosignature import verify_cosignature

        for path in self.folder.glob("*.txt") if self.folder.is_dir() else []:
            try:
                stat = path.stat()
                stamp = (stat.st_mtime_ns, stat.st_size)
                if self._stamps.get(path.name) == stamp:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            now = time.perf_counter()
            self._stamps[path.name] = stamp
            checkpoint, note = open_checkpoint(data, self.board)
            for witness in self.witnesses:
                try:
                    verify_cosignature(note, witness)
                except InvalidSignature:
                    continue
                self.seen.setdefault((witness.name, checkpoint.size), now)

    def run(self) -> None:
        while not self._stop:
            self.poll()
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop = True

    def confirmed(self, seq: int) -> list[float]:
        """When each witness first cosigned a checkpoint holding entry `seq`, sorted."""
        times = []
        for witness in self.witnesses:
            found = [
                t for (name, size), t in self.seen.items() if name == witness.name and size > seq
            ]
            if found:
                times.append(min(found))
        return sorted(times)


def _quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    return {
        "p50": ordered[len(ordered) // 2],
        "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def _paced(
    port: int, ballots: list[bytes], rate: float
) -> tuple[list[dict[str, Any]], list[float]]:
    """Ballots sent one at a time, `rate` a second: a meeting's pace."""
    import httpx

    receipts, accepted = [], []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for body in ballots:
            started = time.perf_counter()
            answer = client.post(
                "/api/v1/ballots", content=body, headers={"content-type": "application/json"}
            )
            if answer.status_code == 201:
                receipts.append(answer.json())
                accepted.append(time.perf_counter())
            time.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))
    return receipts, accepted


def _stop(process: Any) -> None:
    """Ctrl-C, as a person stops it; SIGTERM if it does not stop (a shell that runs the
    benchmark in the background makes its children ignore SIGINT)."""
    import signal
    import subprocess

    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.wait(timeout=60)


def cosigning(
    ballots: int, voters: int, interval: float, paced: int = 0, rate: float = 2.0
) -> dict[str, Any]:
    """`votecrypt serve` with a board key and three `votecrypt witness follow` processes
    (k = 2), all on this machine; `ballots` ballots of 22 rows sent by `voters` concurrent
    voters as in benchmarks.server_load, then `paced` more at `rate` a second. For each
    accepted ballot: the time from its receipt to the first time 2 (then 3) witnesses had
    each cosigned a checkpoint that holds it; the witnesses' CPU per ballot; receipt sizes."""
    import asyncio
    import os
    import subprocess
    import threading

    from benchmarks import server_load
    from votecrypt.protocol.board_setup import BoardSetup, Witness
    from votecrypt.record.cosignature import witness_keys
    from votecrypt.storage.key_file import create_key_file

    os.environ["VOTECRYPT_PASSPHRASE"] = PASSPHRASE  # read by the server and the witnesses
    command = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        board_key = create_key_file(root / "board.key", PASSPHRASE, "benchmark board key")
        keys = [create_key_file(root / f"{name}.key", PASSPHRASE, name) for name in WITNESS_NAMES]
        setup = BoardSetup.build(
            board_key.verify_key.to_bytes(),
            [Witness(n, k.verify_key.to_bytes()) for n, k in zip(WITNESS_NAMES, keys, strict=True)],
            NEEDED,
        )
        directory, context, codes = server_load.open_election(
            root / "election", ballots + paced, setup
        )
        prepared = server_load.prepare_ballots(context, codes)
        server, port = server_load._serve(
            directory,
            os.cpu_count() or 1,
            ("--board-key", str(root / "board.key"), "--connections-per-address", "1000"),
        )
        url = f"http://127.0.0.1:{port}"
        followers = [
            subprocess.Popen(
                [
                    *command,
                    "witness",
                    "follow",
                    url,
                    "--key",
                    str(root / f"{name}.key"),
                    "--name",
                    name,
                    "--replica",
                    str(root / f"replica-{name}"),
                    "--interval",
                    str(interval),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name in WITNESS_NAMES
        ]
        watch = CosignWatch(
            directory.root / "cosigned",
            board_note_key(context.hash, board_key.verify_key.to_bytes()),
            witness_keys(setup),
        )
        thread = threading.Thread(target=watch.run, daemon=True)
        thread.start()
        try:
            deadline = time.perf_counter() + 600
            while len({name for name, _ in watch.seen}) < len(WITNESS_NAMES):
                if time.perf_counter() > deadline:
                    raise RuntimeError("the witnesses did not cosign the open board")
                time.sleep(0.1)
            cpu_before = [server_load._cpu_seconds(p.pid) for p in followers]
            level = asyncio.run(
                server_load._run_level(server_load.Target(port), prepared[:ballots], voters)
            )
            receipts = list(zip(level.receipts, level.accepted_at, strict=True))
            paced_receipts: list[tuple[dict[str, Any], float]] = []
            if paced:
                sent, times = _paced(port, prepared[ballots:], rate)
                paced_receipts = list(zip(sent, times, strict=True))
            everything = receipts + paced_receipts
            deadline = time.perf_counter() + 600
            while any(len(watch.confirmed(r["seq"])) < len(WITNESS_NAMES) for r, _ in everything):
                if time.perf_counter() > deadline:
                    break
                time.sleep(0.2)
            cpu = [
                server_load._cpu_seconds(p.pid) - b
                for p, b in zip(followers, cpu_before, strict=True)
            ]
        finally:
            watch.stop()
            for process in [*followers, server]:
                _stop(process)

    def waits(group: list[tuple[dict[str, Any], float]], k: int) -> list[float]:
        found = []
        for receipt, accepted in group:
            times = watch.confirmed(receipt["seq"])
            if len(times) >= k:
                found.append(max(0.0, times[k - 1] - accepted))
        return found

    sizes = [len(canonical_json(r["receipt"])) for r, _ in everything]
    inclusion = [len(r["receipt"]["inclusion"]) for r, _ in everything]
    result: dict[str, Any] = {
        "ballots": ballots,
        "voters": voters,
        "witness_interval_s": interval,
        "accepted": len(receipts),
        "load_seconds": level.seconds,
        "ballots_per_second": len(receipts) / level.seconds,
        "to_2_of_3": _quantiles(waits(receipts, 2)),
        "to_3_of_3": _quantiles(waits(receipts, 3)),
        "unconfirmed_2_of_3": len(receipts) - len(waits(receipts, 2)),
        "to_2_of_3_all": waits(receipts, 2),
        "to_3_of_3_all": waits(receipts, 3),
        "witness_cpu_per_ballot": [c / max(1, len(everything)) for c in cpu],
        "receipt_bytes_mean": statistics.fmean(sizes) if sizes else 0,
        "inclusion_hashes_max": max(inclusion, default=0),
    }
    if paced:
        result["paced"] = {
            "ballots": len(paced_receipts),
            "per_second": rate,
            "to_2_of_3": _quantiles(waits(paced_receipts, 2)),
            "to_3_of_3": _quantiles(waits(paced_receipts, 3)),
        }
    return result


def print_cosigning(result: dict[str, Any]) -> None:
    def line(q: dict[str, float]) -> str:
        if not q:
            return "none confirmed"
        return (
            f"p50 {human(q['p50'])}, p90 {human(q['p90'])}, max {human(q['max'])}, "
            f"mean {human(q['mean'])}"
        )

    print(
        f"\nWitnessed board under load: {result['accepted']} of {result['ballots']} ballots "
        f"from {result['voters']} voters in {result['load_seconds']:.1f} s "
        f"({result['ballots_per_second']:.0f}/s); 3 witnesses, each round every "
        f"{result['witness_interval_s']} s, k = {NEEDED}"
    )
    print(f"  receipt -> 2 of 3 cosigned: {line(result['to_2_of_3'])}")
    print(f"  receipt -> 3 of 3 cosigned: {line(result['to_3_of_3'])}")
    if result["unconfirmed_2_of_3"]:
        print(f"  NOT confirmed by 2 within 10 minutes: {result['unconfirmed_2_of_3']}")
    cpu = ", ".join(human(c) for c in result["witness_cpu_per_ballot"])
    print(f"  witness CPU per ballot (each of the 3): {cpu}")
    print(
        f"  receipts: {result['receipt_bytes_mean']:.0f} bytes of JSON on average, inclusion "
        f"proofs of at most {result['inclusion_hashes_max']} hashes"
    )
    if "paced" in result:
        paced = result["paced"]
        print(
            f"  then {paced['ballots']} ballots at {paced['per_second']}/s: 2 of 3 "
            f"{line(paced['to_2_of_3'])}; 3 of 3 {line(paced['to_3_of_3'])}"
        )


if __name__ == "__main__":
    sys.exit(main())
