"""`votecrypt ballot ...`: the voting booth, ballot submission from front-ends, tracking."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from votecrypt.errors import BallotError, VotecryptError
from votecrypt.protocol.manifest import BLANK, Manifest
from votecrypt.record.json_codec import parse_json
from votecrypt.record.reader import LOG_NAME, RecordSource
from votecrypt.service.tracking import (
    normalise_tracking_code,
    record_manifest,
    track_in_record,
    track_on_board,
)
from votecrypt.service.voting import challenge, load_board, prepare
from votecrypt.storage.files import read_file

from .common import cafile_option, election_argument, election_dir, group, say
from .terminal_booth import (
    BLANK_LABEL,
    DONE_PROMPT,
    IDLE_SECONDS,
    TerminalBooth,
    clear_screen,
)


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
    code = sys.stdin.readline().strip()
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
@click.option(
    "--idle-seconds",
    type=click.FloatRange(min=1),
    default=IDLE_SECONDS,
    show_default=True,
    help="With --kiosk: after this long without an answer, ask whether the voter is still "
    "there; half as long again, and forget the voter. (The code prompt waits forever.)",
)
def cast_command(
    election: Path,
    credential_stdin: bool,
    choices: str | None,
    yes: bool,
    kiosk: bool,
    idle_seconds: float,
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
        if kiosk:
            TerminalBooth(ballot_box, context, idle_seconds).kiosk(sys.stdin)
            return
        booth = TerminalBooth(ballot_box, context)
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
@click.argument("where", type=click.Path(path_type=Path), metavar="ELECTION_DIR|RECORD")
@click.argument("code")
def track(where: Path, code: str) -> None:
    """Find a ballot by its tracking code: on the board (ELECTION_DIR) or in a published
    election record (its directory, or a .zip/.tar archive of it). Case, spaces and dashes
    do not matter. For a challenged ballot, shows the choices it opened."""
    wanted = normalise_tracking_code(code)
    if (where / "board.sqlite").is_file():
        ballot_box, context = load_board(election_dir(where), group(), read_only=True)
        with ballot_box:
            found = track_on_board(ballot_box, context.group, context.manifest, wanted)
        manifest, place = context.manifest, "on the board"
    else:
        record = where / "record" if (where / "record" / LOG_NAME).is_file() else where
        source = RecordSource(record)
        found = track_in_record(source, group(), wanted)
        manifest, place = record_manifest(source), f"in the record {record}"
    if not found:
        raise VotecryptError(
            f"no ballot with tracking code {wanted} {place}; check the code against your note"
        )
    labels = _option_labels(manifest)
    for tracked in found:
        if tracked.kind == "ballot":
            say(f"Found: ballot {tracked.code}, cast, board entry {tracked.seq}.")
            continue
        say(
            f"Found: ballot {tracked.code}, challenged (not counted), board entry "
            f"{tracked.seq}. It encrypted these choices:"
        )
        for candidate, choice in zip(manifest.candidates, tracked.choices or (), strict=False):
            say(f"   {candidate.name:<30} {labels.get(choice, choice)}")


@ballot.command("check-challenge")
@click.argument("board_url", metavar="BOARD-URL")
@click.argument("code")
@cafile_option
def check_challenge_command(board_url: str, code: str, cafile: Path | None) -> None:
    """Check a challenged ballot on this computer, as a voter's second device does: from the
    board (or an observer's mirror) at BOARD-URL, verify the election's setup, find the ballot
    by its tracking CODE and re-encrypt every row with its published nonces. Prints the
    choices it encrypts, to compare with what the voter chose (spec 10.6, 17.7)."""
    import asyncio

    from votecrypt.web.challenge_check import CAST, check_at

    if not board_url.startswith(("http://", "https://")):
        raise click.BadParameter("BOARD-URL starts with https:// (or http://)")
    wanted = normalise_tracking_code(code)
    checked = asyncio.run(check_at(board_url, wanted, group(), cafile=cafile))
    manifest = checked.context.manifest
    say(f"Election fingerprint / Mã nhận dạng cuộc bỏ phiếu: {checked.context.fingerprint}")
    if checked.status == CAST:
        say(f"Ballot {wanted}: cast, board entry {checked.seq}; counted, never opened.")
        return
    say(
        f"Ballot {wanted}: challenged (not counted), board entry {checked.seq}. Checked on this "
        "computer: re-encrypted with its published nonces, it encrypts these choices:"
    )
    labels = _option_labels(manifest)
    for candidate, choice in zip(manifest.candidates, checked.choices, strict=True):
        say(f"   {candidate.name:<30} {labels.get(choice, choice)}")


def _option_labels(manifest: Manifest) -> dict[str, str]:
    labels = {o.key: f"{o.label_vi} / {o.label_en}" for o in manifest.rules.options}
    labels[BLANK] = BLANK_LABEL
    return labels
