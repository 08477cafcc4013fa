"""`votecrypt serve` as a real process: loopback by default, TLS with a certificate and key,
Ctrl-C stops it cleanly, and every start-up problem is one line with a documented exit code."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from election_helpers import OpenElection
from server_helpers import JSON
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main

from benchmarks.server_load import certificate as _certificate
from votecrypt.math import Group
from votecrypt.protocol.credentials import new_code
from votecrypt.record.ballot_codec import challenged_to_json
from votecrypt.service.voting import prepare

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory, fast_group: Group) -> Path:
    opened = OpenElection(tmp_path_factory.mktemp("serve") / "e", fast_group, 3, 2)
    opened.close()
    return opened.directory.root


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """Run `votecrypt serve ...` until it prints its address; stop it with SIGINT."""
    process = subprocess.Popen(
        [*VOTECRYPT, "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Serving"):
            break
    try:
        if not (lines and lines[-1].startswith("Serving")):
            process.kill()
            _, errors = process.communicate(timeout=60)
            raise AssertionError(f"votecrypt serve did not start: {lines} {errors}")
        _wait_until_answering(lines[-1].split()[4])
        yield process, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_answering(url: str) -> None:
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)


def _port(line: str) -> int:
    return int(line.split()[4].rstrip("/").rsplit(":", 1)[1])


def test_serve_on_loopback_then_stop_with_ctrl_c(election: Path) -> None:
    with serving(str(election), "--port", "0", "--workers-pool", "1") as (process, lines):
        port = _port(lines[-1])
        assert lines[-1] == f"Serving the board on http://127.0.0.1:{port}/ (Ctrl-C to stop)"
        fingerprint = next(line for line in lines if "fingerprint" in line).split()[-1]
        status = httpx.get(f"http://127.0.0.1:{port}/api/v1/status").json()
        assert status["fingerprint"] == fingerprint
        assert status["phase"] == "voting"
        process.send_signal(signal.SIGINT)
        output, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert output.strip().endswith("Stopped. Every acknowledged ballot is on the board.")
    assert "Traceback" not in errors
    access = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    assert {"method": "GET", "path": "/api/v1/status", "status": 200} in [
        {k: r[k] for k in ("method", "path", "status")} for r in access
    ]


def test_serve_with_tls(election: Path, tmp_path: Path) -> None:
    certfile, keyfile = _certificate(tmp_path)
    args = ["--port", "0", "--certfile", str(certfile), "--keyfile", str(keyfile)]
    with serving(str(election), *args, "--workers-pool", "1") as (_, lines):
        port = _port(lines[-1])
        assert lines[-1].startswith(f"Serving the board on https://127.0.0.1:{port}/")
        trusted = ssl.create_default_context(cafile=str(certfile))
        # No few-second deadline: a loaded machine may take long to handshake and answer
        # (a stall would show as the server's own head deadline, a 408, not as a timeout).
        answer = httpx.get(f"https://127.0.0.1:{port}/api/v1/status", verify=trusted, timeout=120)
        assert answer.status_code == 200
        with pytest.raises(httpx.TransportError) as refused:  # plain HTTP is not served
            httpx.get(f"http://127.0.0.1:{port}/api/v1/status", timeout=120)
        assert not isinstance(refused.value, httpx.TimeoutException)


def _refused(*args: str, code: int) -> str:
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    if code != exit_codes.USAGE:
        assert [line for line in result.output.splitlines() if line.startswith("error")], (
            result.output
        )
    return result.output


def test_start_up_problems_are_one_line(election: Path, tmp_path: Path) -> None:
    certfile, keyfile = _certificate(tmp_path)
    _refused(str(election), "--certfile", str(certfile), code=exit_codes.USAGE)
    output = _refused(str(tmp_path / "nowhere"), code=exit_codes.NOT_READY)
    assert "no election directory at" in output
    unopened = tmp_path / "unopened"
    unopened.mkdir()
    output = _refused(str(unopened), code=exit_codes.NOT_READY)
    assert "open the vote first (`votecrypt board open`)" in output
    (tmp_path / "bad.crt").write_text("not a certificate")
    output = _refused(
        str(election),
        "--certfile",
        str(tmp_path / "bad.crt"),
        "--keyfile",
        str(keyfile),
        code=exit_codes.BAD_INPUT,
    )
    assert "certificate" in output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        output = _refused(str(election), "--port", str(port), code=exit_codes.BAD_INPUT)
    assert f"cannot listen on 127.0.0.1:{port}" in output
    _refused(str(election), "--port", "70000", code=exit_codes.USAGE)


def test_stopping_mid_vote_loses_no_acknowledged_ballot(tmp_path: Path, fast_group: Group) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from votecrypt.record.ballot_codec import ballot_to_json
    from votecrypt.service.voting import load_board, prepare

    opened = OpenElection(tmp_path / "e", fast_group, 12, 2)
    opened.close()
    bodies = [
        ballot_to_json(prepare(opened.context, c.code, ["high", "low"]).ballot)
        for c in opened.credentials
    ]
    with serving(str(opened.directory.root), "--port", "0", "--workers-pool", "1") as (
        process,
        lines,
    ):
        url = lines[-1].split()[4].rstrip("/")

        def submit(body: bytes) -> httpx.Response | None:
            try:
                return httpx.post(
                    f"{url}/api/v1/ballots",
                    content=body,
                    headers={"content-type": "application/json"},
                    timeout=60,
                )
            except httpx.TransportError:
                return None  # the server stopped before this one was read: no receipt

        with ThreadPoolExecutor(len(bodies)) as pool:
            answers = [pool.submit(submit, body) for body in bodies]
            deadline = time.monotonic() + 60
            while not any(a.done() for a in answers) and time.monotonic() < deadline:
                time.sleep(0.005)
            process.send_signal(signal.SIGINT)  # Ctrl-C while ballots are being received
            results = [answer.result() for answer in answers]
        process.wait(timeout=60)
    acknowledged = {
        (r.json()["seq"], r.json()["entry_hash"])
        for r in results
        if r is not None and r.status_code == 201
    }
    board, _ = load_board(opened.directory, fast_group)
    with board:
        logged = {(e.seq, e.hash.hex()) for e in board.entries_of("ballot")}
    assert acknowledged  # the first answer came before Ctrl-C; the rest were in flight
    assert acknowledged <= logged  # nothing acknowledged is lost
    assert len(logged) <= len(bodies)


def test_the_challenge_bounds_are_the_counting_boards_to_set(
    tmp_path: Path, fast_group: Group
) -> None:
    # Spec 17.8: when a device exhausts the challenge bounds, the counting board restarts the
    # server with larger ones. Here the smallest: one challenge from an address, then
    # `429 too-many-challenges`, however often it asks.
    opened = OpenElection(tmp_path / "e", fast_group, 3, 1)
    opened.close()
    args = ("--port", "0", "--workers-pool", "1", "--challenges-per-address", "1")
    with serving(str(opened.directory.root), *args) as (_, lines):
        url = f"http://127.0.0.1:{_port(lines[-1])}/api/v1/challenges"
        answers = []
        for _ in range(3):
            challenge = prepare(opened.context, new_code(), ["high"]).challenge()
            answers.append(httpx.post(url, content=challenged_to_json(challenge), headers=JSON))
    assert [a.status_code for a in answers] == [201, 429, 429], [a.text for a in answers]
    assert answers[-1].json()["error"] == "too-many-challenges"
