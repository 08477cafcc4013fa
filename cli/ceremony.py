"""`votecrypt ceremony ...`: the key ceremony of the counting board, one step at a time."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.errors import CeremonyError, EncodingError, FileError, RefusedData
from votecrypt.protocol.ceremony.messages import ROUNDS, Answer, Check
from votecrypt.protocol.ceremony.transcript import (
    CeremonyNotReady,
    Transcript,
    announcement_problems,
    board_decisions,
    convicted,
    differing_views,
    evaluate,
)
from votecrypt.service.ceremony_exchange import ceremony_evidence
from votecrypt.service.ceremony_late import (
    copied_in_late,
    endorsement_check,
    endorsers,
    late_report,
)
from votecrypt.service.ceremony_steps import (
    ceremony_decide,
    ceremony_finalize,
    ceremony_step,
    ceremony_waiting,
)
from votecrypt.service.election_dir import (
    ElectionDir,
    load_manifest,
    load_outcome,
    load_transcript,
)

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

DECIDE = "`votecrypt ceremony decide ELECTION_DIR --without <trustee>`"

board_option = click.option(
    "--board",
    "board",
    default=None,
    metavar="URL",
    help="The board server's ceremony channel (`votecrypt serve` before the board opens): "
    "take every message it holds first, and send it yours after (besides the USB stick).",
)


def _channel(directory: ElectionDir, board: str | None) -> None:
    """Send the directory's messages to the channel and take every message it holds, each
    checked before it is written (spec 11.13). Nothing without --board."""
    if board is None:
        return
    from votecrypt.web.ceremony_client import sync  # the web stack only when it is used

    synced = sync(board, directory, group())
    new = [a for a in synced.taken if a.outcome in ("new", "grown", "evidence")]
    say(f"Ceremony channel {board}: {len(synced.sent)} files sent, {len(new)} taken.")
    for admitted in new:
        if admitted.outcome == "evidence":
            say(
                f"Evidence: {admitted.path} (the channel holds another message of this round "
                "and sender than your copy did)."
            )


WITHOUT_HINT = (
    "if the board decides to go on without them, at least {t} trustees each run " + DECIDE
)


@click.group()
def ceremony() -> None:
    """The key ceremony: the counting board creates the election key together, so that only
    enough members together can ever decrypt. Every member runs each step on their own
    computer, with their own secret file, and copies the new files in ELECTION_DIR to the
    others (shared folder or USB key). `ceremony status` says who is waiting for whom."""


def _waiting(error: CeremonyNotReady, threshold: int) -> CeremonyNotReady:
    """The same refusal, naming the board's decision that goes on without the missing."""
    return CeremonyNotReady(error.waiting, WITHOUT_HINT.format(t=threshold))


def _step(step: str, election: Path, secret: Path, board: str | None = None) -> None:
    directory = election_dir(election)
    _channel(directory, board)
    try:
        report = ceremony_step(directory, secret, passphrase(secret=secret), group(), step)
    except CeremonyNotReady as error:
        raise _waiting(error, load_manifest(directory).threshold) from None
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
    _channel(directory, board)
    say(f"Next: {NEXT[step]}.")


@ceremony.command("commit")
@election_argument
@secret_option
@board_option
def commit(election: Path, secret: Path, board: str | None) -> None:
    """Choose your secret part of the key and publish a sealed fingerprint of it. Nobody can
    change their part after seeing the others'."""
    _step("commit", election, secret, board)


@ceremony.command("open")
@election_argument
@secret_option
@board_option
def open_(election: Path, secret: Path, board: str | None) -> None:
    """Publish your public commitments with proofs, and an encrypted share for every other
    trustee. Refused until every trustee has committed: anyone who has not committed when
    t trustees have opened is left out for good."""
    _step("open", election, secret, board)


@ceremony.command("check")
@election_argument
@secret_option
@board_option
def check(election: Path, secret: Path, board: str | None) -> None:
    """Check the share every other trustee sent you; publish your acceptance or a complaint,
    and say which."""
    _step("check", election, secret, board)


