"""`votecrypt board ...`: the bulletin board: open, status, close, export."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.record.json_codec import parse_json
from votecrypt.service.export import export_record
from votecrypt.service.ingest import ingest_ballots
from votecrypt.service.voting import close_voting, load_board, open_board

from .common import Progress, election_argument, election_dir, group, jobs_option, say


@click.group()
def board() -> None:
    """The bulletin board: the public, append-only log of everything in the election."""


@board.command("open")
@election_argument
def open_command(election: Path) -> None:
    """Set up the bulletin board (manifest, key ceremony, credential list) and open voting."""
    ballot_box, context = open_board(election_dir(election), group())
    with ballot_box:
        say(f"Voting is open. Election context hash: {context.hash.hex()}")
        say(f"Election fingerprint: {context.fingerprint} (read it aloud at the meeting)")
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


@board.command("import")
@election_argument
@click.argument("ballots", type=click.Path(dir_okay=False, path_type=Path))
@jobs_option
def import_command(election: Path, ballots: Path, jobs: int | None) -> None:
    """Submit many ballots at once from a JSON-lines file (one ballot per line), for voting
    front-ends that collected them. Every ballot is checked in full; rejections are listed
    with their reason and do not stop the others."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box, open(ballots, "rb") as lines:
        documents = (parse_json(line) for line in lines if line.strip())
        progress = Progress("ballots checked")
        report = ingest_ballots(ballot_box, context, documents, jobs=jobs, progress=progress.update)
        progress.done()
    say(f"Accepted: {report.accepted}; rejected: {len(report.rejected)}")
    for position, reason, detail in report.rejected:
        say(f"  line {position + 1}: {reason}: {detail}")
