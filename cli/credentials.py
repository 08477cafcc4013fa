"""`votecrypt credentials issue`: one voting credential per ballot paper."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.voting import issue
from votecrypt.storage.files import write_atomic

from .common import election_argument, election_dir, group, passphrase, say, secret_option


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
    view = endorsement_view(election_dir(election), group())
    say(f"Election fingerprint (read it aloud; the trustees sign with it): {view.fingerprint}")
    say(
        "Next: at least "
        f"{_threshold(election)} trustees run `votecrypt credentials sign` on the public list."
    )


def _threshold(election: Path) -> int:
    from votecrypt.service.election_dir import load_manifest

    return load_manifest(election_dir(election)).threshold


@credentials.command("sign")
@election_argument
@secret_option
@click.option(
    "--fingerprint",
    "announced",
    required=True,
    metavar="FINGERPRINT",
    help="The election fingerprint the issuer announced (printed by `credentials issue` and "
    "on the slips, read aloud): the list is refused if it gives another one.",
)
def sign_command(election: Path, secret: Path, announced: str) -> None:
    """Endorse the public credential list with your ceremony key (each trustee, after
    `credentials issue`, before `board open`). The board opens only with the endorsements of
    at least t trustees, so nobody can swap the list for credentials they hold.

    Give the fingerprint that the issuer announced (it is printed by `credentials issue` and
    on every slip): a list swapped since then gives another fingerprint and is refused. Check
    that the number of credentials shown is the number of ballot papers issued."""
    directory = election_dir(election)
    view = endorsement_view(directory, group())
    say(f"Election: {view.manifest.title}")
    say(
        f"Credential list: {len(view.credentials)} public credentials for "
        f"{view.manifest.credentials} ballot papers"
    )
    say(f"Election fingerprint: {view.fingerprint}")
    view.check_announced(announced)
    path = endorse(directory, view, secret, passphrase(), group(), announced)
    say(f"Endorsement written: {path}")
    say("Next: when enough trustees have signed, run `votecrypt board open`.")
