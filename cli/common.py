"""Options and helpers shared by the commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from votecrypt.errors import SecretStoreError, VotecryptError
from votecrypt.math import Group, secp256k1
from votecrypt.service.election_dir import ElectionDir

PASSPHRASE_ENV = "VOTECRYPT_PASSPHRASE"


def group() -> Group:
    """The group every command uses: secp256k1 on libsecp256k1."""
    return secp256k1()


election_argument = click.argument(
    "election",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="ELECTION_DIR",
)


def election_dir(path: Path) -> ElectionDir:
    return ElectionDir(path)


secret_option = click.option(
    "--secret",
    "secret",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your trustee secret file (keep it on your own computer or USB key).",
)


NEW_PASSPHRASE_ENV = "VOTECRYPT_NEW_PASSPHRASE"
#: Tries at a terminal before giving up (a wrong passphrase, or a weak new one).
TRIES = 3
MIN_PASSPHRASE_LENGTH = 12
COMMON_PASSPHRASES = frozenset(
    {"password", "matkhau", "mật khẩu", "qwertyuiop", "abcdefghijkl", "iloveyou", "admin"}
)


def passphrase_problem(value: str) -> str | None:
    """Why a new passphrase is too weak to protect a share of the election key, or None."""
    if len(value) < MIN_PASSPHRASE_LENGTH:
        return (
            f"it has {len(value)} characters; use at least {MIN_PASSPHRASE_LENGTH}, "
            "for example four unrelated words"
        )
    if len(set(value)) < 5:
        return "it repeats too few different characters"
    if value.isdigit():
        return "it is only digits (dates and phone numbers are guessed first)"
    if value.casefold().rstrip("0123456789!.") in COMMON_PASSPHRASES:
        return "it is one of the most common passphrases"
    return None


def passphrase(*, confirm: bool = False, secret: Path | None = None) -> str:
    """The passphrase from $VOTECRYPT_PASSPHRASE, or asked for without echo.

    `confirm`: a new passphrase; at a terminal a weak one is refused with the reason and
    asked again, from the environment it is accepted with a warning. `secret`: the file it
    must open; at a terminal a wrong passphrase is asked again, up to three tries in all.
    """
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        if confirm:
            warn_if_weak(value)
        return value
    if confirm:
        return new_passphrase("Choose a passphrase for your secret file")
    if secret is None:
        return _ask("Passphrase of your secret file")
    from votecrypt.storage.secret_file import load_trustee, secret_file_label

    secret_file_label(secret)  # a missing or damaged file is reported before any question
    for attempt in range(1, TRIES + 1):
        entered = _ask("Passphrase of your secret file")
        try:
            load_trustee(secret, entered, group())
            return entered
        except SecretStoreError as exc:
            if attempt == TRIES:
                raise
            left = TRIES - attempt
            click.echo(
                f"{exc}; try again ({left} {'try' if left == 1 else 'tries'} left)", err=True
            )
    raise AssertionError("unreachable")


def new_passphrase(question: str) -> str:
    """A new passphrase asked twice at a terminal; a weak one is refused with the reason."""
    for _ in range(TRIES):
        entered = _ask(question, confirm=True)
        problem = passphrase_problem(entered)
        if problem is None:
            return entered
        click.echo(f"This passphrase is too weak: {problem}. Choose another.", err=True)
    raise VotecryptError(f"no acceptable passphrase in {TRIES} tries; nothing was changed")


def warn_if_weak(value: str) -> None:
    problem = passphrase_problem(value)
    if problem is not None:
        click.echo(f"warning: the passphrase is weak: {problem}", err=True)


def _ask(question: str, *, confirm: bool = False) -> str:
    try:
        entered: Any = click.prompt(question, hide_input=True, confirmation_prompt=confirm)
    except click.Abort:  # end of input: no terminal, nothing piped
        empty = PASSPHRASE_ENV in os.environ
        raise VotecryptError(
            f"{PASSPHRASE_ENV} is empty and no passphrase could be read"
            if empty
            else f"no passphrase was given (set {PASSPHRASE_ENV} or type it on a terminal)"
        ) from None
    return str(entered)


def plural(count: int, noun: str) -> str:
    """ "1 trustee", "3 trustees" (English nouns that take -s)."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def say(text: str = "") -> None:
    click.echo(text)


def fingerprint(key: bytes) -> str:
    """The first 80 bits of a public key, in groups, for reading aloud."""
    text = key.hex()[:20].upper()
    return " ".join(text[i : i + 4] for i in range(0, 20, 4))


jobs_option = click.option(
    "--jobs", type=int, default=None, help="Processes to use on this computer (default: all cores)."
)
scheduler_option = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run on a Dask cluster (e.g. tcp://10.0.0.5:8786) instead of this computer.",
)


class Progress:
    """A counter on the terminal's error stream while a long operation runs."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.count = 0

    def update(self, steps: int) -> None:
        self.count += steps
        click.echo(f"\r{self.count} {self.what}...", nl=False, err=True)

    def done(self) -> None:
        if self.count:
            click.echo("", err=True)


Command = TypeVar("Command", bound=Callable[..., Any])

#: A PEM file the command reads (a certificate, its key, or a CA).
PEM_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def tls_options(what: str) -> Callable[[Command], Command]:
    """--certfile and --keyfile of a command that serves `what` over HTTPS."""

    def decorate(command: Command) -> Command:
        command = click.option(
            "--keyfile",
            type=PEM_FILE,
            default=None,
            help="Private key of the TLS certificate (PEM).",
        )(command)
        return click.option(
            "--certfile",
            type=PEM_FILE,
            default=None,
            help=f"TLS certificate (PEM) of {what}; with --keyfile it speaks HTTPS only.",
        )(command)

    return decorate


def cafile_option(command: Command) -> Command:
    """--cafile of a command that reads a board over HTTPS."""
    return click.option(
        "--cafile",
        type=PEM_FILE,
        default=None,
        help="The board's TLS certificate (or its CA) in PEM: the only one trusted for an "
        "https:// BOARD-URL. Default: the system's trust store.",
    )(command)
