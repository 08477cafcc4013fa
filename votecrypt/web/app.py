"""The board server's ASGI application: the API, the OpenAPI document, the check page's
static files, and the layers around them (security headers, access log, errors as JSON)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from votecrypt.errors import BoardBusy, StorageError
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol import ballot as reasons

from .api import PREFIX, BoardApi, json_response
from .check_page import CheckPageFiles
from .errors import INTERNAL, METHOD_NOT_ALLOWED, NOT_FOUND, UNAVAILABLE, ApiError
from .middleware import AccessLog, SecurityHeaders
from .settings import ServerSettings
from .store import BoardStore

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
OPENAPI = HERE / "openapi.json"
ERROR_LOGGER = "votecrypt.web"
_MESSAGE_LENGTH = 200


def error_response(error: ApiError) -> Response:
    response = json_response(
        {"error": error.reason, "message": error.message[:_MESSAGE_LENGTH]}, error.status
    )
    if error.retry_after is not None:
        response.headers["retry-after"] = str(error.retry_after)
    return response


async def _api_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, ApiError):  # pragma: no cover - registered for ApiError only
        raise error
    return error_response(error)


async def http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    reason = {404: NOT_FOUND, 405: METHOD_NOT_ALLOWED}.get(status, reasons.MALFORMED)
    response = json_response({"error": reason, "message": f"HTTP {status}"}, status)
    if isinstance(error, HTTPException) and error.headers:
        response.headers.update(error.headers)
    return response


async def _board_unavailable(request: Request, error: Exception) -> Response:
    """The board's database is busy (another process held its lock too long) or its disk
    refused (full, read-only): nothing was appended, the client may send again later. The
    server's log says which (the message names the board file, never a request's content)."""
    logging.getLogger(ERROR_LOGGER).error("board unavailable: %s", error)
    if request.method in ("GET", "HEAD"):
        message = "the board cannot be read now (busy or its disk refused)"
    else:
        message = "the board cannot append now (busy or its disk refused); nothing was appended"
    return error_response(ApiError(UNAVAILABLE, message, retry_after=10))


async def internal_error(request: Request, error: Exception) -> Response:
    return json_response({"error": INTERNAL, "message": "internal error of the server"}, 500)


class InternalErrors:
    """Logs an unexpected exception on the server: its type and the frames of its traceback,
    never its message or anything of the request (which may hold a ballot). The client has
    already been sent the generic 500 answer by then."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._logger = logging.getLogger(ERROR_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def note_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, note_start)
        except Exception as error:
            frames = "".join(traceback.format_tb(error.__traceback__))
            self._logger.error("internal error %s\n%s", type(error).__name__, frames)
            if scope["type"] == "http" and not started:
                response = await internal_error(Request(scope), error)
                await response(scope, receive, send)
            elif scope["type"] != "http":
                raise


def _openapi_route() -> Route:
    document = OPENAPI.read_bytes()

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    return Route("/openapi.json", openapi, methods=["GET"])


def create_app(
    store: BoardStore, settings: ServerSettings | None = None, board_key: SigningKey | None = None
) -> ASGIApp:
    """The application for one election's board; `board_key` signs its checkpoints (the key
    the manifest names, spec 11.7)."""
    api = BoardApi(store, settings or ServerSettings(), board_key)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api.start()
        try:
            yield
        finally:
            api.close()

    api_routes = api.routes()
    # No redirects to the path with or without a trailing slash: Starlette would build their
    # address from the request's Host header.
    api_router = Router(api_routes, redirect_slashes=False)
    routes: list[BaseRoute] = [Mount(PREFIX, app=api_router), _openapi_route()]
    if STATIC.is_dir():
        # The check page only: stations run their own booth (spec 17.7).
        routes.append(Mount("/", app=CheckPageFiles(directory=STATIC)))
    templates = [PREFIX + route.path for route in api_routes] + ["/openapi.json"]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: http_error,
            BoardBusy: _board_unavailable,
            StorageError: _board_unavailable,
            Exception: internal_error,
        },
    )
    app.router.redirect_slashes = False
    return InternalErrors(SecurityHeaders(AccessLog(app, templates, static=STATIC.is_dir())))
