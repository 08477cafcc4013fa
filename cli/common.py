"""Options and helpers shared by the commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

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


def passphrase(*, confirm: bool = False) -> str:
    """The passphrase from $VOTECRYPT_PASSPHRASE, or asked for without echo."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    entered: Any = click.prompt(
        "Passphrase of your secret file", hide_input=True, confirmation_prompt=confirm
    )
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
