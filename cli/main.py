"""The `votecrypt` command: entry point and error handling."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from . import exit_codes
from .ballot import ballot
from .board import board
from .ceremony import ceremony
from .counting import result, tally
from .credentials import credentials
from .demo import demo
from .election import election
from .errors import exit_code_for, message_for
from .receipt import receipt
from .selftest import selftest
from .serve import serve_command
from .station import station_command
from .trustee import trustee
from .verify import verify
from .witness import witness

EPILOG = "Exit codes:\n\n" + "\n\n".join(
    f"  {code}  {text}" for code, text in sorted(exit_codes.DESCRIPTIONS.items())
)


class VotecryptGroup(click.Group):
    """Turns every expected error into one line on stderr and its documented exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            _usage_error(error)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.UsageError as error:
            _usage_error(error)
        except click.ClickException:
            raise
        except (KeyboardInterrupt, click.Abort):
            # Ctrl-C, also at a prompt (where click raises Abort).
            click.echo("interrupted: nothing half-written was kept", err=True)
            sys.exit(exit_codes.INTERRUPTED)
        except Exception as error:
            code = exit_code_for(error)
            if code == exit_codes.INTERNAL:
                click.echo(f"internal error ({type(error).__name__}): {error}", err=True)
                click.echo("please report this with the command you ran", err=True)
            else:
                click.echo(f"error: {message_for(error)}", err=True)
            sys.exit(code)


def _usage_error(error: click.UsageError) -> NoReturn:
    """One line: what is wrong and where the help is; exit code 2."""
    command = error.ctx.command_path if error.ctx is not None else "votecrypt"
    click.echo(f"error: {error.format_message()} (see `{command} --help`)", err=True)
    sys.exit(exit_codes.USAGE)


@click.group(cls=VotecryptGroup, epilog=EPILOG)
@click.version_option(package_name="votecrypt")
def main() -> None:
    """votecrypt: verifiable secret-ballot confidence votes (lấy phiếu tín nhiệm).

    A typical election: the administrator creates it (election create); each member of the
    counting board takes part in the key ceremony (trustee init, ceremony ...); credentials
    are issued (credentials issue); the board opens (board open); members vote (ballot cast);
    the board closes (board close); the tally is computed (tally); at least t trustees
    decrypt (trustee decrypt); the result is announced (result); anyone verifies the record
    (verify). `votecrypt demo` runs all of it at once.
    """


for command in (
    demo,
    election,
    trustee,
    ceremony,
    credentials,
    board,
    ballot,
    tally,
    result,
    verify,
    receipt,
    witness,
    selftest,
    serve_command,
    station_command,
):
    main.add_command(command)