@ceremony.command("answer")
@election_argument
@secret_option
@board_option
def answer(election: Path, secret: Path, board: str | None) -> None:
    """When every trustee has checked: if someone complained about the share you sent them
    (or did not check it), publish that share openly so everyone can check it. Otherwise
    this does nothing, and you can run it again."""
    _step("answer", election, secret, board)


@ceremony.command("decide")
@election_argument
@secret_option
@click.option(
    "--without",
    "without",
    type=click.IntRange(1),
    multiple=True,
    required=True,
    help="A trustee (its number) the board goes on without; repeat for several.",
)
@board_option
def decide(election: Path, secret: Path, without: tuple[int, ...], board: str | None) -> None:
    """Sign your vote that the board go on without the trustees named (absent, or not doing
    their part). When at least t trustees have voted so for a trustee, every step stops
    waiting for it and every message of it is ignored, including one that comes later
    (spec 8.8). Your vote only grows: a new one keeps the trustees you named before."""
    directory = election_dir(election)
    _channel(directory, board)
    report = ceremony_decide(directory, secret, passphrase(secret=secret), group(), list(without))
    _channel(directory, board)
    decided = report.message.message.without if report.message is not None else ()
    named = ", ".join(map(str, decided))
    say(
        ("Already decided; published again: " if report.repeated else "Published: ")
        + f"{report.published} (go on without trustees {named})"
    )
    say("Next: `votecrypt ceremony status` shows when the board's decision is taken.")


@ceremony.command("sync")
@election_argument
@click.option("--board", "board", required=True, metavar="URL", help="The ceremony channel.")
def sync_command(election: Path, board: str) -> None:
    """Send your directory's ceremony messages (your announcement after `trustee init`, files
    from the USB stick) to the board server's ceremony channel, and take every message it
    holds, each checked first. A message of the channel that conflicts with your copy becomes
    evidence against its sender (spec 8.8.1)."""
    _channel(election_dir(election), board)


@ceremony.command("evidence")
@election_argument
@click.argument("message_file", type=click.Path(path_type=Path, dir_okay=False))
def evidence(election: Path, message_file: Path) -> None:
    """Compare MESSAGE_FILE, a ceremony message you were shown elsewhere (another trustee's
    copy, a USB stick), with the one in your directory. If the trustee who signed both signed
    two different messages of one round, write ceremony/evidence-<j>.json: it convicts that
    trustee, who is left out and whose complaints count for nothing (spec 8.8.1). Copy the
    evidence file to every other trustee; the board checks it too."""
    directory = election_dir(election)
    found, published = ceremony_evidence(directory, group(), message_file)
    where = published if published is not None else directory.evidence_path(found.sender)
    say(
        ("Published: " if published is not None else "Evidence was already there: ")
        + f"{where} (trustee {found.sender} signed two different {found.round} messages)"
    )
    say(
        "Next: copy it to every other trustee; `votecrypt ceremony status` shows the trustee "
        "left out."
    )


