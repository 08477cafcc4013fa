"""Running the application under uvicorn: the listening socket, TLS and the logs."""

from __future__ import annotations

import logging
import socket
import ssl
import sys
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from votecrypt.errors import VotecryptError

from .app import ERROR_LOGGER
from .connections import (
    CONNECTIONS_PER_ADDRESS,
    HEAD_TIMEOUT,
    MAX_CONNECTIONS,
    TLS_LOOP,
    WRITE_TIMEOUT,
    station_protocol,
)
from .middleware import ACCESS_LOGGER


class ServerError(VotecryptError):
    """The server cannot start: the address is taken, the certificate is unusable..."""


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (IPv4 or IPv6), or ServerError saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family = infos[0][0]
        sock = socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        raise ServerError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return sock


def tls_context(certfile: Path, keyfile: Path) -> ssl.SSLContext:
    """The server's TLS settings (the standard library's defaults for a server: TLS 1.2 and
    later, no client certificates) with the certificate and key, or ServerError with one
    clear line for an unusable pair."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as error:
        raise ServerError(f"cannot use the TLS certificate and key: {error}") from None
    return context


def configure_logs() -> None:
    """The access log and server errors as plain lines on stderr (the access log's lines are
    JSON)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in (ACCESS_LOGGER, ERROR_LOGGER):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False


def server_config(
    app: ASGIApp,
    *,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    log_level: str = "warning",
    connections_per_address: int = CONNECTIONS_PER_ADDRESS,
    head_timeout: float = HEAD_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
    write_timeout: float = WRITE_TIMEOUT,
) -> uvicorn.Config:
    """uvicorn's settings for the board server. TLS is the protocol's own (see
    votecrypt.web.connections), not uvicorn's."""
    if (certfile is None) != (keyfile is None):
        raise ServerError("TLS needs both a certificate and its key")
    tls = tls_context(certfile, keyfile) if certfile and keyfile else None
    return uvicorn.Config(
        app,
        http=station_protocol(
            head_timeout, connections_per_address, tls, max_connections, write_timeout
        ),
        loop=TLS_LOOP if tls else "auto",
        log_level=log_level,
        access_log=False,  # votecrypt.web.middleware.AccessLog writes one
        proxy_headers=False,  # the client address is the peer's, never a header's claim
        server_header=False,
        ws="none",
        lifespan="on",
        limit_concurrency=None,  # the protocol limits connections, answering in JSON
        timeout_keep_alive=5,
        timeout_graceful_shutdown=30,
    )


def serve(
    app: ASGIApp,
    sock: socket.socket,
    *,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    connections_per_address: int = CONNECTIONS_PER_ADDRESS,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); requests being handled are finished
    first, so a ballot being appended is appended and acknowledged."""
    config = server_config(
        app,
        certfile=certfile,
        keyfile=keyfile,
        connections_per_address=connections_per_address,
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        raise ServerError("the server did not start (see the lines above)")
