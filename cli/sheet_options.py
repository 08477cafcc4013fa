"""Options of the commands that write result sheets (`result`, `board export`)."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from votecrypt.errors import FileError
from votecrypt.protocol.context import ElectionContext
from votecrypt.render.sheet import NumberFormat, SheetDetails
from votecrypt.service.presentation import sheet_details
from votecrypt.storage.files import read_file, write_atomic

#: Where the time of the count is kept: the first `result` (or `board export`) fixes it, so
#: a sheet written again later states the same time (spec 13.6).
RESULT_TIME_FILE = "result-time.txt"
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\n?$")
#: Vietnam's one time zone; a board elsewhere sets its own.
DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"


def sheet_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--place, --published-at, --time-zone, --decimal-comma/--decimal-point, --trim-zeros."""
    for option in reversed(
        (
            click.option("--place", default="", help="Where the count took place (on the sheet)."),
            click.option(
                "--published-at",
                default="",
                metavar="ADDRESS",
                help="Where the election record is published (printed on the sheet).",
            ),
            click.option(
                "--time-zone",
                default=DEFAULT_TIME_ZONE,
                show_default=True,
                metavar="ZONE",
                help="The meeting's time zone (IANA name) for the time printed on the sheet; "
                "the time itself is fixed when the result is first produced.",
            ),
            click.option(
                "--decimal-comma/--decimal-point",
                default=True,
                show_default=True,
                help='Percentages with a decimal comma ("97,87%", the Vietnamese form; the CSV '
                'then uses ";") or a decimal point ("97.87%").',
            ),
            click.option(
                "--trim-zeros",
                is_flag=True,
                help='Leave out trailing zeros ("90,1%", "40%"); the hundredths are unchanged.',
            ),
        )
    ):
        command = option(command)
    return command


def count_time(election_root: Path, zone_name: str, *, fix: bool = True) -> str:
    """The local time of the count, "10 giờ 45 phút (UTC+07:00)": the instant is written to
    ELECTION_DIR/result-time.txt the first time (by `result`, `fix`) and read back on every
    later run; without the file and without `fix` (`board export`, which only reads the
    election directory) there is no time to state: ""."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"unknown time zone {zone_name!r} (an IANA name such as {DEFAULT_TIME_ZONE})",
            param_hint="--time-zone",
        ) from None
    path = election_root / RESULT_TIME_FILE
    if path.exists():
        text = read_file(path, what="time of the count", max_bytes=64).decode("ascii", "replace")
        if not _INSTANT.match(text):
            raise FileError(f"{path} does not hold a time like 2023-12-13T03:45:00Z")
        instant = datetime.datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M:%SZ")
        instant = instant.replace(tzinfo=datetime.timezone.utc)
    elif not fix:
        return ""
    else:
        instant = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        stamp = instant.strftime("%Y-%m-%dT%H:%M:%SZ") + "\n"
        write_atomic(path, stamp.encode("ascii"), overwrite=False)
    local = instant.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local.hour} giờ {local.minute:02d} phút (UTC{offset[:3]}:{offset[3:]})"


def sheet_settings(
    context: ElectionContext,
    options: dict[str, Any],
    decrypted_by: Sequence[int],
    challenged: int | None,
    election_root: Path,
    *,
    fix_time: bool,
) -> tuple[NumberFormat, SheetDetails]:
    fmt = NumberFormat(decimal_comma=options["decimal_comma"], trim_zeros=options["trim_zeros"])
    details = sheet_details(
        context,
        decrypted_by=decrypted_by,
        challenged=challenged,
        place=options["place"],
        time=count_time(election_root, options["time_zone"], fix=fix_time),
        published_at=options["published_at"],
    )
    return fmt, details
