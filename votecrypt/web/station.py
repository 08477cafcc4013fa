"""`votecrypt station`: a voting station's own server on loopback (spec 17.7).

It serves the booth installed with this votecrypt, the very bytes it digested (spec 7.5),
and forwards to the board only the API calls the booth makes. Before the board's setup
verifies and the manifest approves this booth, it serves no booth: its page and its log say
why in one line (Vietnamese and English), and it tries again on its own.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from votecrypt.errors import BoothNotApproved, EncodingError, VotecryptError
from votecrypt.math.group import Group
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.json_codec import parse_json
from votecrypt.service.installed_booth import Booth

from .middleware import SecurityHeaders
from .station_board import (
    BoardNotOpen,
    BoardUnreachable,
    board_client,
    check_booth,
    describe_error,
    fetch_setup,
    verify_setup,
)

STATION_LOGGER = "votecrypt.station"
#: The booth's calls that a station forwards (spec 17.7); everything else stays here.
FORWARDED = (
    ("GET", re.compile(r"/api/v1/(election|status|record)")),
    ("GET", re.compile(r"/api/v1/tracking/[A-Za-z0-9 -]{1,40}")),
    ("GET", re.compile(r"/api/v1/credentials/[0-9a-f]{64}")),
    ("POST", re.compile(r"/api/v1/(ballots|challenges)")),
    # The receipt's confirmations by the witnesses (spec 11.9, 11.10).
    ("GET", re.compile(r"/api/v1/checkpoint/cosigned")),
    ("GET", re.compile(r"/api/v1/proof/consistency")),
)
#: The one query each forwarded path may carry; every other path is forwarded without one.
#: The media type of each forwarded answer, set by the station whatever the board labels it: a
#: board's answer is data, never a page or a script of the station's origin (spec 17.7).
_MEDIA_TYPES = {
    "/api/v1/record": "application/x-ndjson",
    "/api/v1/checkpoint/cosigned": "text/plain; charset=utf-8",
}
#: The hosts a station answers to: its own loopback address, so that no DNS-rebound name of
#: another site reaches it (spec 17.7).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
_QUERIES = {
    "/api/v1/record": re.compile(r"start=[0-9]{1,16}"),
    "/api/v1/checkpoint/cosigned": re.compile(
        r"size=[0-9]{1,16}(&witness=[A-Za-z0-9._~%!*'()-]{1,765})?"
    ),
    "/api/v1/proof/consistency": re.compile(r"old=[0-9]{1,16}&size=[0-9]{1,16}"),
}
#: Largest submission forwarded (the board applies its own, smaller, limit).
MAX_FORWARDED_BODY = 16 << 20
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}

# The station's states, and what the page and the log say in each (spec 17.7, step 4).
CHECKING = "checking"
UNREACHABLE = "unreachable"
NOT_OPEN = "not-open"
UNVERIFIED = "unverified"
REFUSED = "refused"
READY = "ready"


@dataclass(frozen=True)
class StationState:
    """What the station knows of the board now; `line` is what its page and log show."""

    state: str
    line: str
    context: ElectionContext | None = None


def _line(state: str, detail: str = "") -> str:
    """The one line (Vietnamese / English) for a state."""
    detail = " ".join(detail.split())[:300]
    lines = {
        CHECKING: "Đang kiểm tra bảng tin… / Checking the board…",
        UNREACHABLE: "Không liên lạc được với bảng tin; chưa nhận mã, đang thử lại. / "
        f"The board cannot be reached; no code is taken, retrying ({detail}).",
        NOT_OPEN: "Bảng tin chưa mở bỏ phiếu; chưa nhận mã, đang thử lại. / "
        "The board has not opened the vote; no code is taken, retrying.",
        UNVERIFIED: "Dữ liệu thiết lập của bảng tin không kiểm chứng được; chưa nhận mã, đang "
        f"thử lại. / The board's setup does not verify; no code is taken, retrying ({detail}).",
        READY: "Sẵn sàng. / Ready.",
    }
    return lines.get(state, detail)


class Station:
    """The station's state, its watch over the board, and its ASGI application."""

    def __init__(
        self,
        board_url: str,
        booth: Booth,
        group: Group,
        *,
        cafile: Path | None = None,
        check_url: str | None = None,
        retry_seconds: float = 5.0,
        timeout: float = 30.0,
    ) -> None:
        self.board_url = board_url.rstrip("/")
        self.booth = booth
        self.group = group
        self.check_url = check_url or self.board_url + "/"
        self.retry_seconds = retry_seconds
        self._client = board_client(self.board_url, cafile, timeout)
        self._logger = logging.getLogger(STATION_LOGGER)
        self.state = StationState(CHECKING, _line(CHECKING))
        #: The context hash of the first election this station verified: it serves no other
        #: for as long as it runs (spec 17.7), so a board cannot switch it to another one.
        self._pinned: bytes | None = None
        self._logger.info(self.state.line)

    # Watching the board

    def _become(self, state: StationState) -> None:
        if (state.state, state.line) != (self.state.state, self.state.line):
            log = self._logger.error if state.state in (REFUSED, UNVERIFIED) else self._logger.info
            log(state.line)
        self.state = state

    async def check_once(self) -> StationState:
        """Read and verify the board's setup and compare the approved booth (spec 17.7,
        steps 2-3); the new state."""
        try:
            setup = await fetch_setup(self._client)
            context = await asyncio.to_thread(verify_setup, self.board_url, setup, self.group)
        except BoardUnreachable as error:
            self._become(StationState(UNREACHABLE, _line(UNREACHABLE, str(error))))
        except BoardNotOpen:
            self._become(StationState(NOT_OPEN, _line(NOT_OPEN)))
        except VotecryptError as error:
            self._become(StationState(UNVERIFIED, _line(UNVERIFIED, str(error))))
        else:
            if self._pinned is not None and context.hash != self._pinned:
                detail = (
                    f"the board now shows another election ({context.fingerprint}) than the one "
                    "this station verified"
                )
                self._become(StationState(UNVERIFIED, _line(UNVERIFIED, detail)))
                return self.state
            try:
                check_booth(context, self.booth)
            except BoothNotApproved as error:
                # Final: the setup is fixed, so this board never approves this booth.
                self._become(StationState(REFUSED, str(error), context))
            else:
                ready = f"{_line(READY)} {context.fingerprint} · booth {short_digest(self.booth)}"
                self._pinned = context.hash
                self._become(StationState(READY, ready, context))
        return self.state

    async def _still_there(self) -> None:
        """Once ready: the board still answers, for the election verified."""
        context = self.state.context
        try:
            answer = await self._client.get("/api/v1/status")
            election = answer.json().get("election") if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError) as error:
            detail = describe_error(error) if isinstance(error, httpx.HTTPError) else "bad answer"
            self._become(StationState(UNREACHABLE, _line(UNREACHABLE, detail)))
            return
        if context is not None and election != context.hash.hex():
            detail = "the board now names another election"
            self._become(StationState(UNVERIFIED, _line(UNVERIFIED, detail)))

    async def watch(self) -> None:
        """Verify, then keep looking; retry every `retry_seconds` until refused."""
        while self.state.state != REFUSED:
            if self.state.state == READY:
                await self._still_there()
            if self.state.state != READY:
                await self.check_once()
            if self.state.state == REFUSED:
                return
            await asyncio.sleep(self.retry_seconds)

    async def close(self) -> None:
        await self._client.aclose()

    # Serving

    def app(self) -> ASGIApp:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            task = asyncio.create_task(self.watch())
            try:
                yield
            finally:
                task.cancel()
                await self.close()

        routes = [
            Route("/station/status", self._status, methods=["GET"]),
            Route("/station/page.css", _page_css, methods=["GET"]),
            Route("/api/v1/{rest:path}", self._forward, methods=["GET", "POST"]),
            Route("/{path:path}", self._file, methods=["GET"]),
        ]
        app = TrustedHostMiddleware(
            Starlette(routes=routes, lifespan=lifespan), allowed_hosts=LOOPBACK_HOSTS
        )
        return SecurityHeaders(app)

    async def _status(self, request: Request) -> Response:
        state = self.state
        context = state.context
        approved = context.manifest.booth if context is not None else None
        return _json(
            {
                "state": state.state,
                "line": state.line,
                "board": self.board_url,
                "check_url": self.check_url,
                "fingerprint": context.fingerprint if context is not None else None,
                "booth": {
                    "installed": self.booth.pin.plain(),
                    "approved": approved.plain() if approved is not None else None,
                },
            }
        )

    async def _file(self, request: Request) -> Response:
        """The installed booth's bytes, only while ready; else a page saying why."""
        if self.state.state != READY:
            return _waiting_page(self.state)
        path = request.path_params["path"] or "index.html"
        content = self.booth.files.get(path)
        if content is None:
            return _json({"error": "not-found", "message": "no such file in the booth"}, 404)
        return Response(content, media_type=_TYPES.get(Path(path).suffix, "text/plain"))

    async def _forward(self, request: Request) -> Response:
        path = request.url.path
        if not any(m == request.method and p.fullmatch(path) for m, p in FORWARDED):
            return _json({"error": "not-found", "message": "not forwarded by a station"}, 404)
        state = self.state
        if state.state != READY or state.context is None:
            return _json({"error": "station-not-ready", "message": state.line}, 503)
        allowed = _QUERIES.get(path)
        query = request.url.query if allowed is not None else ""
        if query and not (allowed is not None and allowed.fullmatch(query)):
            return _json(
                {"error": "malformed", "message": "a query the station does not forward"}, 400
            )
        headers = {"accept": "application/json"}
        body: bytes | None = b""
        if request.method == "POST":
            # Only the booth's own JSON submissions: a page of another origin in the kiosk
            # browser can send a "simple" cross-origin POST without asking first.
            origin = request.headers.get("origin")
            own = f"{request.url.scheme}://{request.headers.get('host', '')}"
            json_body = request.headers.get("content-type", "").split(";")[0].strip()
            if (origin is not None and origin != own) or json_body != "application/json":
                message = "the station forwards only the booth's own JSON submissions"
                return _json({"error": "forbidden", "message": message}, 403)
            body = await _limited_body(request)
            if body is None:
                return _json({"error": "too-large", "message": "submission too large"}, 413)
            headers["content-type"] = "application/json"
        outgoing = self._client.build_request(
            request.method, path, params=query or None, headers=headers, content=body or None
        )
        try:
            answer = await self._client.send(outgoing, stream=True)
        except httpx.HTTPError as error:
            self._become(StationState(UNREACHABLE, _line(UNREACHABLE, describe_error(error))))
            return _json({"error": "unreachable", "message": self.state.line}, 503)
        kept = {k: v for k, v in answer.headers.items() if k == "retry-after"}
        kept["content-type"] = _MEDIA_TYPES.get(path, "application/json")
        if path == "/api/v1/record" and answer.status_code == 200:
            return StreamingResponse(
                answer.aiter_raw(),
                answer.status_code,
                kept,
                background=BackgroundTask(answer.aclose),
            )
        try:
            content = await answer.aread()
        except httpx.HTTPError as error:
            return _json({"error": "unreachable", "message": describe_error(error)}, 503)
        finally:
            await answer.aclose()
        election = path == "/api/v1/election" and answer.status_code == 200
        if election and not _names_context(content, state.context):
            detail = "the board's election document names another election"
            self._become(StationState(UNVERIFIED, _line(UNVERIFIED, detail)))
            return _json({"error": "station-not-ready", "message": self.state.line}, 503)
        return Response(content, answer.status_code, kept)


