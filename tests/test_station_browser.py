"""The voting station and the second-device check in a real browser (Debian's Chromium via
Playwright, as tests/test_browser.py): each test an attack (spec 17.7).

- a board server that hands out a modified booth: the kiosk at a station never loads it;
- a station whose booth is not the approved one, or whose board is away: the kiosk shows one
  line in Vietnamese and English and takes no code;
- a booth that lies about a challenge's opening: the voter's phone (a second browser context)
  reads the QR code, checks the opening itself and shows other choices than the booth did.
The QR code is decoded from the screenshot by Debian's zbar (zbarimg) and must give the
address the booth shows. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from election_helpers import OpenElection
from server_helpers import running
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LAPTOP, Booth, sync_api
from test_station import INSTALLED, OTHER_BOOTH, station_for, wait_for

from votecrypt.math import Group
from votecrypt.protocol.approved_booth import BoothPin
from votecrypt.service.installed_booth import BOOTH_DIR
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app
from votecrypt.web import app as board_app
from votecrypt.web.station import READY, REFUSED, UNREACHABLE

ZBARIMG = shutil.which("zbarimg")
PHONE = {"width": 390, "height": 844}
MARKER = "sends the code and the choices to the operator"
CHOICES = ["high", "medium"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")


@pytest.fixture()
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture()
def hostile_board(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[OpenElection, str]]:
    """A board server whose operator changed every file it hands out (booth and check page),
    for an election that approves the installed booth."""
    hostile = tmp_path / "static"
    shutil.copytree(BOOTH_DIR, hostile)
    for path in hostile.rglob("*"):
        if path.suffix in (".js", ".html"):
            path.write_text(path.read_text(encoding="utf-8") + f"\n<!-- {MARKER} -->\n")
    monkeypatch.setattr(board_app, "STATIC", hostile)
    election = OpenElection(tmp_path / "e", fast_group, 4, 2, booth=INSTALLED.pin)
    election.close()
    store = SqliteBoardStore.open(election.directory, fast_group)
    with running(create_app(store, ServerSettings(check_processes=1))) as url:
        yield election, url


@contextmanager
def board_and_station(
    tmp_path: Path, group: Group, booth: BoothPin
) -> Iterator[tuple[OpenElection, str, str]]:
    """An open election approving `booth`, its board server, and a station in front of it;
    yields (election, board URL, station URL)."""
    election = OpenElection(tmp_path / "e", group, 4, 2, booth=booth)
    election.close()
    store = SqliteBoardStore.open(election.directory, group)
    with (
        running(create_app(store, ServerSettings(check_processes=1))) as board_url,
        station_for(board_url, group) as url,
    ):
        yield election, board_url, url


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_kiosk_at_a_station_never_loads_code_from_the_board(
    hostile_board: tuple[OpenElection, str], fast_group: Group, browser: Any
) -> None:
    election, board_url = hostile_board
    with station_for(board_url, fast_group) as url:
        wait_for(url, READY)
        page = browser.new_context(viewport=LAPTOP).new_page()
        loaded: dict[str, bytes] = {}
        page.on("response", lambda r: loaded.__setitem__(r.url, r.body()) if r.ok else None)
        booth = Booth(page, url, "station")
        # Every request went to the station; every file is the installed booth's.
        assert all(method and u.startswith(url + "/") for method, u, _ in booth.requests)
        files = {u.removeprefix(url + "/") or "index.html": body for u, body in loaded.items()}
        code_files = [f for f in files if not f.startswith(("api/", "station/"))]
        assert {"index.html", "booth.js", "votecrypt.js", "lib/ballot.js"} <= set(code_files)
        for name in code_files:
            assert files[name] == INSTALLED.files[name], name
        assert MARKER not in page.content()
        # The approved booth's digest is shown beside the fingerprint.
        assert page.inner_text("#fingerprint") == election.context.fingerprint
        digest = INSTALLED.digest.hex()[:20]
        shown = page.inner_text("#booth-digest").replace("-", "")
        assert shown.startswith(digest) and INSTALLED.pin.version in shown
        _shot(page, "station-1-booth")
        # The board server itself hands out no booth: `/` is the check page.
        board_page = browser.new_context(viewport=LAPTOP).new_page()
        board_page.goto(board_url + "/")
        assert board_page.evaluate("document.body.dataset.page") == "check"
        assert board_page.query_selector("#code-input") is None


def test_a_station_that_refuses_or_cannot_reach_the_board_says_so_and_takes_no_code(
    tmp_path: Path, fast_group: Group, browser: Any
) -> None:
    with board_and_station(tmp_path, fast_group, OTHER_BOOTH) as (_, _, url):
        wait_for(url, REFUSED)
        page = browser.new_context(viewport=LAPTOP).new_page()
        page.goto(url + "/")
        assert page.evaluate("document.body.dataset.state") == REFUSED
        text = page.inner_text("body")
        assert "không phải phòng đã được phê duyệt" in text
        assert "This station's booth is not the approved one" in text
        assert page.query_selector("input") is None and page.query_selector("script") is None
        _shot(page, "station-2-refused")
    with station_for("http://127.0.0.1:9", fast_group) as url:
        wait_for(url, UNREACHABLE)
        page = browser.new_context(viewport=LAPTOP).new_page()
        page.goto(url + "/")
        text = page.inner_text("body")
        assert "Không liên lạc được với bảng tin" in text and "no code is taken" in text
        assert page.query_selector("input") is None
        _shot(page, "station-3-unreachable")


#: Three changed lines make the booth encrypt "low" on every row, yet show the voter's own
#: choices after a challenge and say that they match.
LIES = (
    (
        "const outcomes = session.choices.map((key) => election.outcomes.indexOf(key));",
        "const outcomes = session.choices.map(() => election.outcomes.indexOf('low'));",
    ),
    (
        "fillChoiceTable($('challenged-list'), opened.choices);",
        "fillChoiceTable($('challenged-list'), session.choices);",
    ),
    ("const agrees =", "const agrees = true ||"),
)


def _lying_booth(route: Any) -> None:
    source = route.fetch().text()
    for honest, lie in LIES:
        assert honest in source
        source = source.replace(honest, lie)
    route.fulfill(status=200, content_type="text/javascript", body=source)


def _decode_qr(image: Path) -> str:
    result = subprocess.run(
        [str(ZBARIMG), "--raw", "-q", str(image)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _challenge(booth: Booth, code: str) -> str:
    booth.enter_code(code)
    booth.choose(CHOICES)
    tracking = booth.review_and_encrypt()
    booth.page.click("#decide-challenge")
    booth.screen("challenged")
    return tracking


def _check_on_phone(browser: Any, address: str, name: str) -> tuple[list[str], str]:
    """The voter's phone opens the address: (choices it shows, its verdict)."""
    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(address)
    phone.wait_for_selector("#check-verdict.ok, #check-verdict.bad", timeout=60_000)
    cells = phone.query_selector_all("#check-list td.choice")
    choices = [cell.get_attribute("data-choice") or "" for cell in cells]
    _shot(phone, name)
    return choices, phone.inner_text("#check-verdict")


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (Debian's zbar-tools) is not installed")
def test_a_booth_that_lies_about_a_challenge_is_caught_on_a_second_device(
    tmp_path: Path, fast_group: Group, browser: Any
) -> None:
    with board_and_station(tmp_path, fast_group, INSTALLED.pin) as (election, board_url, url):
        wait_for(url, READY)
        # An honest challenge first: the phone shows the voter's own choices.
        honest = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "station-honest")
        tracking = _challenge(honest, election.credentials[0].code)
        qr = honest.page.locator("#challenged-qr svg").screenshot(
            path=str(ARTIFACTS / "station-4-qr.png")
        )
        assert qr
        address = _decode_qr(ARTIFACTS / "station-4-qr.png")
        assert address == honest.page.inner_text("#challenged-url")
        assert address == f"{board_url}/#{tracking}"
        choices, verdict = _check_on_phone(browser, address, "check-1-honest")
        assert choices == CHOICES and "Checked on this device" in verdict

        # A lying booth: it shows the voter's choices and "matches"; the phone shows "low".
        context = browser.new_context(viewport=LAPTOP)
        context.route(f"{url}/booth.js", _lying_booth)
        liar = Booth(context.new_page(), url, "station-lying")
        tracking = _challenge(liar, election.credentials[1].code)
        shown = [
            c.get_attribute("data-choice")
            for c in liar.page.query_selector_all("#challenged-list td.choice")
        ]
        assert shown == CHOICES
        assert "matches your choices" in liar.page.inner_text("#challenged-check")
        screenshot = _shot(liar.page, "station-5-lying-booth")
        address = _decode_qr(screenshot)
        assert address == f"{board_url}/#{tracking}"
        choices, verdict = _check_on_phone(browser, address, "check-2-lie-caught")
        assert choices == ["low", "low"] and choices != shown


