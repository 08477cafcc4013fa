"""`votecrypt station`: a voting station's booth, served from this computer (spec 17.7)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from votecrypt.errors import BoardError, BoothNotApproved, RefusedData

from .common import cafile_option, group, say

if TYPE_CHECKING:
    from votecrypt.web.station import Station, StationState


@click.command("station")
@click.argument("board_url", metavar="BOARD-URL")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port on this computer's loopback address (127.0.0.1) for the kiosk browser "
    "(0: any free port, shown when the station starts).",
)
@cafile_option
@click.option(
    "--check-url",
    default=None,
    metavar="URL",
    help="The check page the challenge QR code points to, e.g. an observer's mirror "
    "(default: the board's own page, BOARD-URL/).",
)
@click.option(
    "--retry-seconds",
    type=click.FloatRange(0.1, 3600),
    default=5.0,
    show_default=True,
    help="Seconds between two attempts while the board cannot be reached or does not verify.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Print what a person compares (the election fingerprint, the approved and the "
    "installed booth digest and version) and exit: 0 when this station would serve the "
    "booth, 12 when its booth is not the approved one.",
)
def station_command(
    board_url: str,
    port: int,
    cafile: Path | None,
    check_url: str | None,
    retry_seconds: float,
    check: bool,
) -> None:
    """Run a voting station: serve the booth installed with this votecrypt on 127.0.0.1 for
    the kiosk browser, and forward the booth's calls to the board at BOARD-URL.

    The board's setup is verified and the manifest's approved booth digest compared with the
    installed one before any booth is served; until then the page says why, and the
    station tries again on its own. Stop with Ctrl-C.
    """
    # The web stack is imported here, so that other commands start without it.
    from votecrypt.service.installed_booth import installed_booth
    from votecrypt.web.station import (
        READY,
        REFUSED,
        STATION_LOGGER,
        UNVERIFIED,
        Station,
        short_digest,
    )

    if not board_url.startswith(("http://", "https://")):
        raise click.BadParameter("BOARD-URL starts with https:// (or http://)")
    if check_url is not None and (
        not check_url.startswith(("http://", "https://")) or "#" in check_url
    ):
        raise click.BadParameter("--check-url is an https:// (or http://) address without '#'")
    booth = installed_booth()
    logger = logging.getLogger(STATION_LOGGER)
    logger.propagate = False
    if check:
        # The outcome is printed below; the station's log lines are for a running station.
        logger.addHandler(logging.NullHandler())
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    station = Station(
        board_url, booth, group(), cafile=cafile, check_url=check_url, retry_seconds=retry_seconds
    )
    if check:
        state = asyncio.run(_check_once(station))
        say(f"Board / Bảng tin: {station.board_url}")
        context = state.context
        if context is not None:
            approved = context.manifest.booth
            say(f"Election fingerprint / Mã nhận dạng cuộc bỏ phiếu: {context.fingerprint}")
            if approved is not None:
                say(
                    f"Approved booth / Phòng bỏ phiếu được phê duyệt: votecrypt "
                    f"{approved.version}, digest {approved.digest.hex()}"
                )
        say(
            f"Installed booth / Phòng bỏ phiếu cài trên máy này: votecrypt {booth.pin.version}, "
            f"digest {booth.digest.hex()} (shown as {short_digest(booth)})"
        )
        if state.state == REFUSED:
            raise BoothNotApproved(state.line)
        if state.state == UNVERIFIED:
            raise RefusedData(state.line)
        if state.state != READY:
            raise BoardError(state.line)
        say("This station would serve the approved booth. / Máy này sẽ mở đúng phòng bỏ phiếu.")
        return
    _serve(station, port)
    if station.state.state == REFUSED:
        raise BoothNotApproved(station.state.line)


async def _check_once(station: Station) -> StationState:
    try:
        return await station.check_once()
    finally:
        await station.close()


def _serve(station: Station, port: int) -> None:
    """Serve on 127.0.0.1 until Ctrl-C (the station's one-line states go to its log)."""
    import uvicorn

    from votecrypt.web.server import listen
    from votecrypt.web.station import short_digest

    sock = listen("127.0.0.1", port)
    say(
        f"Installed booth / Phòng bỏ phiếu cài trên máy này: votecrypt "
        f"{station.booth.pin.version}, digest {station.booth.digest.hex()} "
        f"(shown as {short_digest(station.booth)})"
    )
    say(f"Board / Bảng tin: {station.board_url}")
    say(
        f"Open http://127.0.0.1:{sock.getsockname()[1]}/ in the kiosk browser "
        "(Ctrl-C to stop) / Mở địa chỉ này trong trình duyệt của máy bỏ phiếu"
    )
    config = uvicorn.Config(
        station.app(),
        log_level="warning",
        access_log=False,
        lifespan="on",
        ws="none",
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=30,
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
