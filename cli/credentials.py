"""`votecrypt credentials issue`: one voting credential per ballot paper."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.errors import BoardError, EncodingError, FileError
from votecrypt.protocol.credentials import Credential, credentials_from_codes
from votecrypt.record.election_codec import credentials_from_plain
from votecrypt.record.json_codec import parse_json
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.voting import issue
from votecrypt.storage.files import read_file, write_atomic

from .common import election_argument, election_dir, group, passphrase, say, secret_option


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
    to a member.

    The codes are written before the list is published; if the command is interrupted, run
    it again with the same CODES_OUT and it publishes the list of the codes already written."""
    directory = election_dir(election)
    kept = _kept_codes(codes_out) if codes_out.exists() else None
    if codes_out.exists() and kept is None:
        raise click.BadParameter(
            f"{codes_out} exists; not overwriting codes", param_hint="--codes-out"
        )
    if kept is not None and directory.credentials.exists():
        if not _publishes(directory.credentials, kept):
            raise BoardError(
                f"credentials were already issued ({directory.credentials}), "
                f"not from the codes in {codes_out}"
            )
        say(f"Credentials were already issued; their private codes are in {codes_out}.")
        _announce(election)
        return
    if kept is not None:
        try:
            issued = issue(directory, codes=kept)
        except EncodingError as error:
            raise EncodingError(f"{codes_out} holds unusable codes: {error}") from None
        say(f"Finished an interrupted issue with the codes already in {codes_out}.")
    else:

        def keep(issued: list[Credential]) -> None:
            # The private codes reach their file before the public list exists (spec 9.3).
            write_atomic(codes_out, _codes_text(issued), private=True, overwrite=False)

        issued = issue(directory, keep_codes=keep)
    say(f"{len(issued)} credentials issued; public list: {directory.credentials}")
    say(
        f"Private codes written to {codes_out} (readable by you only). Print, seal, then delete it."
    )
    _announce(election)


def _announce(election: Path) -> None:
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
