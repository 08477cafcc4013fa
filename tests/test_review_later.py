"""Review of the connection limits (votecrypt.web.connections), the 503 `unavailable`
mapping, checked challenges and the body read before admission, as an attacker (or an
unlucky honest client) meets them. Real sockets against the real server on loopback; the
limits are made small to keep the tests short."""

from __future__ import annotations

import socket
import sqlite3
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from server_helpers import JSON, served_election
from test_server_cli import _certificate

from votecrypt.errors import BoardBusy
from votecrypt.math import Group
from votecrypt.record.ballot_codec import ballot_to_json, challenged_to_json
from votecrypt.service.voting import prepare
from votecrypt.storage.board import BulletinBoard
from votecrypt.web import SqliteBoardStore

HEAD_TIMEOUT = 1.0


@contextmanager
def _station(
    tmp_path: Path,
    group: Group,
    monkeypatch: pytest.MonkeyPatch,
    per_address: int = 16,
    **config: object,
) -> Iterator[tuple[object, str, int]]:
    options = {
        "head_timeout": HEAD_TIMEOUT,
        "connections_per_address": per_address,
        "max_connections": 64,
        **config,
    }
    with served_election(tmp_path / "e", group, ballots=2, candidates=1, config=options) as (
        election,
        url,
    ):
        yield election, url, int(url.rsplit(":", 1)[1])


def _read_all(sock: socket.socket, limit: float) -> bytes:
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def test_a_pipelined_request_whose_body_is_still_arriving_is_not_cut_by_the_head_deadline(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A keep-alive client sends a status request and, right behind it, a ballot whose body
    # takes a few seconds to arrive (well within the 30 s body timeout). The ballot's head
    # arrived in time; its request must not be answered "408 the request's headers did not
    # arrive in time" and closed half-way through its body.
    with _station(tmp_path, fast_group, monkeypatch) as (election, _, port):
        prepared = prepare(election.context, election.credentials[0].code, ["high"])
        body = ballot_to_json(prepared.ballot)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                b"GET /api/v1/status HTTP/1.1\r\nHost: station\r\n\r\n"
                b"POST /api/v1/ballots HTTP/1.1\r\nHost: station\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                b"Connection: close\r\n\r\n"
            )
            pieces = 6
            size = -(-len(body) // pieces)
            for start in range(0, len(body), size):
                time.sleep(3 * HEAD_TIMEOUT / pieces)
                try:
                    sock.sendall(body[start : start + size])
                except OSError:
                    break
            answers = _read_all(sock, 30.0)
        assert answers.count(b"HTTP/1.1 200 OK") == 1
        assert b"HTTP/1.1 201 Created" in answers, answers[-300:]
        assert b"408 Request Timeout" not in answers


def test_tls_sockets_that_never_handshake_are_limited_like_idle_ones(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Over plain HTTP, one address holds at most `per_address` connections and an idle one
    # is closed after the head timeout. Over TLS (how the stations are served), asyncio's TLS
    # server would make a socket a connection only after its handshake (up to 60 s): neither
    # limit would apply, and one client could hold as many sockets (file descriptors) as it
    # likes. The protocol runs the handshake itself, counted and within the head timeout.
    certfile, keyfile = _certificate(tmp_path)
    with _station(
        tmp_path, fast_group, monkeypatch, per_address=3, certfile=certfile, keyfile=keyfile
    ) as (_, _, port):
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        try:
            time.sleep(3 * HEAD_TIMEOUT)
            closed = 0
            for sock in idle:
                sock.settimeout(0.5)
                try:
                    closed += sock.recv(1) == b""
                except (TimeoutError, ConnectionResetError):
                    closed += 0
            # Eight idle sockets of one address, three allowed, and three head timeouts
            # passed: every one of them should be closed by now.
            assert closed == len(idle)
            context = ssl.create_default_context(cafile=str(certfile))
            with (
                socket.create_connection(("127.0.0.1", port)) as raw,
                context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
            ):
                tls.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n")
                assert _read_all(tls, 10.0).startswith(b"HTTP/1.1 200")
        finally:
            for sock in idle:
                sock.close()


def test_a_busy_board_when_the_record_is_read_answers_503_unavailable(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The board's lock held by another process while an observer downloads the record: the
    # answer must be the documented 503 `unavailable` (as for status and tracking), not a
    # "200 OK" whose body is cut off (a broken chunked stream, which a careless client may
    # read as an empty record).
    def busy(*args: object) -> None:
        raise BoardBusy("the bulletin board board.sqlite is busy (database is locked); try again")

    with _station(tmp_path, fast_group, monkeypatch) as (_, url, _):
        monkeypatch.setattr(SqliteBoardStore, "lines", busy)  # the record's first page
        try:
            answer = httpx.get(f"{url}/api/v1/record", timeout=10)
        except httpx.RemoteProtocolError as cut:
            pytest.fail(f"the record's answer was cut off: {cut}")
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "10"
        assert answer.json()["error"] == "unavailable"
        status = httpx.get(f"{url}/api/v1/status", timeout=10)
        assert status.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("head", "/api/v1/status"),
        ("credential_state", "/api/v1/credentials/" + "ab" * 32),
        ("entries", "/api/v1/tracking/K7QX-2M4D-3FAB"),
        ("lines", "/api/v1/record"),
    ],
    ids=["status", "credential", "tracking", "record"],
)
def test_a_board_that_cannot_be_read_answers_503_unavailable(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch, method: str, path: str
) -> None:
    # The disk under the board failing (or its lock held) while a station reads: SQLite's
    # own error, raised outside any write transaction, must get the documented answer too,
    # not "500 internal".
    def failing(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with _station(tmp_path, fast_group, monkeypatch) as (_, url, _):
        monkeypatch.setattr(BulletinBoard, method, failing)
        answer = httpx.get(f"{url}{path}", timeout=10)
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "10"
        assert answer.json() == {
            "error": "unavailable",
            "message": "the board cannot be read now (busy or its disk refused)",
        }


def test_a_challenge_of_a_cast_ballot_is_refused_and_gets_no_receipt_of_the_cast(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The challenge of a ballot already cast has the cast ballot's tracking code: the
    # "sent again" path (_already_published) must not hand back the cast's receipt as if
    # the challenge were on the board, and nothing is appended.
    with _station(tmp_path, fast_group, monkeypatch) as (election, url, _):
        prepared = prepare(election.context, election.credentials[0].code, ["high"])
        with httpx.Client(base_url=url, timeout=30) as client:
            cast = client.post(
                "/api/v1/ballots", content=ballot_to_json(prepared.ballot), headers=JSON
            )
            assert cast.status_code == 201
            before = client.get("/api/v1/status").json()
            for _ in range(2):
                answer = client.post(
                    "/api/v1/challenges",
                    content=challenged_to_json(prepared.challenge()),
                    headers=JSON,
                )
                assert answer.status_code == 409, answer.text
                assert answer.json()["error"] == "duplicate-ballot-id"
            assert client.get("/api/v1/status").json() == before
            found = client.get(f"/api/v1/tracking/{prepared.tracking_code}").json()
            assert found["status"] == "cast" and found["seq"] == cast.json()["seq"]
