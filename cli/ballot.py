"""`votecrypt ballot ...`: the voting booth, ballot submission from front-ends, tracking."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from votecrypt.errors import BallotError
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_from_plain
from votecrypt.record.json_codec import parse_json
from votecrypt.service.voting import challenge, load_board, prepare
from votecrypt.storage.board import BulletinBoard
from votecrypt.storage.files import read_file

from .common import election_argument, election_dir, group, say
from .terminal_booth import DONE_PROMPT, TerminalBooth, clear_screen


@click.group()
def ballot() -> None:
    """Vote: encrypt your choices, check them if you wish, and cast your ballot."""


credential_stdin_option = click.option(
    "--credential-stdin",
    is_flag=True,
    help="Read the credential code from the first line of standard input (for scripts). "
    "Otherwise it is asked for without echo; it is never given on the command line.",
)
choices_option = click.option(
    "--choices",
    default=None,
    help="Non-interactive: one choice per candidate, comma-separated (e.g. high,medium,blank).",
)


def _code(booth: TerminalBooth, from_stdin: bool) -> str:
    """The voter's code, checked before any choice: from standard input (one clear error if
    the board would refuse it) or asked for without echo until it is right."""
    if not from_stdin:
        return booth.ask_code()
    code = click.get_text_stream("stdin").readline().strip()
    booth.check_code(code)
    return code


@ballot.command("cast")
@election_argument
@credential_stdin_option
@choices_option
@click.option("--yes", is_flag=True, help="Cast without asking for confirmation.")
@click.option(
    "--kiosk",
    is_flag=True,
    help="A voting station: voter after voter, the screen cleared after each; Ctrl-C cancels "
    "the current voter and returns to the code prompt. Stops when voting closes.",
)
def cast_command(
    election: Path, credential_stdin: bool, choices: str | None, yes: bool, kiosk: bool
) -> None:
    """The voting booth. Shows the election and its fingerprint, asks for your credential code
    (without echo) and checks it before anything else; then for each office holder a level of
    confidence. Your ballot is encrypted on this computer and you see its tracking code. Then
    either cast it, or challenge it: the board publishes it opened, showing that it encrypts
    exactly your choices; it is not counted, and you choose again. Write down the tracking
    code to find your ballot later."""
    if kiosk and (credential_stdin or choices or yes):
        raise click.UsageError("--kiosk is interactive: no --credential-stdin, --choices or --yes")
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        booth = TerminalBooth(ballot_box, context)
        if kiosk:
            booth.kiosk(click.get_text_stream("stdin"))
            return
        interactive = choices is None
        if interactive:
            clear_screen()
        booth.show_election()
        code = _code(booth, credential_stdin)
        selected = booth.parse_choices(choices) if choices else None
        booth.vote(code, selected, confirm=not yes)
        if interactive and sys.stdin.isatty():
            click.prompt(DONE_PROMPT, default="", show_default=False)
            clear_screen()


@ballot.command("challenge")
@election_argument
@credential_stdin_option
@choices_option
def challenge_command(election: Path, credential_stdin: bool, choices: str | None) -> None:
    """Encrypt your choices and challenge the ballot instead of casting it: the board checks
    publicly that the encryption matches the choices. Nothing is counted; your credential
    stays unused."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        booth = TerminalBooth(ballot_box, context)
        booth.show_election()
        code = _code(booth, credential_stdin)
        selected = booth.parse_choices(choices) if choices else booth.ask_choices()
        receipt = challenge(ballot_box, prepare(context, code, selected))
    say(f"Challenged ballot {receipt.tracking_code} published and checked; it is not counted.")


@ballot.command("submit")
@election_argument
@click.argument("ballot_file", type=click.Path(dir_okay=False, path_type=Path))
def submit(election: Path, ballot_file: Path) -> None:
    """Submit a ballot (or a challenged ballot) prepared by a voting front-end, as JSON.
    The board checks it in full; a rejection says why."""
    ballot_box, _ = load_board(election_dir(election), group())
    with ballot_box:
        plain = parse_json(read_file(ballot_file, what="ballot", max_bytes=1 << 24))
        kind = plain.get("type") if isinstance(plain, dict) else None
        if kind == "votecrypt/challenged-ballot":
            receipt = ballot_box.submit_challenge(plain)
            say(f"Challenged ballot {receipt.tracking_code} published (entry {receipt.seq}).")
        elif kind == "votecrypt/ballot":
            receipt = ballot_box.submit_ballot(plain)
            say(f"Ballot {receipt.tracking_code} cast (entry {receipt.seq}).")
        else:
            raise BallotError("malformed", "not a votecrypt ballot or challenged ballot")


@ballot.command("track")
@election_argument
@click.argument("code")
def track(election: Path, code: str) -> None:
    """Find a ballot on the board by its tracking code."""
    wanted = code.strip().upper()
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        for seq, kind, found in _tracked(ballot_box, context):
            if found == wanted:
                what = "cast" if kind == "ballot" else "challenged (not counted)"
                say(f"Found: ballot {found}, {what}, board entry {seq}.")
                return
    raise click.ClickException(f"no ballot with tracking code {wanted} on the board")


def _tracked(board: BulletinBoard, context: ElectionContext) -> Iterator[tuple[int, str, str]]:
    for entry in board.entries_of("ballot"):
        yield entry.seq, entry.kind, ballot_from_plain(entry.payload, context.group).tracking_code()
    for entry in board.entries_of("challenge"):
        challenged = challenged_from_plain(entry.payload, context.group)
        yield entry.seq, entry.kind, challenged.tracking_code()
