"""`votecrypt station` (spec 17.7): a voting station serves its own installed booth on
loopback and forwards only the booth's API calls to the board, after verifying the board's
setup and the booth the manifest approves. Each test is an attack or a failure of the board."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from election_helpers import OpenElection
from server_helpers import running, served_election
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from votecrypt_cli import exit_codes

from votecrypt.math import Group
from votecrypt.protocol.approved_booth import BoothPin
from votecrypt.record.ballot_codec import ballot_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.service.installed_booth import BOOTH_DIR, installed_booth
from votecrypt.service.voting import prepare
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app
from votecrypt.web import app as board_app
from votecrypt.web.station import READY, REFUSED, UNREACHABLE, UNVERIFIED, Station

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
INSTALLED = installed_booth()
OTHER_BOOTH = BoothPin(bytes(32), "0.0.1")


def wait_for(url: str, *states: str) -> dict[str, Any]:
    """The station's status once it is in one of `states` (a generous deadline: the
    station verifies the board's setup first)."""
    deadline = time.monotonic() + 120
    while True:
        status: dict[str, Any] = httpx.get(f"{url}/station/status", timeout=30).json()
        if status["state"] in states:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.1)


@contextmanager
def station_for(board: str, group: Group, **options: Any) -> Iterator[str]:
    station = Station(board, INSTALLED, group, retry_seconds=0.2, **options)
    with running(station.app()) as url:
        yield url


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory, fast_group: Group) -> Iterator[Any]:
    """An open election whose manifest approves the installed booth, and its board server."""
    root = tmp_path_factory.mktemp("station") / "e"
    with served_election(root, fast_group, ballots=4, candidates=2, booth=INSTALLED.pin) as (
        election,
        url,
    ):
        yield election, url


def test_the_station_serves_its_installed_booth_and_forwards_the_booth_api(
    board: Any, fast_group: Group
) -> None:
    election, board_url = board
    with station_for(board_url, fast_group) as url:
        status = wait_for(url, READY)
        assert status["fingerprint"] == election.context.fingerprint
        assert status["booth"]["approved"] == status["booth"]["installed"] == INSTALLED.pin.plain()
        page = httpx.get(f"{url}/")
        assert page.status_code == 200 and page.content == INSTALLED.files["index.html"]
        assert "default-src 'self'" in page.headers["content-security-policy"]
        for path, content in INSTALLED.files.items():
            assert httpx.get(f"{url}/{path}").content == content
        ours = httpx.get(f"{url}/api/v1/election").json()
        assert ours == httpx.get(f"{board_url}/api/v1/election").json()
        # A ballot cast through the station reaches the board, and is found again.
        code = election.credentials[0].code
        prepared = prepare(election.context, code, ["high", "blank"])
        body = canonical_json(ballot_plain(prepared.ballot))
        receipt = httpx.post(f"{url}/api/v1/ballots", content=body, headers=JSON)
        assert receipt.status_code == 201, receipt.text
        code_found = httpx.get(f"{url}/api/v1/tracking/{receipt.json()['tracking_code']}")
        assert code_found.json()["status"] == "cast"
        record = httpx.get(f"{url}/api/v1/record?start=0").text.splitlines()
        assert json.loads(record[-1])["kind"] == "ballot"


JSON = {"content-type": "application/json"}


def test_only_the_booth_api_is_forwarded(board: Any, fast_group: Group) -> None:
    _, board_url = board
    with station_for(board_url, fast_group) as url:
        wait_for(url, READY)
        assert httpx.get(f"{board_url}/openapi.json").status_code == 200
        for path in ("/openapi.json", "/api/v1/nothing", "/api/v2/status", "/api/v1/record/x"):
            answer = httpx.get(f"{url}{path}")
            assert answer.status_code == 404, path
        assert httpx.post(f"{url}/api/v1/status", content=b"{}").status_code in (404, 405)
        assert httpx.get(f"{url}/api/v1/record?start=0&x=1").status_code == 400
        # The booth asks for each witness's cosigned checkpoint; nothing else rides along.
        cosigned = f"{url}/api/v1/checkpoint/cosigned?size=1"
        assert httpx.get(f"{cosigned}&witness=w1.example").status_code in (404, 200)
        assert httpx.get(f"{cosigned}&witness=w1.example&x=1").status_code == 400
        assert httpx.get(f"{cosigned}&witness=a%26x%3D1").status_code in (404, 200)
        assert httpx.get(f"{cosigned}&witness=a&b").status_code == 400


