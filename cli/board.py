"""`votecrypt board ...`: the bulletin board: open, status, close, export."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.service.export import export_record
from votecrypt.service.voting import close_voting, load_board, open_board

from .common import election_argument, election_dir, group, say


@click.group()
def board() -> None:
    """The bulletin board: the public, append-only log of everything in the election."""


@board.command("open")
@election_argument
def open_command(election: Path) -> None:
    """Set up the bulletin board (manifest, key ceremony, credential list) and open voting."""
    ballot_box, context = open_board(election_dir(election), group())
    with ballot_box:
        say(f"Voting is open. Election context: {context.hash.hex()}")
        say(f"Board: {ballot_box.path} ({ballot_box.count()} entries)")


@board.command("status")
@election_argument
def status(election: Path) -> None:
    """Show the phase of the vote and how many ballots have been cast and challenged."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        seq, head = ballot_box.head()
        say(f"Phase: {ballot_box.phase()}")
        say(f"Ballots cast: {ballot_box.count('ballot')} of {context.manifest.credentials} issued")
        say(f"Ballots challenged: {ballot_box.count('challenge')}")
        say(f"Log: {seq + 1} entries; last hash {head.hex()}")


@board.command("close")
@election_argument
def close(election: Path) -> None:
    """Close the vote. No ballot is accepted afterwards."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        close_voting(ballot_box, context)
        say(f"Voting closed with {ballot_box.count('ballot')} ballots cast.")


@board.command("export")
@election_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the record (default: ELECTION_DIR/record).",
)
def export(election: Path, out: Path | None) -> None:
    """Write the election record (the log and copies of its main items) for publication."""
    directory = election_dir(election)
    ballot_box, _ = load_board(directory, group())
    with ballot_box:
        target = export_record(ballot_box, out or directory.record)
    say(f"Election record written to {target}")
