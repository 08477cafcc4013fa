"""The voting station and the second-device check in a real browser (Debian's Chromium via
Playwright, as tests/test_browser.py): each test an attack (spec 17.7).

- a board server that hands out a modified booth: the kiosk at a station never loads it;
- a station whose booth is not the approved one, or whose board is away: the kiosk shows one
  line in Vietnamese and English and takes no code;
- a booth that lies about a challenge's opening: the voter's phone (a second browser context)
  reads the QR code, opens the check page on an observer's mirror (spec 11.12), proves the
  challenge is in the board's signed log, checks the opening itself and shows other choices
  than the booth did;
- a copy of the board (board or mirror) that serves a forged inclusion proof or a checkpoint
  signed by another key: the phone shows "not confirmed" and no choices.
The QR code is decoded from the screenshot by Debian's zbar (zbarimg) and must give the
address the booth shows. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from election_helpers import OpenElection
from server_helpers import JSON, running
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LAPTOP, Booth, sync_api
from test_station import INSTALLED, OTHER_BOOTH, station_for, wait_for

from votecrypt.math import Group
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.approved_booth import BoothPin
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.record.ballot_codec import challenged_to_json
from votecrypt.record.checkpoint import Checkpoint, board_note_key, sign_checkpoint
from votecrypt.record.note import NoteSignature, SignedNote
from votecrypt.service.installed_booth import BOOTH_DIR
from votecrypt.service.voting import prepare
from votecrypt.service.witness import BoardFeed
from votecrypt.service.witness import Witness as Follower
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app
from votecrypt.web import app as board_app
from votecrypt.web.mirror import MirrorReplica, create_mirror_app
from votecrypt.web.station import READY, REFUSED, UNREACHABLE

ZBARIMG = shutil.which("zbarimg")
PHONE = {"width": 390, "height": 844}
MARKER = "sends the code and the choices to the operator"
CHOICES = ["high", "medium"]
WITNESS = "observer.example"
JSON_TYPE = "application/json"

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


@contextmanager
def board_mirror_and_station(
    tmp_path: Path, group: Group
) -> Iterator[tuple[OpenElection, str, str, str]]:
    """A signed board naming one witness, the witness following it (a thread) and serving its
    mirror (spec 11.12), and a station whose QR code points at the mirror; yields (election,
    board URL, mirror URL, station URL)."""
    board_key, witness_key = SigningKey.generate(), SigningKey.generate()
    setup = BoardSetup.build(
        board_key.verify_key.to_bytes(), [Witness(WITNESS, witness_key.verify_key.to_bytes())]
    )
    election = OpenElection(tmp_path / "e", group, 4, 2, booth=INSTALLED.pin, board=setup)
    election.close()
    store = SqliteBoardStore.open(election.directory, group)
    replica = tmp_path / "replica"
    stop = threading.Event()
    with (
        running(create_app(store, ServerSettings(check_processes=1), board_key)) as board_url,
        running(create_mirror_app(MirrorReplica(replica, group))) as mirror_url,
        station_for(board_url, group, check_url=mirror_url + "/") as url,
    ):
        follower = Follower(WITNESS, witness_key, replica, group, BoardFeed(board_url))

        def follow() -> None:
            while not stop.wait(0.3):
                follower.step()

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        try:
            yield election, board_url, mirror_url, url
        finally:
            stop.set()
            thread.join(timeout=120)
            follower.close()


def _mirrored(mirror: str, tracking: str) -> None:
    """Wait until the mirror serves the ballot (its witness cosigned a checkpoint with it)."""
    deadline = time.monotonic() + 120
    while httpx.get(f"{mirror}/api/v1/tracking/{tracking}", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "the mirror never showed the ballot"
        time.sleep(0.2)


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (Debian's zbar-tools) is not installed")
def test_a_booth_that_lies_about_a_challenge_is_caught_on_a_second_device_at_a_mirror(
    tmp_path: Path, fast_group: Group, browser: Any
) -> None:
    with board_mirror_and_station(tmp_path, fast_group) as (election, _, mirror, url):
        wait_for(url, READY)
        # An honest challenge first: the phone, on the observer's mirror, shows the choices.
        honest = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "station-honest")
        tracking = _challenge(honest, election.credentials[0].code)
        qr = honest.page.locator("#challenged-qr svg").screenshot(
            path=str(ARTIFACTS / "station-4-qr.png")
        )
        assert qr
        address = _decode_qr(ARTIFACTS / "station-4-qr.png")
        assert address == honest.page.inner_text("#challenged-url")
        assert address == f"{mirror}/#{tracking}"
        _mirrored(mirror, tracking)
        phone = _check_on_phone(browser, address, "check-1-honest")
        assert phone.choices == CHOICES and phone.state == "challenged"
        assert "Checked on this device" in phone.verdict
        assert "Confirmed by 1 of 1 witnesses" in phone.proof

        # A lying booth (another browser context): it encrypts "low" on every row, shows the
        # voter's choices and says they match; the phone, reading its QR code, shows "low".
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
        assert address == f"{mirror}/#{tracking}"
        _mirrored(mirror, tracking)
        phone = _check_on_phone(browser, address, "check-2-lie-caught")
        assert phone.choices == ["low", "low"] and phone.choices != shown
        assert phone.state == "challenged"

        # The tracking page for a cast ballot, on the mirror.
        voter = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "station-cast")
        cast = voter.vote(election.credentials[2].code, CHOICES)
        _mirrored(mirror, cast)
        phone = _check_on_phone(browser, f"{mirror}/#{cast}", "check-3-cast")
        assert phone.state == "cast" and phone.choices == []
        assert "Cast" in phone.status_text and "Confirmed by 1 of 1 witnesses" in phone.proof


class Phone(NamedTuple):
    state: str
    choices: list[str]
    verdict: str
    proof: str
    status_text: str


def _check_on_phone(
    browser: Any, address: str, name: str, route: tuple[str, Any] | None = None
) -> Phone:
    """The voter's phone (a browser context 390 px wide) opens the address: what it shows.
    `route`: a (URL pattern, handler) the phone's requests go through (a lying copy)."""
    # Imported here: that module imports this one.
    from test_booth_at_the_meeting import _axe_source, _violations

    context = browser.new_context(viewport=PHONE)
    context.add_init_script(script=_axe_source())
    if route is not None:
        context.route(*route)
    phone = context.new_page()
    phone.goto(address)
    phone.wait_for_selector("#check-verdict.ok, #check-verdict.bad", timeout=120_000)
    table = phone.query_selector("#check-table")
    cells = [] if table is None or not table.is_visible() else table.query_selector_all("td.choice")
    _shot(phone, name)
    # The page fits the phone's width: nothing to scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    # And passes the accessibility checks the booth passes (WCAG 2.2 A and AA, axe-core).
    assert _violations(phone) == [], name
    return Phone(
        phone.evaluate("document.getElementById('check-result').dataset.state"),
        [cell.get_attribute("data-choice") or "" for cell in cells],
        phone.inner_text("#check-verdict"),
        phone.inner_text("#check-proof") if phone.is_visible("#check-proof") else "",
        phone.inner_text("#check-state") if phone.is_visible("#check-state") else "",
    )