def short_digest(booth: Booth) -> str:
    """The booth digest as the booth shows it: its first 20 hex characters in groups of 4."""
    text = booth.digest.hex()[:20]
    return "-".join(text[i : i + 4] for i in range(0, 20, 4))


def _names_context(content: bytes, context: ElectionContext) -> bool:
    try:
        document = parse_json(content)
    except EncodingError:
        return False
    return isinstance(document, dict) and document.get("context_hash") == context.hash.hex()


async def _limited_body(request: Request) -> bytes | None:
    """The request's body, or None beyond MAX_FORWARDED_BODY."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORWARDED_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


_PAGE_CSS = (
    "body{font:1.4rem/1.5 system-ui,sans-serif;margin:3rem;color:#222}"
    "p.en{color:#555}h1{font-size:1.6rem}.refused{color:#a00}"
)


async def _page_css(request: Request) -> Response:
    return Response(_PAGE_CSS, media_type="text/css; charset=utf-8")


def _json(value: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        status,
        media_type="application/json",
    )


def _waiting_page(state: StationState) -> Response:
    """The station's page while it serves no booth: the one line, in both languages, and
    (unless refused for good) a reload every few seconds. No script: nothing to trust."""
    vi, _, en = state.line.partition(" / ")
    refresh = "" if state.state == REFUSED else '<meta http-equiv="refresh" content="5">'
    page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">{refresh}
<title>Máy bỏ phiếu · Voting station</title>
<link rel="stylesheet" href="/station/page.css"></head>
<body data-state="{html.escape(state.state)}">
<h1 class="{"refused" if state.state == REFUSED else ""}">Máy bỏ phiếu chưa mở phòng bỏ phiếu
<br><span lang="en">This voting station has not opened the booth</span></h1>
<p id="station-line">{html.escape(vi)}</p>
<p class="en" lang="en">{html.escape(en)}</p>
</body></html>
"""
    return Response(page, 503, media_type="text/html; charset=utf-8")
