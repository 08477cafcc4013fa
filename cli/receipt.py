"""`votecrypt receipt check`: check a signed receipt offline (spec 11.9)."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.service.receipts import check_receipt_files

from . import exit_codes
from .common import election_argument, election_dir, group, say


@click.group()
def receipt() -> None:
    """Check the board's signed receipts."""


@receipt.command("check")
@click.argument("receipt_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("submitted_file", type=click.Path(dir_okay=False, path_type=Path))
@election_argument
@click.option(
    "--cosigned",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A later checkpoint the witnesses cosigned (the board's GET "
    "/api/v1/checkpoint/cosigned, or a witness's cosigned.txt); repeatable, each with its "
    "--proof.",
)
@click.option(
    "--proof",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The consistency proof from the receipt's checkpoint to the --cosigned in the same "
    "place (the board's answer to GET /api/v1/proof/consistency?old=N&size=M); one "
    "--cosigned of the receipt's own size needs none.",
)
def check_command(
    receipt_file: Path,
    submitted_file: Path,
    election: Path,
    cosigned: tuple[Path, ...],
    proof: tuple[Path, ...],
) -> None:
    """Check RECEIPT_FILE (the board's answer, or its receipt) for SUBMITTED_FILE (the
    ballot or challenge as it was sent), with the keys of ELECTION_DIR's manifest: the entry is
    that file at its position, in a tree whose checkpoint the board's key signed. The receipt
    is confirmed by k of m when k of the m witnesses the manifest names cosigned that
    checkpoint or a later one given with --cosigned and --proof (each witness counts once,
    whichever of them it cosigned). Exit 0 when it holds and
    is confirmed, 15 when it holds but is not yet confirmed, 4 when a check fails, 3 for a bad
    file. Compare the fingerprint printed with the one announced."""
    if len(proof) != len(cosigned) and not (len(cosigned) == 1 and not proof):
        raise click.UsageError("give one --proof for each --cosigned")
    later = list(zip(cosigned, proof or [None] * len(cosigned), strict=True))
    result = check_receipt_files(
        receipt_file, submitted_file, election_dir(election), group(), later
    )
    board = result.context.manifest.board
    witnesses, needed = (len(board.witnesses), board.witnesses_needed) if board else (0, 0)
    confirmed = result.checked.confirmed_by
    say(f"Election fingerprint: {result.context.fingerprint}")
    say(
        f"Receipt valid: {result.tracking_code} is entry {result.seq} of the board's signed "
        f"checkpoint of {result.checked.checkpoint.size} entries."
    )
    names = f" ({', '.join(confirmed)})" if confirmed else ""
    if not witnesses:
        say("The manifest names no witnesses: the board's signature is all there is.")
    elif len(confirmed) >= needed:
        say(f"Confirmed by {len(confirmed)} of {witnesses} witnesses{names}.")
    else:
        say(
            f"Not yet confirmed: {len(confirmed)} of {witnesses} witnesses cosigned{names}, "
            f"{needed} needed."
        )
        click.get_current_context().exit(exit_codes.NOT_CONFIRMED)
