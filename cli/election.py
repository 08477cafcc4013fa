"""`votecrypt election create`: write the manifest of a new election."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from votecrypt.errors import ManifestError
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.protocol.rules import PRESETS, RuleSet, preset, rule_set_from_json
from votecrypt.service.election_dir import create_election
from votecrypt.storage.files import read_file

from .common import election_argument, say


def read_candidates(path: Path) -> list[Candidate]:
    """Candidates from a UTF-8 CSV file: one per line, "name,position" (no header)."""
    text = read_file(path, what="candidate list", max_bytes=1 << 20).decode("utf-8-sig")
    candidates = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) > 2:
            raise ManifestError(f"{path}, line {number}: expected 'name,position'")
        candidates.append(Candidate(row[0], row[1] if len(row) > 1 else ""))
    return candidates


def load_rules(value: str) -> RuleSet:
    if value in PRESETS:
        return preset(value)
    path = Path(value)
    if path.exists():
        return rule_set_from_json(read_file(path, what="rule file", max_bytes=1 << 20))
    return preset(value)  # raises with the list of presets


@click.group()
def election() -> None:
    """Create an election."""


@election.command("create")
@election_argument
@click.option("--title", required=True, help="Title of the vote, as on the ballot paper.")
@click.option("--body", required=True, help="The body that votes (e.g. the People's Council).")
@click.option("--date", "date_", required=True, help="Date of the meeting, YYYY-MM-DD.")
@click.option(
    "--candidates",
    "candidates_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file (UTF-8), one office holder per line: name,position.",
)
@click.option(
    "--trustee",
    "trustees",
    multiple=True,
    required=True,
    help="A member of the counting board, in order (repeat for each member).",
)
@click.option("--threshold", type=int, required=True, help="Members needed to decrypt the result.")
@click.option(
    "--ballots", type=int, required=True, help="Number of ballots issued (members present)."
)
@click.option("--summoned", type=int, default=None, help="Members summoned (for the 2/3 quorum).")
@click.option("--members", type=int, default=None, help="Members of the body (legacy denominator).")
@click.option(
    "--rules",
    default="nq96-2023",
    show_default=True,
    help=f"A preset ({', '.join(sorted(PRESETS))}) or a rule file.",
)
@click.option("--no-blank", is_flag=True, help="Every line must be marked (no blank lines).")
def create(
    election: Path,
    title: str,
    body: str,
    date_: str,
    candidates_file: Path,
    trustees: tuple[str, ...],
    threshold: int,
    ballots: int,
    summoned: int | None,
    members: int | None,
    rules: str,
    no_blank: bool,
) -> None:
    """Create the election in ELECTION_DIR: write its manifest (what is voted on, by whom,
    under which legal rules, and who holds the key). Give a copy of the directory to every
    member of the counting board for the key ceremony."""
    manifest = Manifest.build(
        title=title,
        body=body,
        date=date_,
        candidates=read_candidates(candidates_file),
        rules=load_rules(rules),
        trustees=list(trustees),
        threshold=threshold,
        credentials=ballots,
        summoned=summoned,
        members=members,
        blank_allowed=not no_blank,
    )
    directory = create_election(election, manifest)
    say(f"Election created in {directory.root}")
    say(f"Election id (manifest hash): {manifest.manifest_hash().hex()}")
    say(
        f"{len(manifest.candidates)} candidates; {ballots} ballots; key held by {len(trustees)} "
        f"trustees, any {threshold} of whom can decrypt."
    )
    say("Next: each trustee runs `votecrypt trustee init` with their own index.")
