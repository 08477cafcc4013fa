"""`votecrypt ballot check-challenge BOARD-URL CODE` (spec 10.6, 17.7): a second device
checks a challenged ballot's opening itself. The attack: a board (or a mirror) that shows an
opening which does not encrypt what it claims."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_helpers import JSON, running, served_election
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from votecrypt_cli import exit_codes

from votecrypt.math import Group
from votecrypt.record.ballot_codec import ballot_plain, challenged_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.service.voting import prepare

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VOTECRYPT, "ballot", "check-challenge", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory, fast_group: Group) -> Iterator[Any]:
    """A board with one challenged ballot (high, low, blank) and one cast ballot."""
    root = tmp_path_factory.mktemp("check") / "e"
    with served_election(root, fast_group, ballots=3, candidates=3) as (election, url):
        code = election.credentials[0].code
        opened = prepare(election.context, code, ["high", "low", "blank"])
        body = canonical_json(challenged_plain(opened.challenge()))
        challenged = httpx.post(f"{url}/api/v1/challenges", content=body, headers=JSON).json()
        cast = prepare(election.context, code, ["medium", "medium", "medium"])
        body = canonical_json(ballot_plain(cast.ballot))
        counted = httpx.post(f"{url}/api/v1/ballots", content=body, headers=JSON).json()
        yield election, url, challenged, counted


def test_a_challenge_is_checked_and_its_choices_shown(board: Any) -> None:
    election, url, challenged, _ = board
    result = _run(url, challenged["tracking_code"].lower().replace("-", " "))
    assert result.returncode == 0, result.stderr
    assert election.context.fingerprint in result.stdout
    assert "Checked on this computer" in result.stdout
    rows = result.stdout.splitlines()[-3:]
    assert "Candidate 0" in rows[0] and "High confidence" in rows[0]
    assert "Candidate 1" in rows[1] and "Low confidence" in rows[1]
    assert "Candidate 2" in rows[2] and "Không hợp lệ / Invalid" in rows[2]


def test_a_cast_ballot_is_said_to_be_cast(board: Any) -> None:
    _, url, _, counted = board
    result = _run(url, counted["tracking_code"])
    assert result.returncode == 0, result.stderr
    assert "cast" in result.stdout and "never opened" in result.stdout


def test_an_unknown_code_is_one_line(board: Any) -> None:
    _, url, _, _ = board
    result = _run(url, "AAAA-BBBB-CCCC")
    assert result.returncode == exit_codes.BAD_INPUT
    assert (
        result.stderr.strip().count("\n") == 0 and "no ballot with tracking code" in result.stderr
    )


@pytest.mark.parametrize("lie", ["outcome", "nonce"])
def test_a_board_showing_a_false_opening_is_caught(board: Any, fast_group: Group, lie: str) -> None:
    """A mirror serves the genuine setup but an opening edited to show another choice (or
    another nonce): the re-encryption on this computer does not match."""
    _, url, challenged, _ = board
    record = httpx.get(f"{url}/api/v1/record").content.splitlines(keepends=True)
    seq = challenged["seq"]
    entry = json.loads(record[seq])
    row = entry["payload"]["rows"][0]
    if lie == "outcome":
        row["outcome"] = 1 if row["outcome"] != 1 else 2
    else:
        row["nonces"][0] = entry["payload"]["rows"][1]["nonces"][0]
    record[seq] = json.dumps(entry, separators=(",", ":")).encode() + b"\n"

    async def records(request: Request) -> Response:
        start = int(request.query_params.get("start", "0"))
        return Response(b"".join(record[start:]), media_type="application/x-ndjson")

    async def tracking(request: Request) -> Response:
        return Response(
            httpx.get(f"{url}{request.url.path}").content, media_type="application/json"
        )

    mirror = Starlette(
        routes=[Route("/api/v1/record", records), Route("/api/v1/tracking/{code}", tracking)]
    )
    with running(mirror) as fake:
        result = _run(fake, challenged["tracking_code"])
    assert result.returncode == exit_codes.INVALID
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and "does NOT check" in errors[0], result.stderr