class FailingElection:
    """The board's application, answering its next `failures` requests for the election with
    `503 unavailable`, as a board whose database is busy does."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.failures = 0
        self.failed = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/v1/election" and self.failures > 0:
            self.failures -= 1
            self.failed += 1
            body = b'{"error":"unavailable","message":"the board cannot be read now"}'
            headers = [(b"content-type", b"application/json"), (b"retry-after", b"10")]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def test_the_booth_retries_a_board_that_fails_to_load_and_says_what_to_do(
    tmp_path: Path, fast_group: Group, browser: Any
) -> None:
    # Before: a booth whose first load failed stayed on "Đang tải cuộc bỏ phiếu…" or on a
    # dead end. Now it says each failed attempt and retries on its own; after three it says
    # what to do (wait, check the cable, tell the counting board), in Vietnamese and English,
    # and keeps trying; "Try again now" tries at once.
    election = OpenElection(tmp_path / "e", fast_group, 4, 2, booth=INSTALLED.pin)
    election.close()
    store = SqliteBoardStore.open(election.directory, fast_group)
    board = FailingElection(create_app(store, ServerSettings(check_processes=1)))
    with running(board) as board_url, station_for(board_url, fast_group) as url:
        wait_for(url, READY)
        board.failures = 3
        page = browser.new_context(viewport=LAPTOP).new_page()
        page.goto(url + "/")
        page.wait_for_selector("#loading-retry:not([hidden])", timeout=60_000)
        text = page.inner_text("#screen-loading")
        assert "Lần tải thứ 1 không thành công" in text and "Attempt 1 to load failed" in text
        assert "(the board is busy). Retrying in 2 s" in text
        _shot(page, "station-5-load-retrying")
        page.wait_for_selector("body[data-screen='unloaded']", timeout=120_000)
        assert board.failed == 3  # the first two retries were made on their own
        text = page.inner_text("#screen-unloaded")
        for words in (
            "Chưa tải được cuộc bỏ phiếu",
            "The election could not be loaded",
            "Attempt 3",
            "the board is busy",
            "kiểm tra dây mạng",
            "check the station's network cable",
            "tell the counting board",
            "tries again on its own in 8 s",
        ):
            assert words in text, (words, text)
        assert page.query_selector("#code-input:visible") is None
        _shot(page, "station-6-load-failed")
        # The board has recovered: "Try again now" loads the election at once.
        page.click("#unloaded-retry")
        page.wait_for_selector("body[data-screen='code']", timeout=120_000)
        assert page.inner_text("#fingerprint") == election.context.fingerprint
        assert page.is_hidden("#loading-retry")
        _shot(page, "station-7-loaded-after-retries")
