"""ASGI middleware: the structured access log and the security headers of every answer."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timezone

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "votecrypt.web.access"

#: The booth loads nothing from any other origin, runs no inline script and is never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP answer (replacing any of the same name)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._names = {name for name, _ in SECURITY_HEADERS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in self._names
                ]
                message["headers"] = headers + list(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """One JSON line per request on the logger ACCESS_LOGGER: method, the route's path
    template (never the path itself, which may hold a tracking code or a key), status and
    duration. Never a body, a query string, a header or a client address."""

    def __init__(self, app: ASGIApp, templates: Sequence[str], *, static: bool) -> None:
        self.app = app
        self._templates = [(template, compile_path(template)[0]) for template in templates]
        self._static = static

    def _template(self, scope: Scope) -> str:
        path = scope["path"]
        for template, pattern in self._templates:
            if pattern.match(path):
                return template
        if self._static and not path.startswith("/api/"):
            return "/{file}"
        return "(unknown)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            log_answer(scope["method"], self._template(scope), status, started)


def log_answer(method: str, path: str, status: int, started: float) -> None:
    """The access log's line for one answer (`started`: time.perf_counter() when the request
    began). The connection limits (votecrypt.web.connections) log the answers they send
    before any request reaches the application with method "-" and path "(connection)"."""
    logging.getLogger(ACCESS_LOGGER).info(
        json.dumps(
            {
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "method": method,
                "path": path,
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
            separators=(",", ":"),
        )
    )