@ceremony.command("finalize")
@election_argument
@secret_option
@board_option
@click.option(
    "--replace-share",
    is_flag=True,
    help="You finalized already and the messages now give another outcome (new files "
    "arrived before the board signed): replace your key share with the new one.",
)
def finalize(election: Path, secret: Path, board: str | None, replace_share: bool) -> None:
    """Compute the election key from the published messages, store your share of it in your
    secret file, and write the outcome file if there is none. Waits while anyone the board
    has not gone on without still has a step to do; the outcome file binds nobody, each
    trustee computes the outcome itself (run again with --replace-share after new messages
    change it)."""
    directory = election_dir(election)
    _channel(directory, board)
    try:
        outcome = ceremony_finalize(
            directory,
            secret,
            passphrase(secret=secret),
            group(),
            replace_share=replace_share,
        )
    except CeremonyNotReady as error:
        raise _waiting(error, load_manifest(directory).threshold) from None
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
@board_option
def status(election: Path, board: str | None) -> None:
    """Show which steps each trustee has published and what the ceremony is waiting for."""
    directory = election_dir(election)
    _channel(directory, board)
    manifest = load_manifest(directory)
    transcript = load_transcript(directory, group(), manifest)
    rounds = dict(transcript.rounds())
    say(f"{'#':>3}  {'trustee':<28} " + " ".join(f"{r:<8}" for r in ROUNDS) + "  fingerprint")
    for index, name in enumerate(manifest.trustees, start=1):
        marks = " ".join(f"{'yes' if index in rounds[r] else '-':<8}" for r in ROUNDS)
        announced = transcript.announcements.get(index)
        print_key = fingerprint(announced.message.signing_key.to_bytes()) if announced else ""
        say(f"{index:>3}  {name[:28]:<28} {marks}  {print_key}")
    try:
        _, refused = announcement_problems(transcript)
        decided = board_decisions(transcript)
        liars = convicted(transcript)
        waiting = ceremony_waiting(directory, group())
    except CeremonyError as error:
        say(f"Problem: {error}")
        return
    for line in differing_views(transcript):
        say(
            f"Seen differently: {line}. Compare the copies: whoever holds the other version "
            "runs `votecrypt ceremony evidence`."
        )
    for index, round_name in sorted(liars.items()):
        say(
            f"Convicted: trustee {index} signed two different {round_name} messages "
            f"({directory.evidence_path(index)}); its messages are ignored."
        )
    for index, voters in sorted(_votes(transcript).items()):
        if index in decided:
            say(
                f"The board went on without trustee {index} (decided by trustees "
                f"{', '.join(map(str, voters))}); its messages are ignored, whenever they come."
            )
        else:
            say(
                f"Trustees {', '.join(map(str, voters))} voted to go on without trustee "
                f"{index} ({manifest.threshold} votes are needed)."
            )
    for index, reason in sorted(refused.items()):
        if index not in decided:
            say(f"Left out: trustee {index}: {reason}")
    hint = WITHOUT_HINT.format(t=manifest.threshold)
    if waiting:
        say("Waiting for: " + "; ".join(waiting))
        say("If the board decides to go on without them: " + hint + ".")
    elif not directory.outcome.exists():
        say("Everything is in: every trustee can run `votecrypt ceremony finalize`.")
    elif load_outcome(directory, group()) == evaluate(group(), transcript):
        say(
            "The ceremony is finalized: ceremony/outcome.json is the outcome these messages "
            "give; every trustee runs `votecrypt ceremony finalize` to take its key share."
        )
    elif endorsers(directory, group(), transcript, load_outcome(directory, group())):
        say(copied_in_late(directory, manifest.threshold) + ".")
    else:
        say(
            "ceremony/outcome.json is not the outcome these messages give: it binds nobody. "
            "Compare the messages with the other trustees; each finalizes from its own."
        )
    _late(directory, transcript)


def _late(directory: ElectionDir, transcript: Transcript) -> None:
    """The closed ceremony and its late files (spec 8.8.2)."""
    endorsed, skipped = endorsement_check(directory, group(), transcript)
    for problem in skipped:
        say(f"Not counted: {problem}.")
    if endorsed:
        say(
            f"The outcome is endorsed by trustees {', '.join(map(str, endorsed))}: files that "
            f"arrive now go into {directory.late} and change nothing."
        )
    try:
        late = late_report(directory, group())
    except (CeremonyError, EncodingError, FileError, RefusedData) as error:
        say(f"Problem: {error}")
        return
    for name, what in late:
        say(f"Late: {what} ({directory.late / name}); the endorsed outcome does not change.")


def _votes(transcript: Transcript) -> dict[int, list[int]]:
    """Who voted to go on without whom (spec 8.8), votes not yet counted included."""
    votes: dict[int, list[int]] = {}
    for sender, signed in sorted(transcript.decisions.items()):
        for index in signed.message.without:
            votes.setdefault(index, []).append(sender)
    return votes
