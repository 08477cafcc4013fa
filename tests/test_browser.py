"""End to end in a real browser: Debian's Chromium, driven by Playwright's Python API, votes
through the web booth against `votecrypt serve` on loopback.

Several voters vote on a laptop-sized and a tablet-sized screen; one challenges a ballot and
checks the opened choices before voting afresh; a mistyped code is caught before any choice is
asked; a used code is refused; then the board closes, the trustees decrypt, `votecrypt verify`
passes and the counts equal what the browsers cast. A screenshot of every booth screen is kept
in tests/artifacts/ (not committed).

The browser is never downloaded: the test skips when /usr/bin/chromium is absent (CI installs
Debian's package, .ci/run).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from election_helpers import FAST_KDF

from votecrypt.math import secp256k1
from votecrypt.protocol.manifest import BLANK, Candidate, Manifest
from votecrypt.protocol.results import BLANK_LABELS, BLANK_MEANING
from votecrypt.record.rule_presets import preset
from votecrypt.service.installed_booth import installed_booth

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 800, "height": 1280}

PEOPLE = (
    ("Hoàng Thị Thúy Lan", "Chủ tịch HĐND tỉnh"),
    ("Nguyễn Trung Hải", "Phó Chủ tịch HĐND tỉnh"),
    ("Phạm Quang Nguyên", "Phó Chủ tịch HĐND tỉnh"),
    ("Lê Duy Thành", "Chủ tịch UBND tỉnh"),
    ("Vũ Việt Văn", "Phó Chủ tịch UBND tỉnh"),
)
BALLOTS = 6


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*VOTECRYPT, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, f"votecrypt {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


class Election:
    """An election set up to open voting, with trustees' secret files and the printed codes."""

    def __init__(self, root: Path, ballots: int = BALLOTS) -> None:
        from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
        from votecrypt.service.election_dir import create_election
        from votecrypt.service.endorsing import endorse, endorsement_view
        from votecrypt.service.voting import issue, open_board

        group = secp256k1()
        manifest = Manifest.build(
            title="Lấy phiếu tín nhiệm năm 2026",
            body="Hội đồng nhân dân tỉnh Vĩnh Phúc",
            date="2026-12-10",
            candidates=[Candidate(name, position) for name, position in PEOPLE],
            rules=preset("nq96-2023"),
            trustees=["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"],
            threshold=2,
            credentials=ballots,
            booth=installed_booth().pin,
        )
        self.manifest = manifest
        self.directory = create_election(root / "election", manifest)
        self.path = root / "election"
        self.passphrases = {i: f"passphrase-{i}" for i in (1, 2, 3)}
        self.secrets = {i: root / "private" / f"trustee-{i}.secret" for i in (1, 2, 3)}
        for i, path in self.secrets.items():
            trustee_init(self.directory, path, i, self.passphrases[i], group, FAST_KDF)
        for step in ("commit", "open", "check", "answer"):
            for i, path in self.secrets.items():
                ceremony_step(self.directory, path, self.passphrases[i], group, step)
        for i, path in self.secrets.items():
            ceremony_finalize(self.directory, path, self.passphrases[i], group)
        self.codes = [credential.code for credential in issue(self.directory)]
        view = endorsement_view(self.directory, group)
        for i, path in self.secrets.items():
            endorse(self.directory, view, path, self.passphrases[i], group, view.fingerprint)
        board, _ = open_board(self.directory, group)
        board.close_connection()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _process(tmp_path: Path, name: str, *args: str) -> Iterator[tuple[subprocess.Popen[Any], str]]:
    """`votecrypt ARGS --port P` until it listens on P; yields (process, its URL)."""
    port = _free_port()
    log = (tmp_path / f"{name}.log").open("w")
    process = subprocess.Popen(
        [*VOTECRYPT, *args, "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    raise AssertionError((tmp_path / f"{name}.log").read_text()) from None
                time.sleep(0.2)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def board_and_station(tmp_path: Path, election: Election) -> Iterator[tuple[str, str]]:
    """The board server, and a voting station in front of it once it has verified the
    board (spec 17.7); yields (board URL, station URL)."""
    with (
        _process(tmp_path, "serve", "serve", str(election.path)) as (_, board),
        _process(tmp_path, "station", "station", board, "--retry-seconds", "0.5") as (_, url),
    ):
        deadline = time.monotonic() + 120
        while httpx.get(f"{url}/station/status", timeout=60).json()["state"] != "ready":
            assert time.monotonic() < deadline, (tmp_path / "station.log").read_text()
            time.sleep(0.2)
        yield board, url


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[Election, str]]:
    """An election and the URL of its voting station: voters vote at a station, never on
    the board server."""
    election = Election(tmp_path)
    with board_and_station(tmp_path, election) as (_, url):
        yield election, url


class Booth:
    """One voting station: a browser page on the booth, with screenshots of its screens."""

    def __init__(self, page: Any, url: str, name: str) -> None:
        self.page = page
        self.name = name
        self.requests: list[tuple[str, str, str]] = []
        page.on(
            "request",
            lambda request: self.requests.append(
                (request.method, request.url, request.post_data or "")
            ),
        )
        self.console: list[str] = []
        page.on(
            "console",
            lambda message: self.console.append(f"{message.type}: {message.text}"),
        )
        page.on("pageerror", lambda error: self.console.append(f"error: page error {error}"))
        page.goto(url + "/")
        self.screen("code")

    def screen(self, name: str, timeout: float = 30_000) -> None:
        try:
            self.page.wait_for_selector(f"body[data-screen='{name}']", timeout=timeout)
        except sync_api.TimeoutError:
            shown = self.page.evaluate("document.body.dataset.screen")
            text = self.page.inner_text("main")
            raise AssertionError(f"expected screen {name}, showing {shown}: {text}") from None

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"booth-{self.name}-{name}.png"), full_page=True)

    def enter_code(self, code: str) -> None:
        self.page.fill("#code-input", code)
        self.page.click("#code-submit")

    def choose(self, choices: list[str]) -> None:
        self.screen("choices")
        for row, key in enumerate(choices):
            self.page.check(f"input[name='row-{row}'][value='{key}']")

    def review_and_encrypt(self) -> str:
        self.page.click("#choices-submit")
        self.screen("review")
        self.page.click("#review-encrypt")
        self.screen("decide", timeout=60_000)
        tracking = self.page.inner_text("#decide-tracking")
        assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", tracking)
        return tracking

    def cast(self) -> str:
        self.page.click("#decide-cast")
        self.screen("cast")
        tracking = self.page.inner_text("#cast-tracking")
        return tracking

    def vote(self, code: str, choices: list[str]) -> str:
        self.enter_code(code)
        self.choose(choices)
        tracking = self.review_and_encrypt()
        assert self.cast() == tracking
        self.page.click("#cast-done")
        self.screen("code")
        return tracking

    def review_choices(self) -> list[str]:
        cells = self.page.query_selector_all("#review-list td.choice")
        return [cell.get_attribute("data-choice") or "" for cell in cells]


