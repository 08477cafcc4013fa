"""`votecrypt ceremony ...`: the key ceremony of the counting board, one step at a time."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.errors import CeremonyError
from votecrypt.protocol.ceremony.messages import ROUNDS, Answer, Check
from votecrypt.protocol.ceremony.transcript import CeremonyNotReady, announcement_problems
from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, ceremony_waiting
from votecrypt.service.election_dir import load_manifest, load_outcome, load_transcript

from .common import (
    election_argument,
    election_dir,
    fingerprint,
    group,
    passphrase,
    say,
    secret_option,
)

NEXT = {
    "commit": "when every trustee has committed, run `votecrypt ceremony open`",
    "open": "when every trustee has opened, run `votecrypt ceremony check`",
    "check": "when every trustee has checked, run `votecrypt ceremony answer`",
    "answer": "when every trustee has answered, run `votecrypt ceremony finalize`",
}

PROCEED = "--proceed-without-missing"
CLOSE = "--close"

proceed_option = click.option(
    PROCEED,
    "proceed_without_missing",
    is_flag=True,
    help="The board's decision to go on without the trustees this step waits for. "
    "Whoever has not done the previous step by then is left out for good (spec 8.8).",
)


@click.group()
def ceremony() -> None:
    """The key ceremony: the counting board creates the election key together, so that only
    enough members together can ever decrypt. Every member runs each step on their own
    computer, with their own secret file, and copies the new files in ELECTION_DIR to the
    others (shared folder or USB key). `ceremony status` says who is waiting for whom."""


def _without(error: CeremonyNotReady, option: str) -> CeremonyNotReady:
    """The same refusal, naming the option that moves on without the missing trustees."""
    return CeremonyNotReady(
        error.waiting, f"if the board decides to go on without them, run again with {option}"
    )


def _step(step: str, election: Path, secret: Path, proceed: bool = False) -> None:
    directory = election_dir(election)
    try:
        report = ceremony_step(
            directory, secret, passphrase(), group(), step, proceed_without_missing=proceed
        )
    except CeremonyNotReady as error:
        raise _without(error, PROCEED) from None
    if report.published is not None:
        say(
            ("Already done; published again: " if report.repeated else "Published: ")
            + str(report.published)
        )
    else:
        say("Nothing to publish: nobody complained about your shares (run again if one does).")
    message = report.message.message if report.message is not None else None
    if isinstance(message, Check):
        names = load_manifest(directory).trustees
        for dealer in message.accepted:
            say(f"Trustee {dealer} ({names[dealer - 1]}): share accepted.")
        for complaint in message.complaints:
            dealer = complaint.dealer
            say(
                f"Trustee {dealer} ({names[dealer - 1]}): complaint ({complaint.reason}); it "
                "must publish your share openly in `ceremony answer`."
            )
    elif isinstance(message, Answer):
        revealed = ", ".join(str(r.recipient) for r in message.revealed)
        say(f"Shares published openly for trustees {revealed}.")
    say(f"Next: {NEXT[step]}.")


@ceremony.command("commit")
@election_argument
@secret_option
def commit(election: Path, secret: Path) -> None:
    """Choose your secret part of the key and publish a sealed fingerprint of it. Nobody can
    change their part after seeing the others'."""
    _step("commit", election, secret)


@ceremony.command("open")
@election_argument
@secret_option
@proceed_option
def open_(election: Path, secret: Path, proceed_without_missing: bool) -> None:
    """Publish your public commitments with proofs, and an encrypted share for every other
    trustee. Refused until every trustee has committed: anyone who has not committed when
    t trustees have opened is left out for good."""
    _step("open", election, secret, proceed_without_missing)


@ceremony.command("check")
@election_argument
@secret_option
@proceed_option
def check(election: Path, secret: Path, proceed_without_missing: bool) -> None:
    """Check the share every other trustee sent you; publish your acceptance or a complaint,
    and say which."""
    _step("check", election, secret, proceed_without_missing)


@ceremony.command("answer")
@election_argument
@secret_option
@proceed_option
def answer(election: Path, secret: Path, proceed_without_missing: bool) -> None:
    """When every trustee has checked: if someone complained about the share you sent them
    (or did not check it), publish that share openly so everyone can check it. Otherwise
    this does nothing, and you can run it again."""
    _step("answer", election, secret, proceed_without_missing)


@ceremony.command("finalize")
@election_argument
@secret_option
@click.option(
    CLOSE,
    is_flag=True,
    help="The board declares the ceremony over: whoever has not done their part is left out, "
    "and a missing check counts as a complaint (spec 8.8).",
)
def finalize(election: Path, secret: Path, close: bool) -> None:
    """Compute the election key from the published messages, store your share of it in your
    secret file, and publish the outcome (or check it against the one already published)."""
    try:
        outcome = ceremony_finalize(
            election_dir(election), secret, passphrase(), group(), close=close
        )
    except CeremonyNotReady as error:
        raise _without(error, CLOSE) from None
    say(f"Election key: {outcome.joint_key.hex()}")
    say(f"Qualified trustees: {', '.join(map(str, outcome.qualified))}")
    for index, reason in outcome.disqualified:
        say(f"Left out: trustee {index}: {reason}")
    holders = [j for j, _ in outcome.verification_keys]
    say(
        f"Any {outcome.threshold} of trustees {', '.join(map(str, holders))} "
        "can decrypt the result."
    )


@ceremony.command("status")
@election_argument
def status(election: Path) -> None:
    """Show which steps each trustee has published and what the ceremony is waiting for."""
    directory = election_dir(election)
    manifest = load_manifest(directory)
    transcript = load_transcript(directory, group(), manifest)
    rounds = dict(transcript.rounds())
    say(f"{'#':>3}  {'trustee':<28} " + " ".join(f"{r:<8}" for r in ROUNDS) + "  fingerprint")
    for index, name in enumerate(manifest.trustees, start=1):
        marks = " ".join(f"{'yes' if index in rounds[r] else '-':<8}" for r in ROUNDS)
        announced = transcript.announcements.get(index)
        print_key = fingerprint(announced.message.signing_key.to_bytes()) if announced else ""
        say(f"{index:>3}  {name[:28]:<28} {marks}  {print_key}")
    if directory.outcome.exists():
        outcome = load_outcome(directory, group())
        say(
            "The ceremony is finalized (ceremony/outcome.json): every trustee can run "
            "`votecrypt ceremony finalize` to take its key share."
        )
        for index, reason in outcome.disqualified:
            say(f"Left out: trustee {index}: {reason}")
        return
    try:
        _, refused = announcement_problems(transcript)
        waiting = ceremony_waiting(directory, group())
    except CeremonyError as error:
        say(f"Problem: {error}")
        return
    for index, reason in sorted(refused.items()):
        say(f"Left out: trustee {index}: {reason}")
    if waiting:
        say("Waiting for: " + "; ".join(waiting))
        say(
            f"If the board decides to go on without them: the next step with {PROCEED}, "
            f"or `ceremony finalize {CLOSE}` to end the ceremony."
        )
    else:
        say("Everything is in: every trustee can run `votecrypt ceremony finalize`.")
