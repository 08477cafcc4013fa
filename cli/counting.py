"""`votecrypt tally` and `votecrypt result`."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.render.sheet import SheetHeading
from votecrypt.render.table import render_table
from votecrypt.service.counting import compute_tally, publish_results
from votecrypt.service.export import export_record
from votecrypt.service.presentation import write_result_sheets
from votecrypt.service.voting import load_board
from votecrypt.verifier.engines import engine_for

from .common import election_argument, election_dir, group, jobs_option, say, scheduler_option


@click.command()
@election_argument
@jobs_option
@scheduler_option
def tally(election: Path, jobs: int | None, scheduler: str | None) -> None:
    """Add up all cast ballots while they stay encrypted, and publish the encrypted totals.
    Run after `board close`; then the trustees decrypt."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        encrypted = compute_tally(ballot_box, context, engine_for(jobs, scheduler))
        tally_entry = next(ballot_box.entries_of("tally"))
    say(f"Encrypted tally of {encrypted.ballots} ballots published.")
    say(f"Board hash at the tally (announce it; each trustee types it): {tally_entry.hash.hex()}")
    say(f"Next: at least {context.ceremony.threshold} trustees run `votecrypt trustee decrypt`.")


@click.command()
@election_argument
def result(election: Path) -> None:
    """Check the trustees' decryption shares, combine enough valid ones, and announce the
    result: counts, percentages and the legal consequences. Writes the election record."""
    directory = election_dir(election)
    ballot_box, context = load_board(directory, group())
    with ballot_box:
        announcement = publish_results(directory, ballot_box, context)
        record = export_record(ballot_box, directory.record)
    for trustee, reason in announcement.selection.invalid:
        say(f"Left out: trustee {trustee}: {reason}")
    for problem in announcement.unreadable:
        say(f"Unreadable share file: {problem}")
    manifest = context.manifest
    say(
        render_table(
            announcement.results, SheetHeading.of(manifest), blank_allowed=manifest.blank_allowed
        )
    )
    used = ", ".join(map(str, announcement.selection.used))
    say(f"Decrypted with the shares of trustees {used}.")
    say(f"Election record: {record}")
    for path in write_result_sheets(announcement.results, context, record):
        say(f"Result sheet: {path}")
