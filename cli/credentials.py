"""`votecrypt credentials issue`: one voting credential per ballot paper."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.errors import VotecryptError
from votecrypt.protocol.text import text_problem
from votecrypt.render.sheet import SheetHeading
from votecrypt.render.slips import SLIPS_PER_PAGE, render_slips
from votecrypt.service.election_dir import ElectionDir, load_manifest
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.voting import issue
from votecrypt.storage.files import write_atomic

from .common import (
    election_argument,
    election_dir,
    group,
    passphrase,
    plural,
    say,
    secret_option,
)

DESTROY = (
    "destroy it after use (Linux: shred -u FILE; elsewhere delete it and empty the trash; "
    "on a USB stick or SSD only wiping the medium removes every copy)"
)


@click.group()
def credentials() -> None:
    """Voting credentials: the electronic form of "a ballot issued by the counting board"."""


@credentials.command("issue")
@election_argument
@click.option(
    "--codes-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write the private codes to, one per line (readable by you only).",
)
@click.option(
    "--slips-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML page of printable slips, one per ballot paper, "
    f"{SLIPS_PER_PAGE} to an A4 page with cut lines (readable by you only).",
)
@click.option(
    "--booth-address",
    default="",
    help="Where voting stations are used: the booth's address, printed on every slip.",
)
def issue_command(
    election: Path, codes_out: Path | None, slips_out: Path | None, booth_address: str
) -> None:
    """Issue one credential per ballot: publish the public list in ELECTION_DIR and write the
    private codes where you say: as printable slips (--slips-out) and/or a list
    (--codes-out). Print the slips, seal each in an envelope, hand one to each member
    present, then destroy the files. Nothing links a code to a member."""
    if codes_out is None and slips_out is None:
        raise click.UsageError("say where the private codes go: --slips-out and/or --codes-out")
    for option, path in (("--codes-out", codes_out), ("--slips-out", slips_out)):
        if path is not None and path.exists():
            raise click.BadParameter(f"{path} exists; not overwriting codes", param_hint=option)
    directory = election_dir(election)
    manifest = load_manifest(directory)
    heading = SheetHeading.of(manifest)
    # The same checks as every text of the manifest: it is printed on every slip.
    problem = text_problem(booth_address, max_length=400)
    if problem is not None:
        raise click.BadParameter(f"the address {problem}", param_hint="--booth-address")
    issued = issue(directory)
    fingerprint = _fingerprint(directory)
    say(f"{plural(len(issued), 'credential')} issued; public list: {directory.credentials}")
    if slips_out is not None:
        page = render_slips(
            heading,
            [credential.code for credential in issued],
            fingerprint=fingerprint,
            booth_address=booth_address,
        )
        write_atomic(slips_out, page.encode("utf-8"), private=True, overwrite=False)
        say(f"Slips to print written to {slips_out} (readable by you only); {DESTROY}.")
    if codes_out is not None:
        lines = [f"{number:>5}  {c.code}" for number, c in enumerate(issued, start=1)]
        write_atomic(codes_out, ("\n".join(lines) + "\n").encode(), private=True, overwrite=False)
        say(f"Private codes written to {codes_out} (readable by you only); {DESTROY}.")
    if fingerprint:
        say(
            f"Election fingerprint (on every slip; read it aloud, the trustees sign with it): "
            f"{fingerprint}"
        )
    else:
        say(
            "The setup does not check yet (ceremony not finalized?): the slips show no fingerprint."
        )
    say(
        f"Next: at least {plural(manifest.threshold, 'trustee')} "
        f"run{'s' if manifest.threshold == 1 else ''} `votecrypt credentials sign` on the "
        "public list."
    )


def _fingerprint(directory: ElectionDir) -> str:
    """The election fingerprint (spec 7.4) of the checked setup ("" if it does not check:
    the trustees will refuse to sign the list, and no slip should carry a wrong one)."""
    try:
        return endorsement_view(directory, group()).fingerprint
    except VotecryptError:
        return ""


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
    path = endorse(directory, view, secret, passphrase(secret=secret), group(), announced)
    say(f"Endorsement written: {path}")
    say("Next: when enough trustees have signed, run `votecrypt board open`.")
