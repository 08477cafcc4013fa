"""Connections as an attacker holds them (idle sockets, headers sent a byte at a time, many
connections from one address), and a board that cannot append. uvicorn counts every open
connection against its limit and closes a connection only when it is idle after a response,
so without the limits of votecrypt.web.connections one client could shut every station out
(503 for everyone). Real sockets against the real server on loopback; the limits are made
small to keep the tests short."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from server_helpers import served_election

from votecrypt.errors import BoardBusy, StorageError
from votecrypt.math import Group
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.service.voting import prepare
from votecrypt.web import SqliteBoardStore
from votecrypt.web.connections import station_protocol

HEAD_TIMEOUT = 1.0


@contextmanager
def _station(tmp_path: Path, group: Group, per_address: int) -> Iterator[tuple[str, int]]:
    config = {
        "head_timeout": HEAD_TIMEOUT,
        "connections_per_address": per_address,
        "max_connections": 8,
    }
    with served_election(tmp_path / "e", group, ballots=2, candidates=1, config=config) as (_, url):
        yield url, int(url.rsplit(":", 1)[1])


def _read_all(sock: socket.socket, limit: float) -> bytes:
    """Everything the server sends until it closes the connection (or `limit` seconds)."""
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def _status_and_body(answer: bytes) -> tuple[int, dict[str, str]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_idle_connections_are_closed_and_the_station_serves_again(
    tmp_path: Path, fast_group: Group
) -> None:
    with _station(tmp_path, fast_group, 16) as (url, port):
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        try:
            # The attack works while they are held: the server's limit is reached.
            full = httpx.get(f"{url}/api/v1/status", timeout=10)
            assert (full.status_code, full.json()["error"]) == (503, "overloaded")
            assert (
                full.json()["message"]
                == "the server has too many connections; try again in a moment"
            )
            started = time.monotonic()
            answers = [_read_all(sock, 5 * HEAD_TIMEOUT) for sock in idle]
            assert time.monotonic() - started < 4 * HEAD_TIMEOUT
            for answer in answers:
                assert _status_and_body(answer) == (
                    408,
                    {
                        "error": "timeout",
                        "message": "the request's headers did not arrive in time",
                    },
                )
            assert httpx.get(f"{url}/api/v1/status", timeout=10).status_code == 200
        finally:
            for sock in idle:
                sock.close()


def test_headers_sent_a_byte_at_a_time_do_not_keep_a_connection(
    tmp_path: Path, fast_group: Group
) -> None:
    # Each byte resets uvicorn's keep-alive timer, never the head's deadline.
    with (
        _station(tmp_path, fast_group, 16) as (_, port),
        socket.create_connection(("127.0.0.1", port)) as sock,
    ):
        sock.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: station\r\n")
        started = time.monotonic()
        while time.monotonic() - started < 6 * HEAD_TIMEOUT:
            if select.select([sock], [], [], 0.2)[0]:
                break  # the server answered, or closed the connection
            try:
                sock.sendall(b"X")
            except OSError:
                break
        waited = time.monotonic() - started
        answer = _read_all(sock, 1.0)
        assert waited < 4 * HEAD_TIMEOUT, "the server kept a connection that never finished"
        # The 408 comes first; a reset may overtake it, as the client kept sending.
        assert not answer or _status_and_body(answer)[0] == 408


def test_one_address_holds_a_limited_number_of_connections(
    tmp_path: Path, fast_group: Group
) -> None:
    with _station(tmp_path, fast_group, 3) as (url, port):
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            with socket.create_connection(("127.0.0.1", port)) as extra:
                answer = _read_all(extra, 5.0)
            head = answer.partition(b"\r\n\r\n")[0]
            assert b"Retry-After: 5" in head
            assert _status_and_body(answer) == (
                503,
                {
                    "error": "overloaded",
                    "message": "too many connections from this address; try again in a moment",
                },
            )
            held.pop().close()
            time.sleep(0.2)  # the server notices the closed connection
            assert httpx.get(f"{url}/api/v1/status", timeout=10).status_code == 200
        finally:
            for sock in held:
                sock.close()


def test_keep_alive_and_pipelined_requests_are_served(tmp_path: Path, fast_group: Group) -> None:
    # The deadline is for the head of each request: a client that sends its requests in
    # time on one connection, or several at once, is served in full.
    with _station(tmp_path, fast_group, 16) as (url, port):
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(4):
                assert client.get("/api/v1/status").status_code == 200
                time.sleep(HEAD_TIMEOUT / 2)
            assert client.get("/api/v1/record").status_code == 200
        with socket.create_connection(("127.0.0.1", port)) as sock:
            request = b"GET /api/v1/status HTTP/1.1\r\nHost: station\r\n\r\n"
            sock.sendall(
                request * 2 + b"GET /api/v1/status HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"
            )
            answers = _read_all(sock, 5.0)
        assert answers.count(b"HTTP/1.1 200 OK") == 3


def test_what_is_not_http_gets_the_apis_error_format(tmp_path: Path, fast_group: Group) -> None:
    with (
        _station(tmp_path, fast_group, 16) as (_, port),
        socket.create_connection(("127.0.0.1", port)) as sock,
    ):
        sock.sendall(b"\x16\x03\x01 not HTTP at all\r\n\r\n")
        answer = _read_all(sock, 5.0)
    assert _status_and_body(answer) == (
        400,
        {
            "error": "malformed",
            "message": "not a valid HTTP/1.1 request",
        },
    )


def test_the_limits_are_positive() -> None:
    with pytest.raises(ValueError):
        station_protocol(0, 1)
    with pytest.raises(ValueError):
        station_protocol(1.0, 0)
    with pytest.raises(ValueError):
        station_protocol(1.0, 1, None, 0)


@pytest.mark.parametrize(
    "failure",
    [
        BoardBusy("the bulletin board board.sqlite is busy (database is locked); try again"),
        StorageError("bulletin board board.sqlite: database or disk is full"),
    ],
    ids=["busy", "disk"],
)
def test_a_board_that_cannot_append_answers_503_unavailable(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    # Another process holding the board's lock too long, or a full or read-only disk: the
    # voter's station is told to send again later (documented code), never a bare 500.
    def refuse(*args: object) -> None:
        raise failure

    monkeypatch.setattr(SqliteBoardStore, "accept_checked_ballots", refuse)
    with served_election(tmp_path / "e", fast_group, ballots=2, candidates=1) as (election, url):
        prepared = prepare(election.context, election.credentials[0].code, ["high"])
        answer = httpx.post(
            f"{url}/api/v1/ballots",
            content=ballot_to_json(prepared.ballot),
            headers={"content-type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "10"
        assert answer.json() == {
            "error": "unavailable",
            "message": "the board cannot append now (busy or its disk refused); "
            "nothing was appended",
        }
        status = httpx.get(f"{url}/api/v1/status", timeout=10).json()
        assert status["ballots"] == 0
