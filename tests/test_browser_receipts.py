"""The web booth checks the board's signed receipt before it says "cast" (spec 11.9), in
Debian's Chromium against a board server on loopback: an honest signed board is confirmed
("confirmed by k of m"); a server whose receipt is signed by another key, or that sends no
receipt, is shown as NOT confirmed. Screenshots in tests/artifacts/."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import JSON, running
from test_browser import CHROMIUM, CHROMIUM_ARGS, LAPTOP, Booth, _process, sync_api

from votecrypt.math import Group
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.record.checkpoint import Checkpoint, sign_checkpoint
from votecrypt.service.installed_booth import installed_booth
from votecrypt.service.voting import prepare
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")

BOARD_KEY = SigningKey.generate()
WITNESSES = [
    Witness(f"w{i}.example", SigningKey.generate().verify_key.to_bytes()) for i in range(3)
]


def forge_receipt(answer: dict[str, Any]) -> dict[str, Any]:
    """The receipt's checkpoint signed by another key under the board's name."""
    text = answer["receipt"]["checkpoint"].split("\n\n")[0] + "\n"
    forged = sign_checkpoint(Checkpoint.from_text(text), SigningKey.generate())
    return dict(answer, receipt=dict(answer["receipt"], checkpoint=forged.to_bytes().decode()))


def drop_receipt(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "receipt"}


class Lying:
    """An ASGI layer that rewrites the board's answer to a cast or challenged ballot (a lying
    server)."""

    def __init__(self, app: Any, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in (
            "/api/v1/ballots",
            "/api/v1/challenges",
        ):
            return await self.app(scope, receive, send)
        held: list[Any] = []

        async def hold(message: Any) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        start = next(m for m in held if m["type"] == "http.response.start")
        answer = json.loads(body)
        if start["status"] == 201:
            body = json.dumps(self.rewrite(answer)).encode()
        headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@contextmanager
def station(tmp_path: Path, board: str) -> Iterator[str]:
    """A voting station in front of the board at `board`, once it has verified the board's
    setup (spec 17.7): voters vote at a station, never on the board server."""
    with _process(tmp_path, "station", "station", board, "--retry-seconds", "0.5") as (_, url):
        deadline = time.monotonic() + 120
        while httpx.get(f"{url}/station/status", timeout=60).json()["state"] != "ready":
            assert time.monotonic() < deadline, (tmp_path / "station.log").read_text()
            time.sleep(0.2)
        yield url


def vote_once(url: str, code: str, name: str) -> tuple[str, str]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, name)
            booth.enter_code(code)
            booth.choose(["high", "blank", "low"])
            booth.review_and_encrypt()
            booth.cast()
            booth.shot("cast")
            assert not [line for line in booth.console if line.startswith("error")], booth.console
            return booth.page.inner_text("#cast-title"), booth.page.inner_text("#cast-confirmation")
        finally:
            browser.close()


@pytest.mark.parametrize(
    ("name", "rewrite", "confirmed"),
    [
        ("signed", None, True),
        ("forged-receipt", forge_receipt, False),
        ("no-receipt", drop_receipt, False),
    ],
)
def test_the_booth_says_cast_only_for_a_receipt_it_checked(
    tmp_path: Path, fast_group: Group, name: str, rewrite: Any, confirmed: bool
) -> None:
    from election_helpers import OpenElection

    setup = BoardSetup.build(BOARD_KEY.verify_key.to_bytes(), WITNESSES)
    election = OpenElection(
        tmp_path / "e",
        fast_group,
        ballots=4,
        candidates=3,
        booth=installed_booth().pin,
        board=setup,
    )
    election.close()
    store = SqliteBoardStore.open(election.directory, fast_group)
    app: Any = create_app(store, ServerSettings(check_processes=1), BOARD_KEY)
    if rewrite is not None:
        app = Lying(app, rewrite)
    with running(app) as board, station(tmp_path, board) as url:
        title, message = vote_once(url, election.credentials[0].code, f"receipt-{name}")
    if confirmed:
        assert "Your ballot is recorded" in title
        assert "The board signed the receipt" in message
        assert "Not yet confirmed: 0 of 3 witnesses cosigned, 2 needed." in message
        assert "Chưa được xác nhận: 0 trên 3 nhân chứng đã ký, cần 2." in message
    else:
        assert "NOT confirmed" in title
        assert "no validly signed receipt" in message


def _cosign(
    board: str, tmp_path: Path, group: Group, keys: list[SigningKey], which: tuple[int, ...]
) -> None:
    """Witnesses `which` follow the board once: verify, cosign and publish (spec 11.10)."""
    from votecrypt.service.witness import BoardFeed
    from votecrypt.service.witness import Witness as Follower

    for i in which:
        follower = Follower(f"w{i}.example", keys[i], tmp_path / f"w{i}", group, BoardFeed(board))
        assert follower.step().published
        follower.close()


@pytest.mark.parametrize("kind", ["cast", "challenged"])
def test_the_booth_shows_the_witnesses_confirmations(
    tmp_path: Path, fast_group: Group, kind: str
) -> None:
    """Two of the three named witnesses cosign while the cast (or challenged) screen shows,
    each a different checkpoint: "not yet confirmed", then "confirmed by 2 of 3" (k = 2), in
    Vietnamese and English, checked in the browser with consistency proofs from the receipt."""
    from election_helpers import OpenElection

    keys = [SigningKey.generate() for _ in range(3)]
    named = [Witness(f"w{i}.example", k.verify_key.to_bytes()) for i, k in enumerate(keys)]
    setup = BoardSetup.build(BOARD_KEY.verify_key.to_bytes(), named, 2)
    election = OpenElection(
        tmp_path / "e",
        fast_group,
        ballots=4,
        candidates=3,
        booth=installed_booth().pin,
        board=setup,
    )
    election.close()
    store = SqliteBoardStore.open(election.directory, fast_group)
    where = "#cast-confirmation" if kind == "cast" else "#challenged-receipt"
    with (
        running(create_app(store, ServerSettings(check_processes=1), BOARD_KEY)) as board,
        station(tmp_path, board) as url,
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, f"witnessed-{kind}")
            booth.enter_code(election.credentials[0].code)
            booth.choose(["high", "blank", "low"])
            booth.review_and_encrypt()
            if kind == "cast":
                booth.cast()
            else:
                booth.page.click("#decide-challenge")
                booth.screen("challenged")
            waiting = booth.page.inner_text(where)
            assert "Not yet confirmed: 0 of 3 witnesses cosigned, 2 needed." in waiting
            assert "The board signed the receipt" in waiting
            _cosign(board, tmp_path, fast_group, keys, (0,))
            # Another voter's ballot grows the log: w2 cosigns a later checkpoint than w0,
            # and the booth counts each witness once across the two (spec 11.9).
            other = prepare(election.context, election.credentials[1].code, ["low"] * 3)
            answer = httpx.post(
                f"{board}/api/v1/ballots", content=ballot_to_json(other.ballot), headers=JSON,
                timeout=120,
            )  # fmt: skip
            assert answer.status_code == 201, answer.text
            _cosign(board, tmp_path, fast_group, keys, (2,))
            latest = httpx.get(f"{board}/api/v1/checkpoint/cosigned").text
            assert "w2.example" in latest and "w0.example" not in latest
            booth.page.wait_for_selector(
                f"{where}:has-text('Confirmed by 2 of 3 witnesses.')", timeout=25_000
            )
            confirmed = booth.page.inner_text(where)
            assert "Đã được 2 trên 3 nhân chứng xác nhận." in confirmed
            assert "Not yet" not in confirmed
            booth.shot("confirmed")
            # w1 never cosigns: the board answers 404 for it, which Chromium logs; no script
            # error is allowed.
            errors = [line for line in booth.console if line.startswith("error")]
            assert all("status of 404" in line for line in errors), errors
        finally:
            browser.close()


def test_a_challenged_ballot_without_a_valid_receipt_is_shown_as_not_confirmed(
    tmp_path: Path, fast_group: Group
) -> None:
    from election_helpers import OpenElection

    setup = BoardSetup.build(BOARD_KEY.verify_key.to_bytes(), WITNESSES)
    election = OpenElection(
        tmp_path / "e", fast_group, ballots=4, candidates=3,
        booth=installed_booth().pin, board=setup,
    )  # fmt: skip
    election.close()
    store = SqliteBoardStore.open(election.directory, fast_group)
    app = Lying(create_app(store, ServerSettings(check_processes=1), BOARD_KEY), forge_receipt)
    with (
        running(app) as board,
        station(tmp_path, board) as url,
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "challenge-forged")
            booth.enter_code(election.credentials[0].code)
            booth.choose(["high", "blank", "low"])
            booth.review_and_encrypt()
            booth.page.click("#decide-challenge")
            booth.screen("challenged")
            message = booth.page.inner_text("#challenged-receipt")
            assert "no validly signed receipt for the opened ballot" in message
            assert "The opened ballot matches your choices." in booth.page.inner_text(
                "#challenged-check"
            )
            booth.shot("challenge-not-confirmed")
        finally:
            browser.close()
