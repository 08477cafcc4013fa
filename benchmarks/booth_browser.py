"""Ballot preparation in the web booth: the JavaScript library in Debian's Chromium, against the
Python booth, for 7, 22 and 44 office holders (blank and three levels, 95 ballots issued).

    python -m benchmarks.booth_browser            # 2 warm-ups and 7 timed runs per size
    python -m benchmarks.booth_browser --runs 3 --json benchmarks/results/booth.json

The page is the booth's own module (votecrypt/web/static/votecrypt.js) loaded from a local
origin that Playwright serves from the files; nothing is downloaded. Timed in the page with
performance.now() around prepareBallot (encrypt, prove and sign every row), so the numbers
are what a voter waits for after pressing "Encrypt".
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.machine import machine
from benchmarks.timing import human
from votecrypt.math import Point, Scalar, secp256k1
from votecrypt.math.randomness import random_bytes
from votecrypt.primitives.membership import value_points
from votecrypt.primitives.packing import Packing
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.credentials import credential_from_code, issue_credentials, new_code
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.record.rule_presets import preset

STATIC = Path(__file__).resolve().parent.parent / "votecrypt" / "web" / "static"
ORIGIN = "http://booth.localhost"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = (7, 22, 44)
BALLOTS = 95

PAGE_SCRIPT = """
async ({parts, code, outcomes, warmups, runs}) => {
  const m = await import('/votecrypt.js');
  const election = m.electionFromParts(parts);
  const credential = m.credentialFromCode(election.id, code);
  for (let i = 0; i < warmups; i++) m.prepareBallot(election, credential, outcomes);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    m.prepareBallot(election, credential, outcomes);
    times.push((performance.now() - start) / 1000);
  }
  return times;
}
"""


@dataclass(frozen=True)
class BenchElection:
    """What a booth needs: the published parts, and a Python ballot context for the same."""

    parts: dict[str, Any]
    code: str
    hash: bytes
    joint_key: Point
    rows: int
    packing: Packing
    negated_values: dict[int, Point]
    key_table: None = None


def bench_election(rows: int) -> BenchElection:
    """A manifest of `rows` office holders, a joint key and the credential list. The ceremony
    outcome is made up (a random key); preparing a ballot does not look at the ceremony."""
    group = secp256k1()
    manifest = Manifest.build(
        title="Lấy phiếu tín nhiệm",
        body="Quốc hội",
        date="2026-12-10",
        candidates=[Candidate(f"Người {i + 1}", "Chức vụ") for i in range(rows)],
        rules=preset("nq96-2023"),
        trustees=["A", "B", "C"],
        threshold=2,
        credentials=BALLOTS,
    )
    election = manifest.manifest_hash()
    code = new_code()
    _, keys = issue_credentials(election, BALLOTS - 1)
    voter = credential_from_code(election, code)
    public_keys = sorted([k.hex() for k in keys] + [voter.public_key.hex()])
    joint_key = group.multiply_generator(Scalar.random())
    outcome = {
        "type": "votecrypt/ceremony/outcome",
        "version": 1,
        "election": election.hex(),
        "trustees": 3,
        "threshold": 2,
        "qualified": [1, 2, 3],
        "disqualified": [],
        "joint_key": joint_key.hex(),
        "verification_keys": [
            {"trustee": j, "key": group.multiply_generator(Scalar.random()).hex()}
            for j in (1, 2, 3)
        ],
        "transcript_hash": random_bytes(32).hex(),
    }
    parts = {
        "manifest": manifest.content(),
        "ceremonyOutcome": outcome,
        "credentials": {
            "type": "votecrypt/credentials",
            "version": 1,
            "election": election.hex(),
            "public_keys": public_keys,
        },
    }
    packing = manifest.packing()
    negated = value_points(group, packing.allowed())
    return BenchElection(parts, code, random_bytes(32), joint_key, rows, packing, negated)


def _serve_static(route: Any) -> None:
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path == "/":
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>b</title>")
        return
    file = (STATIC / path.lstrip("/")).resolve()
    if STATIC not in file.parents or not file.is_file():
        route.fulfill(status=404, body="")
        return
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if file.suffix == ".js":
        content_type = "text/javascript"
    route.fulfill(status=200, content_type=content_type, body=file.read_bytes())


def browser_times(elections: dict[int, BenchElection], warmups: int, runs: int) -> dict[int, Any]:
    from playwright.sync_api import sync_playwright

    outcomes = {rows: [1 + (i % 3) for i in range(rows)] for rows in elections}
    times: dict[int, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", _serve_static)
            page.goto(f"{ORIGIN}/")
            for rows, election in elections.items():
                times[rows] = page.evaluate(
                    PAGE_SCRIPT,
                    {
                        "parts": election.parts,
                        "code": election.code,
                        "outcomes": outcomes[rows],
                        "warmups": warmups,
                        "runs": runs,
                    },
                )
            version = browser.version
        finally:
            browser.close()
    times[0] = version
    return times


def python_times(election: BenchElection, warmups: int, runs: int) -> list[float]:
    credential = credential_from_code(
        bytes.fromhex(election.parts["credentials"]["election"]), election.code
    )
    outcomes = [1 + (i % 3) for i in range(election.rows)]
    for _ in range(warmups):
        prepare_ballot(election, credential, outcomes)  # type: ignore[arg-type]
    result = []
    for _ in range(runs):
        start = time.perf_counter()
        prepare_ballot(election, credential, outcomes)  # type: ignore[arg-type]
        result.append(time.perf_counter() - start)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    elections = {rows: bench_election(rows) for rows in SIZES}
    in_browser = browser_times(elections, args.warmups, args.runs)
    version = in_browser.pop(0)
    rows_out = []
    print(f"Ballot preparation (encrypt, prove, sign), {BALLOTS} ballots issued, 4 outcomes")
    print(f"Chromium {version}; Python booth on coincurve (libsecp256k1)")
    print(f"{'office holders':>15} | {'Chromium best':>13} | {'median':>9} | {'Python best':>11}")
    for rows, election in elections.items():
        browser = in_browser[rows]
        python = python_times(election, args.warmups, args.runs)
        print(
            f"{rows:>15} | {human(min(browser)):>13} | {human(statistics.median(browser)):>9} | "
            f"{human(min(python)):>11}"
        )
        rows_out.append({"rows": rows, "chromium": browser, "python": python})
    if args.json:
        document = {"machine": machine(), "chromium": version, "results": rows_out}
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
