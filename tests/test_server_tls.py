"""TLS through the connection limits, as real clients speak it: a TLS 1.3 client that sends its
Finished message and its first request in one segment (as Chromium does), TLS 1.2 and 1.3 from
Python's ssl, curl, and the booth in Debian's Chromium, many fresh browser contexts in a row.
Every answer the server sends is in its access log. Real server on loopback; no test depends
on a request finishing within a few seconds."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from server_helpers import served_election
from test_server_cli import _certificate

from votecrypt.math import Group
from votecrypt.web.middleware import ACCESS_LOGGER

#: Generous: a loaded test machine may take many seconds for one answer; a stall fails the
#: test only by not answering at all within this long.
PATIENCE = 120.0
REQUEST = b"GET /api/v1/status HTTP/1.1\r\nHost: station\r\nConnection: close\r\n\r\n"


@contextmanager
def _tls_station(tmp_path: Path, group: Group, **config: object) -> Iterator[tuple[int, Path]]:
    certfile, keyfile = _certificate(tmp_path)
    options = {"certfile": certfile, "keyfile": keyfile, **config}
    with served_election(tmp_path / "e", group, ballots=2, candidates=1, config=options) as (
        _,
        url,
    ):
        yield int(url.rsplit(":", 1)[1]), certfile


def _coalesced(port: int, cafile: Path, version: ssl.TLSVersion, request: bytes) -> bytes:
    """One request over TLS `version`, the client's last handshake flight and the request sent
    in one write (for TLS 1.3 the Finished message and the request arrive together, as from
    Chromium); the whole answer, read until the server closes."""
    context = ssl.create_default_context(cafile=str(cafile))
    context.minimum_version = context.maximum_version = version
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                if pending := outgoing.read():
                    sock.sendall(pending)
                chunk = sock.recv(65536)
                if not chunk:
                    return b""
                incoming.write(chunk)
        tls.write(request)
        sock.sendall(outgoing.read())
        answer = b""
        while True:
            try:
                if data := tls.read(65536):
                    answer += data
                    if _complete(answer):
                        return answer
                    continue
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                return answer
            chunk = sock.recv(65536)
            if not chunk:
                return answer
            incoming.write(chunk)


def _complete(answer: bytes) -> bool:
    """Whether `answer` holds a whole response with a Content-Length (the server's TLS layer
    closes only after waiting for the client's close_notify, which this client never sends)."""
    head, separator, body = answer.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2])
def test_a_request_sent_with_the_finished_message_is_answered(
    tmp_path: Path, fast_group: Group, version: ssl.TLSVersion
) -> None:
    # Chromium sends its first request in the same segment as its TLS 1.3 Finished message.
    # The request is decrypted as the handshake completes, before the handshake's waiter
    # resumes: it must reach the HTTP protocol once that is ready (it used to be parsed
    # before, and its answer died on `'NoneType' object has no attribute 'write_paused'`,
    # the client stalled until the head deadline).
    with _tls_station(tmp_path, fast_group) as (port, cafile):
        for _ in range(20):
            answer = _coalesced(port, cafile, version, REQUEST)
            assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:200]
            assert b'"phase":"voting"' in answer


@contextmanager
def _access_log() -> Iterator[list[dict[str, object]]]:
    """The access log's lines (as JSON) while the block runs."""
    lines: list[dict[str, object]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(record.getMessage()))

    logger = logging.getLogger(ACCESS_LOGGER)
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_every_answer_is_logged_those_of_the_connection_limits_included(
    tmp_path: Path, fast_group: Group
) -> None:
    # The limits answer some requests themselves, before the application sees them (400 not
    # HTTP, 408 head too slow, 503 too many connections): each is in the access log too.
    with (
        _access_log() as lines,
        _tls_station(tmp_path, fast_group, head_timeout=1.0, connections_per_address=2) as (
            port,
            cafile,
        ),
    ):
        assert _coalesced(port, cafile, ssl.TLSVersion.TLSv1_3, REQUEST).startswith(b"HTTP/1.1 200")
        assert _coalesced(port, cafile, ssl.TLSVersion.TLSv1_3, b"NOT HTTP\r\n\r\n").startswith(
            b"HTTP/1.1 400"
        )
        # Two idle sockets take this address's share; a third is refused; then both idle
        # ones get the head deadline.
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as third:
                assert third.recv(1) == b""
        finally:
            for sock in idle:
                sock.close()
    statuses = [(line["path"], line["status"]) for line in lines]
    assert ("/api/v1/status", 200) in statuses
    assert ("(connection)", 400) in statuses
    assert ("(connection)", 503) in statuses


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("version", ["--tlsv1.2 --tls-max 1.2", "--tlsv1.3"])
def test_curl_over_tls_1_2_and_1_3(tmp_path: Path, fast_group: Group, version: str) -> None:
    with _tls_station(tmp_path, fast_group) as (port, cafile):
        for _ in range(5):
            url = f"https://127.0.0.1:{port}/api/v1/status"
            result = subprocess.run(
                [
                    "curl",
                    "--silent",
                    "--show-error",
                    "--cacert",
                    str(cafile),
                    *version.split(),
                    "--max-time",
                    str(int(PATIENCE)),
                    url,
                ],
                capture_output=True,
                text=True,
                timeout=PATIENCE + 30,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert json.loads(result.stdout)["fingerprint"]
