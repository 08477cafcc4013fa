"""The witnessed board (spec 11.5-11.10): proof sizes, the server's tree and proofs, the
receipt check in Python and in Debian's Chromium, and a witness's CPU time per ballot.

    python -m benchmarks.transparency                  # about a minute
    python -m benchmarks.transparency --json benchmarks/results/transparency.json

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
    if args.json:
        document = {"machine": machine(), **result}
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
