"""A voting station's view of the board: read the board's setup over HTTP(S) and verify it
as a booth must before anything is served (spec 17.1, 17.7).

The setup is the log up to the `open` entry, streamed from GET /api/v1/record; it is checked
by the verifier's own checks up to `open` (votecrypt.service.voting.verified_context does the
same for a board on this computer), and the manifest's approved booth is compared with the
booth installed here (spec 7.5).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from votecrypt.errors import BoothNotApproved, RefusedData, VotecryptError
from votecrypt.math.group import Group
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.reader import MAX_LINE
from votecrypt.service.installed_booth import Booth
from votecrypt.service.voting import refuse_unless_verified
from votecrypt.verifier.engines import LocalEngine
from votecrypt.verifier.verify import check_log

#: The most the station reads of the board's setup (the credential list of 100,000 voters is
#: about 7 MB).
MAX_SETUP_BYTES = 64 << 20
RECORD = "/api/v1/record"


class BoardUnreachable(VotecryptError):
    """The board cannot be reached, or answers with something that is not its setup."""


class BoardNotOpen(VotecryptError):
    """The board has no `open` entry yet: there is no election to vote in."""


@dataclass(frozen=True)
class FetchedSetup:
    """The board's setup lines as a log the verifier reads (votecrypt.record.reader)."""

    url: str
    setup: tuple[bytes, ...]

    @property
    def path(self) -> Path:
        return Path(self.url)

    def lines(self) -> Iterator[tuple[int, bytes]]:
        yield from enumerate(self.setup, 1)

    def read(self, name: str, max_bytes: int = 1 << 26) -> bytes | None:
        return None  # a board's API has no copies beside its log

    def names(self, folder: str = "") -> list[str]:
        return []  # no signed checkpoints beside the log (spec 15.1)


def board_client(board_url: str, cafile: Path | None, timeout: float) -> httpx.AsyncClient:
    """The station's client of the board: TLS checked against `cafile` alone when given (a
    pinned certificate or CA), else the system's trust store; no cookies, no redirects."""
    verify: ssl.SSLContext | bool = True
    if cafile is not None:
        try:
            verify = ssl.create_default_context(cafile=str(cafile))
        except (OSError, ssl.SSLError) as error:
            raise VotecryptError(f"cannot use the certificate {cafile}: {error}") from None
    return httpx.AsyncClient(
        base_url=board_url.rstrip("/"),
        verify=verify,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )


async def fetch_setup(client: httpx.AsyncClient) -> tuple[bytes, ...]:
    """The log lines up to and including `open`, read from the streamed record."""
    lines: list[bytes] = []
    total = 0
    try:
        async with client.stream("GET", RECORD) as response:
            if response.status_code != 200:
                raise BoardUnreachable(f"the board answers HTTP {response.status_code}")
            pending = b""
            async for chunk in response.aiter_bytes():
                pending += chunk
                total += len(chunk)
                if total > MAX_SETUP_BYTES or len(pending) > MAX_LINE:
                    raise RefusedData("the board's setup is larger than a station reads")
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    lines.append(line + b"\n")
                    if _kind(line) == "open":
                        return tuple(lines)
    except httpx.HTTPError as error:
        raise BoardUnreachable(describe_error(error)) from None
    raise BoardNotOpen("the board has not opened the vote yet")


def _kind(line: bytes) -> object:
    try:
        value = json.loads(line)
    except ValueError:
        return None  # the verifier reports it
    return value.get("kind") if isinstance(value, dict) else None


def describe_error(error: httpx.HTTPError) -> str:
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def verify_setup(url: str, setup: tuple[bytes, ...], group: Group) -> ElectionContext:
    """The election context of a setup that verifies (checks up to `open`, spec 17.1), or
    RefusedData naming the failed checks."""
    verified = check_log(FetchedSetup(url, setup), group=group, engine=LocalEngine(1), until="open")
    refuse_unless_verified(verified.report, "election-context", "no booth is served")
    if verified.context is None:  # cannot happen once election-context passed
        raise RefusedData("the board's election context was not established")
    return verified.context


def check_booth(context: ElectionContext, booth: Booth) -> None:
    """BoothNotApproved unless the manifest approves exactly this booth (spec 7.5)."""
    approved = context.manifest.booth
    mine = f"{booth.digest.hex()} (votecrypt {booth.pin.version})"
    if approved is None:
        raise BoothNotApproved(
            "Cuộc bỏ phiếu này không phê duyệt phòng bỏ phiếu nào; máy này không mở phòng "
            f"bỏ phiếu. / The election's manifest approves no booth; this station opens none "
            f"(installed booth {mine})."
        )
    if approved.digest != booth.digest:
        raise BoothNotApproved(
            "Phòng bỏ phiếu cài trên máy này không phải phòng đã được phê duyệt; máy này không "
            f"mở phòng bỏ phiếu. / This station's booth is not the approved one: installed "
            f"{mine}, approved {approved.digest.hex()} (votecrypt {approved.version})."
        )
