"""`votecrypt board ...`: the bulletin board: open, status, close, export, restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from votecrypt.errors import BoardError, EncodingError
from votecrypt.record.json_codec import parse_json
from votecrypt.service.ceremony_late import late_record, late_report
from votecrypt.service.election_dir import load_manifest
from votecrypt.service.export import export_record
from votecrypt.service.ingest import ingest_ballots
from votecrypt.service.presentation import published_results, write_result_sheets
from votecrypt.service.restore import restore_board
from votecrypt.service.snapshot import snapshot_board
from votecrypt.service.voting import close_voting, load_board, open_board
from votecrypt.storage.files import open_input

from .common import Progress, election_argument, election_dir, group, jobs_option, say
from .sheet_options import sheet_options, sheet_settings


@click.group()
def board() -> None:
    """The bulletin board: the public, append-only log of everything in the election."""


@board.command("open")
@election_argument
def open_command(election: Path) -> None:
    """Set up the bulletin board (manifest, key ceremony, credential list) and open voting.
    The board is built in a temporary file and appears complete or not at all; run again
    after it was opened, the command only reports it."""
    directory = election_dir(election)
    if directory.board.exists():
        ballot_box, context = load_board(directory, group(), read_only=True)
        with ballot_box:
            if context.manifest_hash != load_manifest(directory).manifest_hash():
                raise BoardError(f"{directory.board} belongs to another election")
            say(f"The board was already opened (phase: {ballot_box.phase()}).")
            say(f"Election context hash: {context.hash.hex()}")
            say(f"Election fingerprint: {context.fingerprint} (read it aloud at the meeting)")
        return
    late = late_report(directory, group())  # a late file that does not check is refused
    ballot_box, context = open_board(directory, group())
    with ballot_box:
        say(f"Voting is open. Election context hash: {context.hash.hex()}")
        say(f"Election fingerprint: {context.fingerprint} (read it aloud at the meeting)")
        say(f"Board: {ballot_box.path} ({ballot_box.count()} entries)")
    if late:
        say(
            f"{len(late)} ceremony files in {directory.late} arrived after the outcome was "
            "endorsed: they change nothing (`votecrypt ceremony status` names them)."
        )


@board.command("status")
@election_argument
def status(election: Path) -> None:
    """Show the phase of the vote and how many ballots have been cast and challenged."""
    ballot_box, _ = load_board(election_dir(election), group(), read_only=True)
    with ballot_box:
        seq, head = ballot_box.head()
        say(f"Phase: {ballot_box.phase()}")
        say(f"Ballots cast: {ballot_box.count('ballot')} of {ballot_box.issued()} issued")
        supplements = ballot_box.count("credential-supplement")
        if supplements:
            say(f"Credential supplements published: {supplements} (late members, slips replaced)")
        say(f"Ballots challenged: {ballot_box.count('challenge')}")
        say(f"Log: {seq + 1} entries; last hash {head.hex()}")


@board.command("close")
@election_argument
def close(election: Path) -> None:
    """Close the vote. No ballot is accepted afterwards."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        if ballot_box.count("close"):
            say(f"Voting was already closed with {ballot_box.count('ballot')} ballots cast.")
            return
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
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A witness's replica (repeatable): its last cosigned checkpoint and any evidence "
    "it holds of two histories go into the record (spec 15.1).",
)
@sheet_options
def export(election: Path, out: Path | None, witnesses: tuple[Path, ...], **sheet: Any) -> None:
    """Write the election record (the log, copies of its main items, the tracking index,
    the checkpoints the witnesses cosigned and any evidence they hold) for publication,
    and, once the result is announced, the result sheets."""
    directory = election_dir(election)
    late = late_record(directory, group())
    ballot_box, context = load_board(directory, group(), read_only=True)
    with ballot_box:
        target = export_record(
            ballot_box,
            out or directory.record,
            directory.root / "cosigned",
            witnesses,
            late=late,
        )
        published = published_results(ballot_box, context)
        challenged = ballot_box.count("challenge")
    say(f"Election record written to {target}")
    if published is not None:
        results, decrypted_by = published
        fmt, details = sheet_settings(
            context, sheet, decrypted_by, challenged, directory.root, fix_time=False
        )
        for path in write_result_sheets(results, context, target, fmt=fmt, details=details):
            say(f"Result sheet: {path}")


@board.command("snapshot")
@election_argument
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write (for instance the board.sqlite of a copy of the election).",
)
def snapshot(election: Path, out: Path) -> None:
    """Copy the board to one file, consistent even while `votecrypt serve` runs: what to
    hand the trustees (copying board.sqlite itself can miss what is in board.sqlite-wal)."""
    directory = election_dir(election)
    target = snapshot_board(directory.board, out)
    say(f"Board copied to {target}")


@board.command("import")
@election_argument
@click.argument("ballots", type=click.Path(dir_okay=False, path_type=Path))
@jobs_option
def import_command(election: Path, ballots: Path, jobs: int | None) -> None:
    """Submit many ballots at once from a JSON-lines file (one ballot per line), for voting
    front-ends that collected them. Every ballot is checked in full; rejections are listed
    with their reason and do not stop the others."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box, open_input(ballots, what="ballots file") as lines:
        documents = (_parsed(line) for line in lines)
        progress = Progress("ballots checked")
        report = ingest_ballots(ballot_box, context, documents, jobs=jobs, progress=progress.update)
        progress.done()
    say(f"Accepted: {report.accepted}; rejected: {len(report.rejected)}")
    for position, reason, detail in report.rejected:
        say(f"  line {position + 1}: {reason}: {detail}")


def _parsed(line: bytes) -> Any:
    """One line's JSON, or the error (reported as that line's rejection by ingest_ballots),
    or None for a blank line (skipped; it keeps the numbering of the lines after it)."""
    if not line.strip():
        return None
    try:
        value = parse_json(line)
    except EncodingError as error:
        return error
    return EncodingError("ballot: expected an object") if value is None else value


@board.command("restore")
@election_argument
@click.option(
    "--from",
    "replica",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A witness's replica directory (the --replica of `votecrypt witness follow`).",
)
@click.option(
    "--checkpoint",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The latest cosigned checkpoint known (default: the replica's cosigned.txt); take "
    "the largest one among the witnesses (GET /checkpoint of each).",
)
def restore_command(election: Path, replica: Path, checkpoint: Path | None) -> None:
    """Rebuild a lost bulletin board from a witness's replica (spec 11.11). ELECTION_DIR
    holds a trustee's copy of the election (its manifest names the board key and the
    witnesses). The replica is verified from scratch and must contain the tree of a
    checkpoint the board signed and enough named witnesses cosigned; the board is rebuilt
    complete or not at all. Then serve it again: voting goes on."""
    restored = restore_board(election_dir(election), replica, group(), checkpoint)
    say(f"Election fingerprint: {restored.context.fingerprint} (compare it with the announced one)")
    say(
        f"Board rebuilt: {restored.entries} entries; it contains the checkpoint of "
        f"{restored.checkpoint.size} entries cosigned by {', '.join(restored.cosigners)}."
    )
    later = restored.entries - restored.checkpoint.size
    if later:
        say(f"{later} later entries come from this replica alone (no cosigned checkpoint yet).")
    say("Next: votecrypt serve ELECTION_DIR --board-key ... (the stations retry).")