def _results(record: Path) -> list[dict[str, int]]:
    """Every candidate's counts (blank included) from the record's results entry."""
    for line in (record / "log.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["kind"] == "results":
            return [dict(candidate["counts"]) for candidate in entry["payload"]["candidates"]]
    raise AssertionError("the record has no results")


def test_voters_vote_in_the_browser_and_the_count_matches(
    server: tuple[Election, str],
) -> None:
    election, url = server
    codes = election.codes
    cast: list[list[str]] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            laptop = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "laptop")
            tablet = Booth(browser.new_context(viewport=TABLET).new_page(), url, "tablet")
            page = laptop.page

            # The fingerprint the booth computed is the one the server announces.
            status = json.loads(page.evaluate("fetch('/api/v1/status').then(r => r.text())"))
            assert page.inner_text("#fingerprint") == status["fingerprint"]
            laptop.shot("1-code")

            # A mistyped code is caught at once, before any choice is asked.
            typo = ("V" if codes[0][0] != "V" else "W") + codes[0][1:]
            page.fill("#code-input", typo)
            assert page.get_attribute("#code-input", "aria-invalid") == "true"
            assert "mistyped" in page.inner_text("#code-message")
            page.click("#code-submit")
            laptop.screen("code")
            laptop.shot("2-code-mistyped")

            # Voter 1 challenges a first ballot, checks it, then votes afresh.
            first = ["high", "medium", "low", BLANK, "high"]
            laptop.enter_code(codes[0].lower().replace("-", " "))
            laptop.choose(first)
            # A line left unmarked has the rule set's one name, and its meaning is said on
            # this screen, before the review (spec 13.6).
            instructions = page.inner_text("#choices-instructions")
            assert BLANK_MEANING[0] in instructions and BLANK_MEANING[1] in instructions
            blank_option = page.inner_text("label:has(input[name='row-3'][value='blank'])")
            assert BLANK_LABELS[0] in blank_option and BLANK_LABELS[1] in blank_option
            laptop.shot("3-choices")
            page.click("#choices-submit")
            laptop.screen("review")
            assert laptop.review_choices() == first
            laptop.shot("4-review")
            page.click("#review-encrypt")
            laptop.screen("decide", timeout=60_000)
            challenged_code = page.inner_text("#decide-tracking")
            laptop.shot("5-tracking-code")
            page.click("#decide-challenge")
            laptop.screen("challenged")
            laptop.shot("6-challenged")
            opened = [
                cell.get_attribute("data-choice")
                for cell in page.query_selector_all("#challenged-list td.choice")
            ]
            assert opened == first
            assert "matches" in page.inner_text("#challenged-check")
            assert "not be counted" in page.inner_text("#screen-challenged")
            tracked = json.loads(
                page.evaluate(f"fetch('/api/v1/tracking/{challenged_code}').then(r => r.text())")
            )
            assert tracked["status"] == "challenged" and tracked["choices"] == first
            # The booth asks for the choices again: nothing is pre-filled.
            page.click("#challenged-again")
            laptop.screen("choices")
            assert page.query_selector("#choices-list input:checked") is None
            # Submitting with rows left unrated is refused, naming the rows.
            page.check("input[name='row-0'][value='high']")
            page.click("#choices-submit")
            assert "2, 3, 4, 5" in page.inner_text("#choices-message")
            laptop.shot("7-choices-missing")
            second = ["high", "high", "medium", "medium", BLANK]
            laptop.choose(second)
            tracking = laptop.review_and_encrypt()
            assert tracking != challenged_code
            assert laptop.cast() == tracking
            laptop.shot("8-cast")
            cast.append(second)
            page.click("#cast-done")
            laptop.screen("code")
            # Kiosk: nothing of the voter is left on the page.
            assert page.input_value("#code-input") == ""
            assert page.query_selector("#choices-list input") is None
            assert page.inner_text("#cast-tracking") == ""

            # The tablet's first voter, screen by screen.
            tablet_choices = ["medium", "low", "low", "high", "medium"]
            tablet.enter_code(codes[1])
            tablet.choose(tablet_choices)
            tablet.shot("3-choices")
            tablet.page.click("#choices-submit")
            tablet.screen("review")
            assert tablet.review_choices() == tablet_choices
            tablet.shot("4-review")
            tablet.page.click("#review-encrypt")
            tablet.screen("decide", timeout=60_000)
            tablet.shot("5-tracking-code")
            tablet.cast()
            tablet.shot("8-cast")
            tablet.page.click("#cast-done")
            tablet.screen("code")
            cast.append(tablet_choices)

            # More voters on both stations, some leaving lines blank.
            for booth, code, choices in (
                (laptop, codes[2], [BLANK, BLANK, "high", "low", "low"]),
                (tablet, codes[3], ["high", "medium", BLANK, "low", "high"]),
                (laptop, codes[4], [BLANK] * len(PEOPLE)),
            ):
                booth.vote(code, choices)
                cast.append(choices)

            # A used code is refused before any choice is asked.
            tablet.enter_code(codes[1])
            tablet.page.locator("#code-message", has_text="already been used").wait_for()
            tablet.screen("code")
            tablet.shot("9-code-used")

            # Nothing was stored in the browser, and nothing came from another origin.
            for booth in (laptop, tablet):
                storage = booth.page.evaluate(
                    "[localStorage.length, sessionStorage.length, document.cookie]"
                )
                assert storage == [0, 0, ""]
                assert all(
                    request_url.startswith(url + "/") for _, request_url, _ in booth.requests
                )
                # No error and no Content-Security-Policy violation in the page.
                assert not [
                    m
                    for m in booth.console
                    if m.startswith("error") or "Content Security Policy" in m
                ], booth.console
                # The codes never left the device: no URL or body holds one, in any form.
                for _, request_url, body in booth.requests:
                    sent = re.sub(r"[^A-Z0-9]", "", (request_url + body).upper())
                    for code in codes:
                        assert re.sub(r"[^A-Z0-9]", "", code)[:20] not in sent
                # Cast ballots carry ciphertexts only; only a challenge reveals choices.
                for method, request_url, body in booth.requests:
                    if method == "POST" and request_url.endswith("/api/v1/ballots"):
                        assert "outcome" not in body and "nonces" not in body
            # Only ballots and challenges are ever posted; the laptop sent both.
            for booth, posts in ((laptop, {"ballots", "challenges"}), (tablet, {"ballots"})):
                posted = {u for m, u, _ in booth.requests if m == "POST"}
                assert posted == {f"{url}/api/v1/{path}" for path in posts}
        finally:
            browser.close()

    # The board closes, the trustees decrypt, anyone verifies.
    path = str(election.path)
    _cli("board", "close", path)
    # A station left on, or opened now, says voting is closed and takes no code.
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            late = Booth(browser.new_context(viewport=TABLET).new_page(), url, "tablet")
            assert "Voting is not possible now (Voting is closed)" in late.page.inner_text(
                "#code-message"
            )
            assert late.page.is_disabled("#code-input") and late.page.is_disabled("#code-submit")
            late.shot("10-voting-closed")
        finally:
            browser.close()
    tallied = _cli("tally", path).stdout
    board_hash = tallied.split("each trustee types it): ")[1].split()[0]
    for i in (1, 3):
        _cli(
            "trustee",
            "decrypt",
            path,
            "--secret",
            str(election.secrets[i]),
            "--board-hash",
            board_hash[:16],
            env={"VOTECRYPT_PASSPHRASE": election.passphrases[i]},
        )
    _cli("result", path)
    record = election.path / "record"
    verified = _cli("verify", str(record))
    assert "FAIL" not in verified.stdout

    keys = [*election.manifest.rules.option_keys, BLANK]
    expected = [dict.fromkeys(keys, 0) for _ in PEOPLE]
    for choices in cast:
        for row, key in enumerate(choices):
            expected[row][key] += 1
    assert _results(record) == expected


