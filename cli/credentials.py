"""`votecrypt credentials ...`: one voting credential per member present at the roll call
(spec 9.3), endorsed by the trustees (9.4), and supplements while voting is open (9.6)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from votecrypt.errors import BoardError, EncodingError, FileError, VotecryptError
from votecrypt.protocol.context import normalise_fingerprint
from votecrypt.protocol.credentials import Credential, credentials_from_codes
from votecrypt.protocol.text import text_problem
from votecrypt.record.election_codec import credentials_from_plain
from votecrypt.record.json_codec import parse_json
from votecrypt.render.sheet import SheetHeading
from votecrypt.render.slips import SLIPS_PER_PAGE, render_slips
from votecrypt.service.election_dir import ElectionDir, load_manifest
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.supplements import (
    endorse_supplement,
    prepare_supplement,
    publish_supplement,
    supplement_view,
)
from votecrypt.service.voting import check_roll_call, issue, load_board
from votecrypt.storage.files import read_file, write_atomic

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


def _codes_text(issued: list[Credential]) -> bytes:
    lines = [f"{number:>5}  {credential.code}" for number, credential in enumerate(issued, 1)]
    return ("\n".join(lines) + "\n").encode()


def _kept_codes(path: Path) -> list[str] | None:
    """The codes of a codes file written by `credentials issue`, or None if it is not one."""
    try:
        text = read_file(path, what="codes file", max_bytes=1 << 24).decode("ascii")
    except (FileError, UnicodeDecodeError):
        return None
    codes = []
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if len(parts) != 2 or parts[0] != str(number):
            return None
        codes.append(parts[1])
    return codes or None


def _publishes(credential_list: Path, codes: list[str]) -> bool:
    """Whether the published list is exactly the keys of `codes`."""
    try:
        listed, _ = credentials_from_plain(
            parse_json(read_file(credential_list, what="credential list"))
        )
        _, derived = credentials_from_codes(listed.election, codes, len(listed))
    except EncodingError:
        return False
    return tuple(derived) == listed.public_keys


def pending_codes(slips_out: Path) -> Path:
    """Where the codes wait, readable by their owner only, while the slips are made."""
    return slips_out.with_name(f".{slips_out.name}.codes")


def codes_options(command: Callable[..., None]) -> Callable[..., None]:
    """Where the private codes go, for every command that makes codes (spec 9.3, 9.6)."""
    options = (
        click.option(
            "--codes-out",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="File to write the private codes to, one per line (readable by you only).",
        ),
        click.option(
            "--slips-out",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="HTML page of printable slips, one per code, "
            f"{SLIPS_PER_PAGE} to an A4 page with cut lines (readable by you only).",
        ),
        click.option(
            "--booth-address",
            default="",
            help="Where voting stations are used: the booth's address, printed on every slip.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


@credentials.command("issue")
@election_argument
@codes_options
@click.option(
    "--present",
    type=click.IntRange(min=1),
    required=True,
    help="Members present at the roll call: the number of ballots issued (số phiếu phát ra).",
)
def issue_command(
    election: Path,
    codes_out: Path | None,
    slips_out: Path | None,
    booth_address: str,
    present: int,
) -> None:
    """At the roll call, issue one credential per member present: publish the public list in
    ELECTION_DIR and write the private codes where you say: as printable slips (--slips-out)
    and/or a list (--codes-out). Print the slips, seal each in an envelope, hand one to each
    member present, then destroy the files. Nothing links a code to a member.

    The codes are written (to CODES_OUT, or beside the slips, readable by you only) before
    the list is published; if the command is interrupted, run it again with the same options
    and it finishes with the codes already written."""
    codes_file = _codes_file(codes_out, slips_out)
    directory = election_dir(election)
    kept = _kept_codes(codes_file) if codes_file.exists() else None
    if kept is None:
        _refuse_existing(codes_out, slips_out)
    manifest = load_manifest(directory)
    heading = SheetHeading.of(manifest)
    _check_address(booth_address)
    check_roll_call(manifest, present)
    if kept is None:
        issued = issue(directory, present, keep_codes=_keeper(codes_file))
    elif directory.credentials.exists():
        if not _publishes(directory.credentials, kept):
            raise BoardError(
                f"credentials were already issued ({directory.credentials}), "
                f"not from the codes in {codes_file}"
            )
        issued, _ = credentials_from_codes(manifest.manifest_hash(), kept, len(kept))
        say(f"The credentials were already issued from the codes in {codes_file}.")
    else:
        try:
            issued = issue(directory, present, codes=kept)
        except EncodingError as error:
            raise EncodingError(f"{codes_file} holds unusable codes: {error}") from None
        say(f"Finished an interrupted issue with the codes already in {codes_file}.")
    fingerprint = _fingerprint(directory)
    say(f"{plural(len(issued), 'credential')} issued; public list: {directory.credentials}")
    _write_codes(issued, heading, fingerprint, booth_address, codes_out, slips_out, codes_file)
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


def _codes_file(codes_out: Path | None, slips_out: Path | None) -> Path:
    """Where the private codes are kept while they are made (spec 9.3)."""
    if codes_out is not None:
        return codes_out
    if slips_out is not None:
        return pending_codes(slips_out)
    raise click.UsageError("say where the private codes go: --slips-out and/or --codes-out")


def _refuse_existing(codes_out: Path | None, slips_out: Path | None) -> None:
    for option, path in (("--codes-out", codes_out), ("--slips-out", slips_out)):
        if path is not None and path.exists():
            raise click.BadParameter(f"{path} exists; not overwriting codes", param_hint=option)


def _check_address(booth_address: str) -> None:
    # The same checks as every text of the manifest: it is printed on every slip.
    problem = text_problem(booth_address, max_length=400)
    if problem is not None:
        raise click.BadParameter(f"the address {problem}", param_hint="--booth-address")


def _keeper(codes_file: Path) -> Callable[[list[Credential]], None]:
    def keep(issued: list[Credential]) -> None:
        # The private codes reach their file before any public key is written (spec 9.3).
        write_atomic(codes_file, _codes_text(issued), private=True, overwrite=False)

    return keep


def _write_codes(
    issued: list[Credential],
    heading: SheetHeading,
    fingerprint: str,
    booth_address: str,
    codes_out: Path | None,
    slips_out: Path | None,
    codes_file: Path,
) -> None:
    """The slips and/or the codes list, then the pending codes file removed."""
    if slips_out is not None:
        page = render_slips(
            heading,
            [credential.code for credential in issued],
            fingerprint=fingerprint,
            booth_address=booth_address,
        )
        # A rerun writes the same page again (overwrite: the codes are the same ones).
        write_atomic(slips_out, page.encode("utf-8"), private=True)
        say(f"Slips to print written to {slips_out} (readable by you only); {DESTROY}.")
    if codes_out is not None:
        say(f"Private codes written to {codes_out} (readable by you only); {DESTROY}.")
    else:
        codes_file.unlink()  # the slips hold the codes now


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
    normalise_fingerprint(announced)  # a mistyped fingerprint is bad input, not another list
    directory = election_dir(election)
    view = endorsement_view(directory, group())
    say(f"Election: {view.manifest.title}")
    say(
        f"Credential list: {len(view.credentials)} public credentials: check that it is the "
        "number of ballot papers issued at the roll call"
    )
    view.check_announced(announced)  # before showing it: the trustee compares, never copies
    say(f"Election fingerprint: {view.fingerprint}, as announced")
    path = endorse(directory, view, secret, passphrase(secret=secret), group(), announced)
    say(f"Endorsement written: {path}")
    say("Next: when enough trustees have signed, run `votecrypt board open`.")


@credentials.command("supplement")
@election_argument
@click.option(
    "--add",
    type=click.IntRange(min=0),
    default=0,
    help="New credentials to issue: a member who arrived late, or a lost slip replaced.",
)
@click.option(
    "--cancel",
    type=click.IntRange(min=0),
    default=0,
    help="Slips handed back (spoiled) whose credentials are cancelled: their codes are asked "
    "for without echo (or read from standard input, one a line).",
)
@codes_options
def supplement_command(
    election: Path,
    add: int,
    cancel: int,
    codes_out: Path | None,
    slips_out: Path | None,
    booth_address: str,
) -> None:
    """While voting is open, prepare a credential supplement (on the board's machine): new
    codes for members who arrive late or lost their slip (--add), and the cancelling of
    spoiled slips handed back (--cancel). It counts in the ballots issued once at least t
    trustees sign it (`credentials sign-supplement`) and it is published
    (`credentials publish-supplement`). A credential whose ballot was cast is never
    cancelled: a cast ballot stays in the count."""
    if add == 0 and cancel == 0:
        raise click.UsageError("give --add N (new codes) and/or --cancel N (slips handed back)")
    codes_file = _codes_file(codes_out, slips_out) if add else None
    directory = election_dir(election)
    kept = _kept_codes(codes_file) if codes_file is not None and codes_file.exists() else None
    if add and kept is None:
        _refuse_existing(codes_out, slips_out)
    _check_address(booth_address)
    ballot_box, context = load_board(directory, group())
    cancel_codes = [_returned_code(i, cancel) for i in range(1, cancel + 1)]
    issued, supplement = prepare_supplement(
        directory,
        ballot_box,
        context,
        add,
        cancel_codes,
        _keeper(codes_file) if codes_file is not None else (lambda issued: None),
        kept,
    )
    number = supplement.number
    after = ballot_box.issued() + len(supplement.added) - len(supplement.cancelled)
    say(
        f"Supplement {number} prepared: adds {len(supplement.added)}, cancels "
        f"{len(supplement.cancelled)}; ballots issued once it is published: {after}. "
        f"File: {directory.supplement_path(number)}"
    )
    if codes_file is not None:
        heading = SheetHeading.of(context.manifest)
        _write_codes(
            issued, heading, context.fingerprint, booth_address, codes_out, slips_out, codes_file
        )
    say(
        f"Next: at least {plural(context.manifest.threshold, 'trustee')} run "
        f"`votecrypt credentials sign-supplement ELECTION_DIR --number {number} "
        f"--added {len(supplement.added)} --cancelled {len(supplement.cancelled)}`, then "
        f"`votecrypt credentials publish-supplement ELECTION_DIR --number {number}`."
    )


def _returned_code(number: int, of: int) -> str:
    """The code of a slip handed back: asked without echo at a terminal (never on the
    command line, where `ps` and the shell history would show it), else one line of
    standard input."""
    if sys.stdin.isatty():
        return str(click.prompt(f"Code of returned slip {number} of {of}", hide_input=True))
    return sys.stdin.readline().strip()


@credentials.command("sign-supplement")
@election_argument
@secret_option
@click.option(
    "--number", type=click.IntRange(min=1), required=True, help="The supplement's number."
)
@click.option(
    "--added",
    type=click.IntRange(min=0),
    required=True,
    help="How many credentials the meeting decided to add (late members, lost slips).",
)
@click.option(
    "--cancelled",
    type=click.IntRange(min=0),
    required=True,
    help="How many spoiled slips the meeting saw handed back.",
)
def sign_supplement_command(
    election: Path, secret: Path, number: int, added: int, cancelled: int
) -> None:
    """Endorse credential supplement NUMBER with your ceremony key (each trustee). It is
    refused unless it belongs to this election and adds and cancels exactly the numbers of
    credentials the meeting announced."""
    directory = election_dir(election)
    view = supplement_view(directory, group(), number)
    say(f"Election: {view.context.manifest.title} (fingerprint {view.context.fingerprint})")
    say(
        f"Supplement {number}: adds {len(view.supplement.added)}, cancels "
        f"{len(view.supplement.cancelled)}"
    )
    path = endorse_supplement(
        directory,
        view,
        secret,
        passphrase(secret=secret),
        group(),
        added=added,
        cancelled=cancelled,
    )
    say(f"Endorsement written: {path}")
    say(f"Next: `votecrypt credentials publish-supplement ELECTION_DIR --number {number}`.")


@credentials.command("publish-supplement")
@election_argument
@click.option(
    "--number", type=click.IntRange(min=1), required=True, help="The supplement's number."
)
def publish_supplement_command(election: Path, number: int) -> None:
    """Publish credential supplement NUMBER on the board with the trustees' endorsements (at
    least t). From then on its new codes vote and its cancelled ones are refused; the ballots
    issued on the result sheet count it."""
    directory = election_dir(election)
    ballot_box, context = load_board(directory, group())
    entry, appended = publish_supplement(directory, ballot_box, context, number)
    if appended:
        say(f"Supplement {number} published: board entry {entry.seq}.")
    else:
        say(f"Supplement {number} was already published: board entry {entry.seq}.")
    say(f"Ballots issued (số phiếu phát ra): {ballot_box.issued()}")
