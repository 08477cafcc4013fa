"""`votecrypt ballot ...`: the voting booth, ballot submission from front-ends, tracking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from votecrypt.errors import BallotError
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.manifest import BLANK
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_from_plain
from votecrypt.record.json_codec import parse_json
from votecrypt.service.voting import cast, challenge, load_board, prepare
from votecrypt.storage.board import BulletinBoard
from votecrypt.storage.files import read_file

from .common import election_argument, election_dir, group, say

BLANK_LABEL = "Không đánh giá / Blank"


@click.group()
def ballot() -> None:
    """Vote: encrypt your choices, check them if you wish, and cast your ballot."""


def _labels(context: ElectionContext) -> dict[str, str]:
    labels = {o.key: f"{o.label_vi} / {o.label_en}" for o in context.manifest.rules.options}
    labels[BLANK] = BLANK_LABEL
    return labels


def _ask_choices(context: ElectionContext) -> list[str]:
    outcomes = context.manifest.outcomes()
    labels = _labels(context)
    numbered = [key for key in outcomes if key != BLANK]
    choices = []
    total = len(context.manifest.candidates)
    for number, candidate in enumerate(context.manifest.candidates, start=1):
        say()
        say(f"[{number}/{total}] {candidate.name} — {candidate.position}")
        for option_number, key in enumerate(numbered, start=1):
            say(f"   {option_number}. {labels[key]}")
        if BLANK in outcomes:
            say(f"   0. {labels[BLANK]}")
        valid = [str(i) for i in range(1, len(numbered) + 1)] + (["0"] if BLANK in outcomes else [])
        answer = click.prompt("   Your choice", type=click.Choice(valid), show_choices=False)
        choices.append(BLANK if answer == "0" else numbered[int(answer) - 1])
    return choices


def _parse_choices(context: ElectionContext, text: str) -> list[str]:
    choices = [part.strip() for part in text.split(",")]
    outcomes = context.manifest.outcomes()
    if len(choices) != len(context.manifest.candidates) or any(c not in outcomes for c in choices):
        raise click.BadParameter(
            f"give {len(context.manifest.candidates)} comma-separated choices among "
            f"{', '.join(outcomes)}",
            param_hint="--choices",
        )
    return choices


def _summary(context: ElectionContext, choices: list[str]) -> None:
    labels = _labels(context)
    say()
    say("Your ballot / Lá phiếu của bạn:")
    for candidate, choice in zip(context.manifest.candidates, choices, strict=True):
        say(f"   {candidate.name:<30} {labels[choice]}")


credential_option = click.option(
    "--credential", default=None, help="Your credential code (asked for if not given)."
)
choices_option = click.option(
    "--choices",
    default=None,
    help="Non-interactive: one choice per candidate, comma-separated (e.g. high,medium,blank).",
)


@ballot.command("cast")
@election_argument
@credential_option
@choices_option
@click.option("--challenge", "challenge_first", is_flag=True, help="Challenge once before casting.")
@click.option("--yes", is_flag=True, help="Cast without asking for confirmation.")
def cast_command(
    election: Path, credential: str | None, choices: str | None, challenge_first: bool, yes: bool
) -> None:
    """The voting booth. For each office holder choose a level of confidence; your ballot is
    encrypted on this computer and you see its tracking code. Then either cast it, or
    challenge it: the board then shows that it encrypts exactly your choices, the ballot is
    discarded, and you vote again. Write down the tracking code to find your ballot later."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        code = credential or click.prompt("Credential code", hide_input=True)
        selected = _parse_choices(context, choices) if choices else _ask_choices(context)
        while True:
            prepared = prepare(context, code, selected)
            _summary(context, selected)
            say(f"Tracking code / Mã theo dõi: {prepared.tracking_code}")
            if challenge_first:
                action = "x"
                challenge_first = False
            elif yes or choices:
                action = "c"
            else:
                action = click.prompt(
                    "[c] cast  [x] challenge (check, then vote again)  [q] quit",
                    type=click.Choice(["c", "x", "q"]),
                    show_choices=False,
                )
            if action == "q":
                say("Nothing was cast.")
                return
            if action == "x":
                receipt = challenge(ballot_box, prepared)
                say(
                    f"Challenged ballot {receipt.tracking_code} published: it encrypts exactly "
                    "the choices shown (checked). It will not be counted. Encrypting again."
                )
                continue
            receipt = cast(ballot_box, prepared)
            say(f"Ballot cast. Tracking code {receipt.tracking_code}, board entry {receipt.seq}.")
            return


@ballot.command("challenge")
@election_argument
@credential_option
@choices_option
def challenge_command(election: Path, credential: str | None, choices: str | None) -> None:
    """Encrypt your choices and challenge the ballot instead of casting it: the board checks
    publicly that the encryption matches the choices. Nothing is counted; your credential
    stays unused."""
    ballot_box, context = load_board(election_dir(election), group())
    with ballot_box:
        code = credential or click.prompt("Credential code", hide_input=True)
        selected = _parse_choices(context, choices) if choices else _ask_choices(context)
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