def test_a_replacement_code_votes_in_the_browser_and_the_cancelled_one_is_refused(
    server: tuple[Election, str],
) -> None:
    """A spoiled slip handed back while voting is open (spec 9.6): its code is cancelled and
    a new one issued by a supplement the trustees sign; the booth, which asks the board for
    the credentials in force, takes the new code and refuses the cancelled one."""
    from votecrypt.service.election_dir import ElectionDir
    from votecrypt.service.supplements import (
        endorse_supplement,
        prepare_supplement,
        publish_supplement,
        supplement_view,
    )
    from votecrypt.service.voting import load_board

    election, url = server
    group = secp256k1()
    spoiled = election.codes[-1]
    board, context = load_board(ElectionDir(election.path), group)
    with board:
        new, _ = prepare_supplement(
            election.directory, board, context, 1, [spoiled], lambda codes: None
        )
        view = supplement_view(election.directory, group, 1)
        for i in (1, 2):
            endorse_supplement(
                election.directory, view, election.secrets[i], election.passphrases[i], group,
                added=1, cancelled=1,
            )  # fmt: skip
        publish_supplement(election.directory, board, context, 1)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "laptop")
            booth.enter_code(spoiled)
            # Said as what it is, not as a code never issued (spec 9.6, A.33).
            booth.page.wait_for_selector("#code-message:has-text('cancelled this code')")
            assert "not for this election" not in booth.page.inner_text("#code-message")
            booth.screen("code")
            booth.vote(new[0].code, ["high", "medium", "low", BLANK, "high"])
            assert not [line for line in booth.console if line.startswith("error")]
        finally:
            browser.close()
    board, _ = load_board(ElectionDir(election.path), group, read_only=True)
    with board:
        assert board.count("ballot") == 1 and board.issued() == BALLOTS
