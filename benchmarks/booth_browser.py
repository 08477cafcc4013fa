"""Ballot preparation in the web booth: the JavaScript library in Debian's Chromium, against the
Python booth, for 7, 22 and 44 office holders (blank and three levels, 95 ballots issued).

    python -m benchmarks.booth_browser            # 2 warm-ups and 7 timed runs per size
    python -m benchmarks.booth_browser --runs 3 --json benchmarks/results/booth.json
    python -m benchmarks.booth_browser --against /tmp/old   # and another checkout's library,
                                                            # alternating in the same page

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
async ({parts, code, outcomes, warmups, runs, modules}) => {
  const loaded = [];
  for (const path of modules) {
    const m = await import(path);
    const election = m.electionFromParts(parts);
    const credential = m.credentialFromCode(election.id, code);
    for (let i = 0; i < warmups; i++) m.prepareBallot(election, credential, outcomes);
    loaded.push({ m, election, credential, times: [] });
  }
  // The libraries take turns, run by run: a busy moment of the machine falls on both.
  for (let i = 0; i < runs; i++) {
    for (const { m, election, credential, times } of loaded) {
      const start = performance.now();
      m.prepareBallot(election, credential, outcomes);
      times.push((performance.now() - start) / 1000);
    }
  }
  return loaded.map(({ times }) => times);
}
"""
#: Where another checkout's library is served from (--against).
OTHER = "/other/"


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
            # The booth checks the endorsements against the ceremony's signing keys, which
            # this made-up outcome has not (electionFromParts reads their shape only).
            "endorsements": [],
        },
    }
    packing = manifest.packing()
    negated = value_points(group, packing.allowed())
    return BenchElection(parts, code, random_bytes(32), joint_key, rows, packing, negated)


def _server(other: Path | None) -> Any:
    def serve(route: Any) -> None:
        _serve_static(route, other)

    return serve


def _serve_static(route: Any, other: Path | None = None) -> None:
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path == "/":
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>b</title>")
        return
    root = STATIC
    if other is not None and path.startswith(OTHER):
        root, path = other, path.removeprefix(OTHER.rstrip("/"))
    file = (root / path.lstrip("/")).resolve()
    if root not in file.parents or not file.is_file():
        route.fulfill(status=404, body="")
        return
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if file.suffix == ".js":
        content_type = "text/javascript"
    route.fulfill(status=200, content_type=content_type, body=file.read_bytes())


def browser_times(
    elections: dict[int, BenchElection], warmups: int, runs: int, other: Path | None = None
) -> dict[int, Any]:
    """{rows: [this tree's times, the other tree's times (with `other`)]}, and {0: version}."""
    from playwright.sync_api import sync_playwright

    modules = ["/votecrypt.js"] + ([f"{OTHER}votecrypt.js"] if other is not None else [])
    outcomes = {rows: [1 + (i % 3) for i in range(rows)] for rows in elections}
    times: dict[int, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", _server(other))
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
                        "modules": modules,
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
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="office holders per ballot"
    )
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="CHECKOUT",
        help="another checkout of votecrypt: its JavaScript library runs in the same page, "
        "alternating run by run with this one",
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    other = None
    if args.against is not None:
        other = (args.against / "votecrypt" / "web" / "static").resolve()
        if not (other / "votecrypt.js").is_file():
            print(f"{args.against} is not a checkout of votecrypt", file=sys.stderr)
            return 2
    elections = {rows: bench_election(rows) for rows in args.sizes}
    in_browser = browser_times(elections, args.warmups, args.runs, other)
    version = in_browser.pop(0)
    rows_out = []
    print(f"Ballot preparation (encrypt, prove, sign), {BALLOTS} ballots issued, 4 outcomes")
    print(f"Chromium {version}; Python booth on coincurve (libsecp256k1)")
    extra = f" | {'other best':>10} | {'median':>9} | {'ratio':>5}" if other else ""
    print(
        f"{'office holders':>15} | {'Chromium best':>13} | {'median':>9} | {'Python best':>11}"
        + extra
    )
    for rows, election in elections.items():
        browser, *against = in_browser[rows]
        python = python_times(election, args.warmups, args.runs)
        line = (
            f"{rows:>15} | {human(min(browser)):>13} | {human(statistics.median(browser)):>9} | "
            f"{human(min(python)):>11}"
        )
        if against:
            ratio = statistics.median(against[0]) / statistics.median(browser)
            line += (
                f" | {human(min(against[0])):>10} | {human(statistics.median(against[0])):>9}"
                f" | {ratio:>4.2f}x"
            )
        print(line)
        result = {"rows": rows, "chromium": browser, "python": python}
        if against:
            result["chromium_other"] = against[0]
        rows_out.append(result)
    if args.json:
        document = {
            "machine": machine(),
            "chromium": version,
            "other": None if other is None else str(args.against),
            "results": rows_out,
        }
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
