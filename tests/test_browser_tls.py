"""The booth over TLS in Debian's Chromium, as docs/voting-stations.md has the stations use it:
`votecrypt serve` with a certificate and key, many fresh browser contexts in a row (each a new
TLS 1.3 connection that sends its first request with its Finished message), every one loads the
booth and several vote. The server's log shows every answer, no 408 and no error.

A stall is not judged by a clock (the machine may be loaded): it shows in the server's log as a
408 (the head deadline ran out on a request that had arrived) or as an error line."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, LAPTOP, ROOT, VOTECRYPT, Booth, Election
from test_server_cli import _certificate, _wait_until_answering

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")

#: Fresh browser contexts that load the booth one after another.
CONTEXTS = 30


@pytest.fixture()
def tls_server(tmp_path: Path) -> Iterator[tuple[Election, str, Path]]:
    election = Election(tmp_path)
    certfile, keyfile = _certificate(tmp_path)
    log = tmp_path / "serve.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [
                *VOTECRYPT,
                "serve",
                str(election.path),
                "--port",
                "0",
                "--certfile",
                str(certfile),
                "--keyfile",
                str(keyfile),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            assert process.stdout is not None
            url = ""
            deadline = time.monotonic() + 120
            while not url and time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line:
                    raise AssertionError(log.read_text())
                if line.startswith("Serving the board on "):
                    url = line.split()[4].rstrip("/")
            _wait_until_answering(url)
            yield election, url, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_fresh_browsers_load_and_vote_over_tls_without_a_stall(
    tls_server: tuple[Election, str, Path],
) -> None:
    election, url, log = tls_server
    assert url.startswith("https://")
    cast = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for number in range(CONTEXTS):
                context = browser.new_context(viewport=LAPTOP, ignore_https_errors=True)
                try:
                    booth = Booth(context.new_page(), url, f"tls-{number}")
                    protocol = booth.page.evaluate(
                        "performance.getEntriesByType('navigation')[0].nextHopProtocol"
                    )
                    assert protocol == "http/1.1"
                    if number < len(election.codes):
                        cast.append(booth.vote(election.codes[number], ["high"] * 5))
                    if number == 0:
                        booth.shot("tls-code")
                finally:
                    context.close()
        finally:
            browser.close()
    assert len(set(cast)) == len(election.codes)
    entries, other = [], []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            other.append(line)
    assert not other, other  # no traceback, no error line: only the access log
    statuses = [entry["status"] for entry in entries]
    assert 408 not in statuses and not [s for s in statuses if s >= 500], entries
    # Every context loaded the election and the record: each answer is in the log.
    seen = Counter((e["path"], e["status"]) for e in entries)
    assert seen["/api/v1/election", 200] == CONTEXTS, seen
    assert seen["/api/v1/record", 200] == CONTEXTS, seen
    submitted = [e for e in entries if e["path"] == "/api/v1/ballots" and e["status"] == 201]
    assert len(submitted) == len(election.codes)
