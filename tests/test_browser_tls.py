"""The board over TLS, as docs/voting-stations.md has it served: `votecrypt serve` with a
certificate and key. Many fresh Debian Chromium contexts in a row (each a new TLS 1.3
connection that sends its first request with its Finished message) load the board's check
page, which reads the election and the record and verifies the setup on the device, as a
voter's phone does; and voters vote at a station (`votecrypt station --cafile`) that talks to
the board over TLS, each in a fresh browser that loads the booth anew; and ten stations in one
room, each with its own browser open on its booth, each taking a voter. The server's log
shows every answer, no 408 and no error.

A stall is not judged by a clock (the machine may be loaded): it shows in the server's log as a
408 (the head deadline ran out on a request that had arrived) or as an error line."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LAPTOP,
    ROOT,
    VOTECRYPT,
    Booth,
    Election,
    _process,
)
from test_server_cli import _certificate, _wait_until_answering

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")

#: A phone's screen, as a voter checks a ballot on it.
PHONE = {"width": 390, "height": 844}
#: Fresh browser contexts that load the check page one after another.
CONTEXTS = 30
#: Voting stations in one room, each with its own browser.
STATIONS = 10


@contextmanager
def _tls_board(tmp_path: Path, election: Election) -> Iterator[tuple[str, Path, Path]]:
    """`votecrypt serve` with a certificate and key, as the stations guide has it; yields
    (its https URL, its log, the certificate the stations pin)."""
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
            yield url, log, certfile
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture()
def tls_server(tmp_path: Path) -> Iterator[tuple[Election, str, Path, Path]]:
    election = Election(tmp_path)
    with _tls_board(tmp_path, election) as (url, log, certfile):
        yield election, url, log, certfile


def _wait_ready(station: str, log: Path) -> None:
    """Until the station has verified the board and is ready for voters."""
    deadline = time.monotonic() + 300
    while httpx.get(f"{station}/station/status", timeout=60).json()["state"] != "ready":
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def _answers(log: Path) -> list[dict[str, object]]:
    """The server's access log; fails on any line that is not an answer (a traceback, an
    error) and on any 408 or 5xx answer."""
    entries, other = [], []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            other.append(line)
    assert not other, other  # no traceback, no error line: only the access log
    statuses = [entry["status"] for entry in entries]
    assert 408 not in statuses and not [s for s in statuses if s >= 500], entries
    return entries


def test_fresh_browsers_load_and_vote_over_tls_without_a_stall(
    tmp_path: Path, tls_server: tuple[Election, str, Path, Path]
) -> None:
    election, url, log, certfile = tls_server
    assert url.startswith("https://")
    cast = []
    with (
        _process(tmp_path, "station", "station", url, "--cafile", str(certfile)) as (_, station),
        sync_api.sync_playwright() as playwright,
    ):
        _wait_ready(station, tmp_path / "station.log")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for number in range(CONTEXTS):
                context = browser.new_context(viewport=PHONE, ignore_https_errors=True)
                try:
                    page = context.new_page()
                    page.goto(f"{url}/")
                    # The check page verified the board's setup on the device (TLS 1.3).
                    page.wait_for_selector("#check-submit:not([disabled])", timeout=120_000)
                    protocol = page.evaluate(
                        "performance.getEntriesByType('navigation')[0].nextHopProtocol"
                    )
                    assert protocol == "http/1.1"
                    if number == 0:
                        ARTIFACTS.mkdir(exist_ok=True)
                        page.screenshot(path=str(ARTIFACTS / "tls-check-page.png"))
                finally:
                    context.close()
            # Each voter in a fresh browser, as at a station whose kiosk restarted: the booth
            # loads the election and the record anew through the station (over TLS to the
            # board) every time, and every voter casts.
            for number, code in enumerate(election.codes):
                context = browser.new_context(viewport=LAPTOP)
                try:
                    booth = Booth(context.new_page(), station, "tls-station")
                    cast.append(booth.vote(code, ["high"] * 5))
                    if number == 0:
                        booth.shot("tls-code")
                finally:
                    context.close()
        finally:
            browser.close()
    assert len(set(cast)) == len(election.codes)
    entries = _answers(log)
    # Every context loaded the election and the record: each answer is in the log (the
    # station's own reads come on top).
    seen = Counter((e["path"], e["status"]) for e in entries)
    assert seen["/api/v1/election", 200] >= CONTEXTS, seen
    assert seen["/api/v1/record", 200] >= CONTEXTS, seen
    submitted = [e for e in entries if e["path"] == "/api/v1/ballots" and e["status"] == 201]
    assert len(submitted) == len(election.codes)


def test_ten_stations_over_tls_load_and_vote(tmp_path: Path) -> None:
    """A meeting room: ten `votecrypt station` processes, each pinning the board's
    certificate, each with its own browser context open on its booth at the same time; then a
    voter votes at each. Every booth loads, every ballot is cast and acknowledged, and the
    board's log shows no stall and no error."""
    election = Election(tmp_path, ballots=STATIONS)
    with (
        _tls_board(tmp_path, election) as (url, log, certfile),
        ExitStack() as stations,
        sync_api.sync_playwright() as playwright,
    ):
        urls = [
            stations.enter_context(
                _process(tmp_path, f"station-{n}", "station", url, "--cafile", str(certfile))
            )[1]
            for n in range(STATIONS)
        ]
        for n, station in enumerate(urls):
            _wait_ready(station, tmp_path / f"station-{n}.log")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            booths = [
                Booth(browser.new_context(viewport=LAPTOP).new_page(), station, f"room-{n}")
                for n, station in enumerate(urls)
            ]
            cast = [
                booth.vote(code, ["high", "medium", "low", "high", "high"])
                for booth, code in zip(booths, election.codes, strict=True)
            ]
            errors = [
                line for booth in booths for line in booth.console if line.startswith("error:")
            ]
        finally:
            browser.close()
    assert len(set(cast)) == STATIONS
    assert not errors, errors
    entries = _answers(log)
    submitted = [e for e in entries if e["path"] == "/api/v1/ballots" and e["status"] == 201]
    assert len(submitted) == STATIONS
