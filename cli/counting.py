"""`votecrypt tally` and `votecrypt result`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from votecrypt.render.sheet import SheetHeading
from votecrypt.render.table import render_table
from votecrypt.service.ceremony_late import late_record
from votecrypt.service.counting import (
    compute_tally,
    publish_results,
    published_announcement,
    published_tally,
)
from votecrypt.service.export import export_record
from votecrypt.service.presentation import write_result_sheets
from votecrypt.service.voting import load_board
from votecrypt.verifier.engines import engine_for

from .common import (
    election_argument,
    election_dir,
    group,
    jobs_option,
    plural,
    say,
    scheduler_option,
)
from .sheet_options import sheet_options, sheet_settings


@click.command()
@election_argument
@jobs_option
@scheduler_option
def tally(election: Path, jobs: int | None, scheduler: str | None) -> None:
    """Add up all cast ballots while they stay encrypted, and publish the encrypted totals.
    Run after `board close`; then the trustees decrypt."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        if ballot_box.count("tally"):
            encrypted = published_tally(ballot_box, context)
            already = True
        else:
            encrypted = compute_tally(ballot_box, context, engine_for(jobs, scheduler))
            already = False
        tally_entry = next(ballot_box.entries_of("tally"))
    if already:
        say(f"The encrypted tally of {encrypted.ballots} ballots was already published.")
    else:
        say(f"Encrypted tally of {encrypted.ballots} ballots published.")
    say(f"Board hash at the tally (announce it; each trustee types it): {tally_entry.hash.hex()}")
    t = context.ceremony.threshold
    runs = f"{plural(t, 'trustee')} run" + ("s" if t == 1 else "")
    say(f"Next: at least {runs} `votecrypt trustee decrypt`.")


@click.command()
@election_argument
@sheet_options
def result(election: Path, **sheet: Any) -> None:
    """Check the trustees' decryption shares, combine enough valid ones, and announce the
    result: counts, percentages and the legal consequences. Writes the election record and
    the result sheets (results.html to print and sign, results.csv, result-sheet.json). Run
    again after the results are published, it shows them and writes them again."""
    directory = election_dir(election)
    late = late_record(directory, group())
    ballot_box, context = load_board(directory, group())
    with ballot_box:
        if ballot_box.phase() == "published":
            announcement = published_announcement(ballot_box, context)
            say("The results were already published:")
        else:
            announcement = publish_results(directory, ballot_box, context)
        record = export_record(ballot_box, directory.record, directory.root / "cosigned", late=late)
        challenged = ballot_box.count("challenge")
    for trustee, reason in announcement.selection.invalid:
        say(f"Left out: trustee {trustee}: {reason}")
    for problem in announcement.unreadable:
        say(f"Unreadable share file: {problem}")
    manifest = context.manifest
    fmt, details = sheet_settings(
        context, sheet, announcement.selection.used, challenged, directory.root, fix_time=True
    )
    say(
        render_table(
            announcement.results,
            SheetHeading.of(manifest),
            blank_allowed=manifest.blank_allowed,
            fmt=fmt,
            details=details,
        )
    )
    used = ", ".join(map(str, announcement.selection.used))
    say(f"Decrypted with the shares of trustees {used}.")
    say(f"Election fingerprint: {details.fingerprint}")
    say(f"Election record: {record}")
    for path in write_result_sheets(
        announcement.results, context, record, fmt=fmt, details=details
    ):
        say(f"Result sheet: {path}")
