"""Options of the commands that write result sheets (`result`, `board export`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

import click

from votecrypt.protocol.context import ElectionContext
from votecrypt.render.sheet import NumberFormat, SheetDetails
from votecrypt.service.presentation import sheet_details


def sheet_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--place, --published-at, --decimal-comma, --trim-zeros."""
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
                "--decimal-comma",
                is_flag=True,
                help='Write percentages with a decimal comma ("97,87%"); the CSV then uses ";".',
            ),
            click.option(
                "--trim-zeros",
                is_flag=True,
                help='Leave out trailing zeros ("90.1%", "40%"); the hundredths are unchanged.',
            ),
        )
    ):
        command = option(command)
    return command


def sheet_settings(
    context: ElectionContext,
    options: dict[str, Any],
    decrypted_by: Sequence[int],
    challenged: int | None,
) -> tuple[NumberFormat, SheetDetails]:
    fmt = NumberFormat(decimal_comma=options["decimal_comma"], trim_zeros=options["trim_zeros"])
    details = sheet_details(
        context,
        decrypted_by=decrypted_by,
        challenged=challenged,
        place=options["place"],
        time=datetime.datetime.now().astimezone().strftime("%H:%M %Z").strip(),
        published_at=options["published_at"],
    )
    return fmt, details