def test_a_modified_booth_on_the_board_server_never_reaches_the_station(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator's server hands out a booth that sends codes home: the station serves
    only its own installed bytes, whatever the board serves at any path."""
    hostile = tmp_path / "static"
    shutil.copytree(BOOTH_DIR, hostile)
    marker = b"\n// sends the code and the choices to the operator\n"
    for name in ("booth.js", "index.html", "lib/ballot.js", "votecrypt.js"):
        (hostile / name).write_bytes((hostile / name).read_bytes() + marker)
    monkeypatch.setattr(board_app, "STATIC", hostile)
    election = OpenElection(tmp_path / "e", fast_group, 4, 2, booth=INSTALLED.pin)
    election.close()
    store = SqliteBoardStore.open(election.directory, fast_group)
    app = create_app(store, ServerSettings(check_processes=1))
    with running(app) as board_url, station_for(board_url, fast_group) as url:
        wait_for(url, READY)
        for path, content in INSTALLED.files.items():
            served = httpx.get(f"{url}/{path}").content
            assert served == content and marker not in served, path


def test_a_station_whose_booth_is_not_the_approved_one_refuses(
    tmp_path: Path, fast_group: Group
) -> None:
    with served_election(tmp_path / "e", fast_group, ballots=3, booth=OTHER_BOOTH) as (_, board):
        with station_for(board, fast_group) as url:
            status = wait_for(url, REFUSED)
            line = status["line"]
            assert "\n" not in line and " / " in line
            assert INSTALLED.digest.hex() in line and OTHER_BOOTH.digest.hex() in line
            page = httpx.get(f"{url}/")
            assert page.status_code == 503 and "không phải phòng đã được phê duyệt" in page.text
            assert b"<script" not in page.content
            assert httpx.get(f"{url}/booth.js").status_code == 503
            refused = httpx.get(f"{url}/api/v1/election")
            assert refused.status_code == 503 and refused.json()["error"] == "station-not-ready"
        result = subprocess.run(
            [*VOTECRYPT, "station", "--check", board], capture_output=True, text=True, timeout=300
        )
        assert result.returncode == exit_codes.BOOTH == 12
        errors = result.stderr.strip().splitlines()
        assert len(errors) == 1 and errors[0].startswith("error: ")
        assert "This station's booth is not the approved one" in errors[0]
        assert "Traceback" not in result.stderr + result.stdout
        assert OTHER_BOOTH.digest.hex() in result.stdout


def test_a_manifest_that_approves_no_booth_opens_none(tmp_path: Path, fast_group: Group) -> None:
    with (
        served_election(tmp_path / "e", fast_group, ballots=3) as (_, board),
        station_for(board, fast_group) as url,
    ):
        assert "approves no booth" in wait_for(url, REFUSED)["line"]


def test_check_prints_what_a_person_compares(board: Any) -> None:
    election, board_url = board
    result = subprocess.run(
        [*VOTECRYPT, "station", "--check", board_url], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert election.context.fingerprint in result.stdout
    assert result.stdout.count(INSTALLED.digest.hex()) == 2
    assert f"votecrypt {INSTALLED.pin.version}" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_board_is_said_in_one_line_and_the_station_retries(
    tmp_path: Path, fast_group: Group
) -> None:
    election = OpenElection(tmp_path / "e", fast_group, 3, 2, booth=INSTALLED.pin)
    election.close()
    port = _free_port()
    with station_for(f"http://127.0.0.1:{port}", fast_group) as url:
        status = wait_for(url, UNREACHABLE)
        assert "Không liên lạc được với bảng tin" in status["line"]
        assert "The board cannot be reached; no code is taken" in status["line"]
        page = httpx.get(f"{url}/")
        assert page.status_code == 503 and 'http-equiv="refresh"' in page.text
        assert "no code is taken" in page.text and b"<script" not in page.content
        refused = httpx.get(f"{url}/api/v1/credentials/{'00' * 32}")
        assert refused.status_code == 503 and refused.json()["error"] == "station-not-ready"
        # The board comes up on that address: the station verifies it on its own.
        store = SqliteBoardStore.open(election.directory, fast_group)
        app = create_app(store, ServerSettings(check_processes=1))
        with running(app, port=port) as board_url:
            assert board_url.endswith(f":{port}")
            assert wait_for(url, READY)["fingerprint"] == election.context.fingerprint
        # And when it goes away again, the station says so.
        assert "cannot be reached" in wait_for(url, UNREACHABLE)["line"]


def test_a_board_whose_setup_does_not_verify_gets_no_code(board: Any, fast_group: Group) -> None:
    """A board that serves an edited setup (the manifest's title changed after the ceremony):
    the station serves no booth and says why."""
    _, board_url = board
    lines = httpx.get(f"{board_url}/api/v1/record").content.splitlines(keepends=True)
    first = json.loads(lines[0])
    first["payload"]["title"] += " (edited)"
    lines[0] = json.dumps(first, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"

    async def record(request: Request) -> Response:
        return Response(b"".join(lines), media_type="application/x-ndjson")

    hostile = Starlette(routes=[Route("/api/v1/record", record)])
    with running(hostile) as fake, station_for(fake, fast_group) as url:
        status = wait_for(url, UNVERIFIED)
        assert "The board's setup does not verify" in status["line"]
        assert "không kiểm chứng được" in status["line"]
        assert httpx.get(f"{url}/").status_code == 503
        assert httpx.get(f"{url}/api/v1/status").status_code == 503


def test_tls_to_the_board_is_checked_against_the_pinned_certificate(
    tmp_path: Path, fast_group: Group
) -> None:
    from test_server_cli import _certificate

    certfile, keyfile = _certificate(tmp_path)
    (tmp_path / "other").mkdir()
    other, _ = _certificate(tmp_path / "other")
    config = {"certfile": certfile, "keyfile": keyfile}
    with served_election(
        tmp_path / "e", fast_group, ballots=3, booth=INSTALLED.pin, config=config
    ) as (_, board):
        https = board.replace("http://", "https://")
        with station_for(https, fast_group, cafile=certfile) as url:
            wait_for(url, READY)
        with station_for(https, fast_group, cafile=other) as url:
            status = wait_for(url, UNREACHABLE)
            assert "CERTIFICATE_VERIFY_FAILED" in status["line"] or "certificate" in status["line"]


def test_the_station_command_serves_on_loopback_and_stops_with_its_exit_code(
    tmp_path: Path, fast_group: Group
) -> None:
    with served_election(tmp_path / "e", fast_group, ballots=3, booth=OTHER_BOOTH) as (_, board):
        process = subprocess.Popen(
            [*VOTECRYPT, "station", board, "--port", "0", "--retry-seconds", "0.2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert process.stdout is not None and process.stderr is not None
        address = ""
        while not address:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            if line.startswith("Open http://127.0.0.1:"):
                address = line.split()[1]
        assert wait_for(address.rstrip("/"), REFUSED)
        process.send_signal(2)
        _, errors = process.communicate(timeout=120)
        assert process.returncode == exit_codes.BOOTH
        last = errors.strip().splitlines()[-1]
        assert last.startswith("error: ") and "not the approved one" in last


def test_the_board_server_serves_the_check_page_and_no_booth(board: Any) -> None:
    _, board_url = board
    page = httpx.get(f"{board_url}/")
    assert page.status_code == 200 and page.content == INSTALLED.files["check.html"]
    assert b'id="code-input"' not in page.content
    for path in ("index.html", "booth.js", "qr-image.js", "../pyproject.toml", "lib/../index.html"):
        assert httpx.get(f"{board_url}/{path}").status_code == 404, path
    for path in ("check.js", "votecrypt.js", "lib/ballot.js", "vendor/qr/index.js", "booth.css"):
        answer = httpx.get(f"{board_url}/{path}")
        assert answer.status_code == 200 and answer.content == INSTALLED.files[path], path


@pytest.mark.parametrize(
    "args",
    [
        ["ftp://board"],
        ["http://127.0.0.1:9", "--check-url", "javascript:alert(1)"],
        ["http://127.0.0.1:9", "--check-url", "https://mirror/#x"],
    ],
)
def test_station_arguments_are_checked_in_one_line(args: list[str]) -> None:
    from click.testing import CliRunner
    from votecrypt_cli.main import main

    result = CliRunner().invoke(main, ["station", *args])
    assert result.exit_code == exit_codes.USAGE
    assert result.output.startswith("error: ") and result.output.count("\n") == 1


def test_the_check_url_is_what_the_booth_points_to(board: Any, fast_group: Group) -> None:
    _, board_url = board
    mirror = "https://observer.example/check"
    with station_for(board_url, fast_group, check_url=mirror) as url:
        assert wait_for(url, READY)["check_url"] == mirror
    with station_for(board_url, fast_group) as url:
        assert wait_for(url, READY)["check_url"] == board_url + "/"