def _fulfil_with(body: bytes, content_type: str) -> Any:
    def handler(route: Any) -> None:
        route.fulfill(status=200, content_type=content_type, body=body)

    return handler


def test_a_copy_of_the_board_that_proves_nothing_is_shown_as_not_confirmed(
    tmp_path: Path, fast_group: Group, browser: Any
) -> None:
    """A board or mirror serving the challenge with a forged inclusion proof, another entry
    than the one proven, or a checkpoint signed by another key than the manifest's: the phone
    shows "not confirmed" and no choices; one pointing the tracking code at another ballot's
    place: "does NOT check" (spec 11.12, 17.7). The board's own page, honest, confirms."""
    with board_mirror_and_station(tmp_path, fast_group) as (election, board_url, mirror, url):
        wait_for(url, READY)
        # A checkpoint the witness cosigned before the challenge (too old to hold it).
        deadline = time.monotonic() + 120
        while (older := httpx.get(f"{mirror}/api/v1/checkpoint")).status_code != 200:
            assert time.monotonic() < deadline, older.text
            time.sleep(0.2)
        prepared = prepare(election.context, election.credentials[0].code, CHOICES)
        body = challenged_to_json(prepared.challenge())
        answer = httpx.post(f"{url}/api/v1/challenges", content=body, headers=JSON, timeout=120)
        assert answer.status_code == 201, answer.text
        tracking = prepared.tracking_code
        _mirrored(mirror, tracking)
        address = f"{mirror}/#{tracking}"

        # No checkpoint at all.
        def no_checkpoint(route: Any) -> None:
            route.fulfill(status=404, content_type=JSON_TYPE, body=b'{"error":"not-found"}')

        phone = _check_on_phone(
            browser, address, "check-12-no-checkpoint", ("**/api/v1/checkpoint**", no_checkpoint)
        )
        assert phone.state == "not-confirmed" and phone.choices == []

        # A genuine signed and cosigned checkpoint, but from before the ballot.
        phone = _check_on_phone(
            browser,
            address,
            "check-10-older-checkpoint",
            ("**/api/v1/checkpoint**", _fulfil_with(older.content, "text/plain")),
        )
        assert phone.state == "not-confirmed" and phone.choices == []
        seq = httpx.get(f"{mirror}/api/v1/tracking/{tracking}").json()["seq"]
        note = httpx.get(f"{mirror}/api/v1/checkpoint").content
        size = int(note.decode().split("\n")[1])
        proof = httpx.get(f"{mirror}/api/v1/proof/inclusion?seq={seq}&size={size}").json()

        # A forged inclusion proof.
        forged = dict(proof, proof=["11" * 32, *proof["proof"][1:]])
        phone = _check_on_phone(
            browser,
            address,
            "check-4-forged-proof",
            ("**/api/v1/proof/inclusion*", _fulfil_with(json.dumps(forged).encode(), JSON_TYPE)),
        )
        assert phone.state == "not-confirmed" and phone.choices == []
        assert "NOT confirmed" in phone.status_text and "does not prove" in phone.verdict

        # Another entry at the ballot's place (a challenge of other choices), the true proof.
        other = prepare(election.context, election.credentials[1].code, ["low", "low"])
        line = httpx.get(f"{mirror}/api/v1/record?start={seq}").content.split(b"\n")[0]
        entry = json.loads(line)
        entry["payload"] = json.loads(challenged_to_json(other.challenge()))
        phone = _check_on_phone(
            browser,
            address,
            "check-6-other-entry",
            (
                f"{mirror}/api/v1/record?start={seq}",
                _fulfil_with(json.dumps(entry).encode() + b"\n", "application/x-ndjson"),
            ),
        )
        assert phone.state == "not-confirmed" and phone.choices == []

        # The tracking answer points at another ballot's place (proven, but not this ballot).
        decoy = prepare(election.context, election.credentials[2].code, ["low", "low"])
        body = challenged_to_json(decoy.challenge())
        answer = httpx.post(f"{url}/api/v1/challenges", content=body, headers=JSON, timeout=120)
        assert answer.status_code == 201, answer.text
        _mirrored(mirror, decoy.tracking_code)
        pointed = httpx.get(f"{mirror}/api/v1/tracking/{decoy.tracking_code}").content
        phone = _check_on_phone(
            browser,
            address,
            "check-7-other-place",
            (f"{mirror}/api/v1/tracking/*", _fulfil_with(pointed, JSON_TYPE)),
        )
        assert phone.state == "bad" and phone.choices == []
        assert "does NOT check" in phone.verdict

        # A code no copy holds (or not yet): said so, with no state of a ballot.
        phone = _check_on_phone(browser, f"{mirror}/#AAAA-BBBB-CCCC", "check-9-absent")
        assert phone.state == "absent" and phone.choices == []
        assert (
            "No ballot with this tracking code" in phone.verdict and "look again" in phone.verdict
        )

        # The board's own check page, honest: the same ballot, confirmed.
        phone = _check_on_phone(browser, f"{board_url}/#{tracking}", "check-8-board")
        assert phone.state == "challenged" and phone.choices == CHOICES

        # The same checkpoint signed by another key (under the board's name, and claiming the
        # board's key ID), cosignatures dropped.
        text = note.decode().split("\n\n")[0] + "\n"
        other = SigningKey.generate()
        for claimed in ("other", "board"):
            signed = sign_checkpoint(Checkpoint.from_text(text), other)
            if claimed == "board":
                board = election.context.manifest.board
                assert board is not None
                key = board_note_key(election.context.hash, board.key)
                line = signed.signatures[0]
                signed = SignedNote(
                    signed.text, (NoteSignature(line.name, key.key_id, line.signature),)
                )
            handler = _fulfil_with(signed.to_bytes(), "text/plain")
            phone = _check_on_phone(
                browser,
                address,
                f"check-5-other-key-{claimed}",
                ("**/api/v1/checkpoint**", handler),
            )
            assert phone.state == "not-confirmed" and phone.choices == [], claimed
            assert "NOT confirmed" in phone.status_text


