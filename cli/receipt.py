"""`votecrypt receipt check`: check a signed receipt offline (spec 11.9)."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.service.receipts import check_receipt_files

from .common import election_argument, election_dir, group, say


@click.group()
def receipt() -> None:
    """Check the board's signed receipts."""


@receipt.command("check")
@click.argument("receipt_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("submitted_file", type=click.Path(dir_okay=False, path_type=Path))
@election_argument
def check_command(receipt_file: Path, submitted_file: Path, election: Path) -> None:
    """Check RECEIPT_FILE (the board's answer, or its receipt) for SUBMITTED_FILE (the
    ballot or challenge as it was sent), with the keys of ELECTION_DIR's manifest: the entry is
    that file at its position, in a tree whose checkpoint the board's key signed, and which
    named witnesses cosigned it. Exit 0 when it holds, 4 when a check fails, 3 for a bad file.
    Compare the fingerprint printed with the one announced."""
    result = check_receipt_files(receipt_file, submitted_file, election_dir(election), group())
    board = result.context.manifest.board
    witnesses, needed = (len(board.witnesses), board.witnesses_needed) if board else (0, 0)
    confirmed = result.checked.confirmed_by
    say(f"Election fingerprint: {result.context.fingerprint}")
    say(
        f"Receipt valid: {result.tracking_code} is entry {result.seq} of the board's signed "
        f"checkpoint of {result.checked.checkpoint.size} entries."
    )
    names = f" ({', '.join(confirmed)})" if confirmed else ""
    status = "confirmed" if len(confirmed) >= needed else "not yet confirmed"
    say(f"Cosigned by {len(confirmed)} of {witnesses} witnesses{names}; {needed} needed: {status}.")
