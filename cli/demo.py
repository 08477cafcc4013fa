"""`votecrypt demo`: a complete election in one command."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

from votecrypt.errors import VerificationError
from votecrypt.render.sheet import SheetHeading
from votecrypt.render.table import render_table
from votecrypt.service.demo import run_demo
from votecrypt.service.election_dir import load_manifest
from votecrypt.verifier import verify_record

from .common import group, say


@click.command()
@click.option("--voters", default=47, show_default=True, help="Number of members voting.")
@click.option("--candidates", default=7, show_default=True, help="Office holders on the ballot.")
@click.option("--trustees", default=5, show_default=True, help="Members of the counting board.")
@click.option("--threshold", default=3, show_default=True, help="Trustees needed to decrypt.")
@click.option(
    "--challenges", default=3, show_default=True, help="Voters who first challenge a ballot."
)
@click.option("--seed", type=int, default=None, help="Seed for the simulated voters' choices.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the election (default: a new temporary directory).",
)
def demo(
    voters: int,
    candidates: int,
    trustees: int,
    threshold: int,
    challenges: int,
    seed: int | None,
    out: Path | None,
) -> None:
    """Run a complete demonstration election and print its results.

    Creates the election, runs the key ceremony of the counting board, issues credentials,
    lets simulated members vote (a few challenge a ballot first to check it), closes the
    vote, decrypts the tally with exactly THRESHOLD trustees, announces the results and
    writes the election record, which anyone can check with `votecrypt verify`.
    """
    root = out if out is not None else Path(tempfile.mkdtemp(prefix="votecrypt-demo-"))
    if root.exists() and any(root.iterdir()):
        raise click.BadParameter(f"{root} is not empty", param_hint="--out")
    started = time.perf_counter()
    outcome = run_demo(
        root,
        group(),
        voters=voters,
        candidates=candidates,
        trustees=trustees,
        threshold=threshold,
        challenges=challenges,
        seed=seed,
        progress=lambda text: click.echo(f"  {text}", err=True),
    )
    manifest = load_manifest(outcome.directory)
    say()
    say(
        render_table(
            outcome.announcement.results,
            SheetHeading.of(manifest),
            blank_allowed=manifest.blank_allowed,
        )
    )
    say(f"Ballots cast: {outcome.cast}; challenged and checked: {outcome.challenged}")
    say(f"Decrypted by trustees: {', '.join(map(str, outcome.decrypted_by))}")
    say(f"Election directory: {outcome.directory.root}")
    say(f"Election record:    {outcome.record}")
    say(f"Result sheet:       {outcome.record / 'results.html'} (printable)")
    report = verify_record(outcome.record)
    say(f"Verification of the record: {report.lines()[-1]}")
    say(f"Finished in {time.perf_counter() - started:.1f} s. Check it yourself:")
    say(f"  votecrypt verify {outcome.record}")
    if not report.ok:
        raise VerificationError("the demonstration's own record failed verification")