def test_an_unsigned_board_confirms_nothing(
    tmp_path: Path, fast_group: Group, browser: Any
) -> None:
    """A board whose manifest names no board key: its check page proves nothing, so a
    challenged ballot is "not confirmed" and its choices are not shown (spec 17.7)."""
    with board_and_station(tmp_path, fast_group, INSTALLED.pin) as (election, board_url, url):
        wait_for(url, READY)
        prepared = prepare(election.context, election.credentials[0].code, CHOICES)
        body = challenged_to_json(prepared.challenge())
        answer = httpx.post(f"{url}/api/v1/challenges", content=body, headers=JSON, timeout=120)
        assert answer.status_code == 201, answer.text
        phone = _check_on_phone(
            browser, f"{board_url}/#{prepared.tracking_code}", "check-11-unsigned-board"
        )
        assert phone.state == "not-confirmed" and phone.choices == []
        assert "names no board key" in phone.verdict


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
        _shot(page, "station-8-load-retrying")
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
        _shot(page, "station-9-load-failed")
        # The board has recovered: "Try again now" loads the election at once.
        page.click("#unloaded-retry")
        page.wait_for_selector("body[data-screen='code']", timeout=120_000)
        assert page.inner_text("#fingerprint") == election.context.fingerprint
        assert page.is_hidden("#loading-retry")
        _shot(page, "station-10-loaded-after-retries")
