"""The `votecrypt` command: entry point and error handling."""

from __future__ import annotations

import click

from votecrypt_cli import exit_codes
from votecrypt_cli.selftest import selftest

EPILOG = "Exit codes:\n\n" + "\n\n".join(
    f"  {code}  {text}" for code, text in sorted(exit_codes.DESCRIPTIONS.items())
)


@click.group(epilog=EPILOG)
@click.version_option(package_name="votecrypt")
def main() -> None:
    """votecrypt: verifiable secret-ballot confidence votes."""


main.add_command(selftest)
