"""`votecrypt credentials issue`: one voting credential per ballot paper."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.service.voting import issue
from votecrypt.storage.files import write_atomic

from .common import election_argument, election_dir, say


@click.group()
def credentials() -> None:
    """Voting credentials: the electronic form of "a ballot issued by the counting board"."""


@credentials.command("issue")
@election_argument
@click.option(
    "--codes-out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write the private codes to, one per line, for printing into envelopes.",
)
def issue_command(election: Path, codes_out: Path) -> None:
    """Issue one credential per ballot: publish the public list in ELECTION_DIR and write the
    private codes to CODES_OUT. Print each code on its own ballot paper, seal them in
    envelopes, hand one to each member present, then delete CODES_OUT. Nothing links a code
    to a member."""
    if codes_out.exists():
        raise click.BadParameter(
            f"{codes_out} exists; not overwriting codes", param_hint="--codes-out"
        )
    issued = issue(election_dir(election))
    lines = [f"{number:>5}  {credential.code}" for number, credential in enumerate(issued, start=1)]
    write_atomic(codes_out, ("\n".join(lines) + "\n").encode(), private=True, overwrite=False)
    say(f"{len(issued)} credentials issued; public list: {election_dir(election).credentials}")
    say(
        f"Private codes written to {codes_out} (readable by you only). Print, seal, then delete it."
    )
