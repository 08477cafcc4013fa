"""Checking a challenged ballot on a device the operator does not control (spec 10.6, 17.7):
from a board (or an observer's mirror of it) over HTTP(S), verify the setup, find the ballot by
its tracking code, and re-encrypt every row with the revealed nonces.

`votecrypt ballot check-challenge` runs it; the check page (check.js) does the same in a
browser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx

from votecrypt.errors import BallotError, EncodingError, RefusedData, VotecryptError
from votecrypt.math.group import Group
from votecrypt.protocol.ballot import check_challenge
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.ballot_codec import challenged_from_plain
from votecrypt.record.log import entry_from_line

from .station_board import (
    BoardUnreachable,
    board_client,
    describe_error,
    fetch_setup,
    verify_setup,
)

CAST = "cast"
CHALLENGED = "challenged"


@dataclass(frozen=True)
class CheckedBallot:
    """A ballot found by its tracking code: cast, or challenged with the choices its
    opening was checked to encrypt (outcome keys, one per candidate)."""

    context: ElectionContext
    tracking_code: str
    status: str
    seq: int
    choices: tuple[str, ...] = ()


async def check_at(
    board_url: str, code: str, group: Group, *, cafile: Path | None = None, timeout: float = 60
) -> CheckedBallot:
    """Find the ballot with tracking `code` (normalised) on the board at `board_url` and,
    when challenged, check its opening here. RefusedData when the setup or the opening does
    not check; VotecryptError when no such ballot is on the board."""
    client = board_client(board_url, cafile, timeout)
    try:
        context = verify_setup(board_url, await fetch_setup(client), group)
        try:
            tracked = await client.get(f"/api/v1/tracking/{code}")
            if tracked.status_code == 404:
                raise VotecryptError(f"no ballot with tracking code {code} on the board")
            tracked.raise_for_status()
            answer = tracked.json()
            seq = answer["seq"]
            if answer["status"] == CAST:
                return CheckedBallot(context, code, CAST, seq)
            response = await client.get("/api/v1/record", params={"start": str(seq)})
            response.raise_for_status()
            first = response.content.split(b"\n", 1)[0] + b"\n"
        except httpx.HTTPError as error:
            raise BoardUnreachable(describe_error(error)) from None
        except (ValueError, KeyError, TypeError):
            raise RefusedData("the board's answer about this tracking code is malformed") from None
    finally:
        await client.aclose()
    return _opened(context, code, seq, first)


def _opened(context: ElectionContext, code: str, seq: int, line: bytes) -> CheckedBallot:
    """Check the challenge entry `line` (spec 10.6): its place, its tracking code, and that
    every row encrypts the revealed outcome under the revealed nonces."""
    try:
        entry = entry_from_line(line, seq + 1)
        if entry.seq != seq or entry.kind != "challenge":
            raise RefusedData(f"the board shows no opened ballot at entry {seq}")
        challenged = challenged_from_plain(entry.payload, context.group)
        if challenged.tracking_code() != code:
            raise RefusedData("the opened ballot has another tracking code")
        check_challenge(challenged, context)
    except (EncodingError, BallotError, json.JSONDecodeError) as error:
        raise RefusedData(f"the opened ballot {code} does NOT check: {error}") from None
    outcomes = context.manifest.outcomes()
    return CheckedBallot(
        context, code, CHALLENGED, seq, tuple(outcomes[o] for o in challenged.outcomes)
    )
