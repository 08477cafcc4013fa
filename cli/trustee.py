"""`votecrypt trustee init | decrypt`: a counting-board member's own steps."""

from __future__ import annotations

import os
from pathlib import Path

import click

from votecrypt.service.ceremony_steps import trustee_init
from votecrypt.service.counting import announced_board_hash, tally_to_decrypt, trustee_decrypt
from votecrypt.service.election_dir import load_manifest, load_transcript
from votecrypt.service.trustee_state import ForgedState, check_and_note, read_state, state_path
from votecrypt.storage.secret_file import load_trustee, save_trustee, secret_file_label

from .common import (
    NEW_PASSPHRASE_ENV,
    election_argument,
    election_dir,
    fingerprint,
    group,
    new_passphrase,
    passphrase,
    say,
    secret_option,
    warn_if_weak,
)


@click.group()
def trustee() -> None:
    """A counting-board member's own steps: join the key ceremony, decrypt the result,
    change the passphrase of the secret file."""


@trustee.command("init")
@election_argument
@click.option("--index", type=int, required=True, help="Your number on the board (1, 2, ...).")
@secret_option
def init(election: Path, index: int, secret: Path) -> None:
    """Create your ceremony keys and your secret file, protected by a passphrase you choose,
    and publish your announcement into ELECTION_DIR.

    Read the fingerprint aloud at the meeting so the others know the keys are yours."""
    directory = election_dir(election)
    report = trustee_init(directory, secret, index, passphrase(confirm=True), group())
    say(f"Secret file written: {secret} (keep it and its passphrase safe)")
    say(f"Published: {report.published}")
    transcript = load_transcript(directory, group(), load_manifest(directory))
    announcement = transcript.announcements[index].message
    say(f"Fingerprint of your keys: {fingerprint(announcement.signing_key.to_bytes())}")
    say("Next: run `votecrypt ceremony commit` (it does not wait for the others).")


@trustee.command("decrypt")
@election_argument
@secret_option
@click.option(
    "--index",
    type=int,
    default=None,
    help="Your number on the board: refuse a secret file of another trustee.",
)
@click.option(
    "--board-hash",
    "announced",
    required=True,
    metavar="HEX",
    help="The board hash at the tally, as announced in the room (printed by `votecrypt "
    "tally`; at least its first 16 hex digits): every trustee decrypts the same tally.",
)
def decrypt(election: Path, secret: Path, index: int | None, announced: str) -> None:
    """Compute your share of the decryption of the closed and tallied vote, with a proof
    that it is correct. It reveals nothing but the final counts, and only together with
    the shares of enough other trustees.

    Before asking for your passphrase it verifies the whole board up to the tally,
    recomputes the tally and compares its board hash with the one announced in the room
    (--board-hash); compare the title and the number of ballots too. A trustee decrypts one
    tally per election. The proofs of the entries you verified before (`votecrypt trustee
    check`, noted beside your secret file) are not checked again."""
    directory = election_dir(election)
    label = secret_file_label(secret)
    if index is not None and not label.startswith(f"trustee {index} "):
        raise click.BadParameter(f"{secret} is the file of {label}", param_hint="--secret")
    announced_board_hash(announced)  # a mistyped hash is refused before the long check
    state = read_state(state_path(secret))
    if state is None:
        say("Verifying the board up to the tally (every ballot's proofs)...")
    else:
        say(
            f"Verifying the board up to the tally (the proofs of entries {state.entries} on; "
            f"you verified the first {state.entries} before, {state_path(secret)})..."
        )
    verified = tally_to_decrypt(directory, group(), state=state)
    say(f"Election: {verified.title}")
    say(f"Ballots counted (D): {verified.ballots}")
    verified.check_announced(announced)  # before showing it: the trustee compares, never copies
    say(f"Board hash at the tally: {verified.board_hash}, as announced")
    say(f"Election fingerprint: {verified.context.fingerprint}")
    say(f"Decrypting as {label}")
    secret_passphrase = passphrase(secret=secret)
    try:
        path = trustee_decrypt(
            directory, secret, secret_passphrase, group(), verified, announced=announced
        )
    except ForgedState as error:
        say(f"Not used: {error}. Verifying the whole board again (every ballot's proofs)...")
        verified = tally_to_decrypt(directory, group())
        path = trustee_decrypt(
            directory, secret, secret_passphrase, group(), verified, announced=announced
        )
    say(f"Decryption share written: {path}")
    say("Next: when enough trustees have decrypted, run `votecrypt result`.")


@trustee.command("check")
@election_argument
@secret_option
def check(election: Path, secret: Path) -> None:
    """Verify the board as it is now, up to its tally at most (every ballot's proofs, as
    before decrypting), and note what you verified beside your secret file, authenticated by
    it: `votecrypt trustee decrypt` then checks only the entries added since. Run it while
    voting is open, as often as you like."""
    directory = election_dir(election)
    state = read_state(state_path(secret))
    if state is None:
        say("Verifying the board (every ballot's proofs)...")
    else:
        say(f"Verifying the board from entry {state.entries} on (noted in {state_path(secret)})...")
    noted = check_and_note(directory.board, group(), secret, lambda: passphrase(secret=secret))
    if noted.rechecked:
        say(f"Not used: {noted.path} did not authenticate with this secret file; the whole "
            "board was verified again (every ballot's proofs).")  # fmt: skip
    head, path = noted.head, noted.path
    say(f"Verified entries 0 to {head[0]} of the board; noted in {path}")


@trustee.command("passphrase")
@secret_option
def change_passphrase(secret: Path) -> None:
    """Change the passphrase of your secret file. Asks for the current one, then the new one
    twice (from $VOTECRYPT_PASSPHRASE and $VOTECRYPT_NEW_PASSPHRASE when they are set). The
    file is replaced in one step: it opens with the old passphrase or the new one, never
    neither."""
    current = passphrase(secret=secret)
    state = load_trustee(secret, current, group())
    new = os.environ.get(NEW_PASSPHRASE_ENV)
    if new:
        warn_if_weak(new)
    else:
        new = new_passphrase("New passphrase")
    save_trustee(secret, state, new)
    say(f"The passphrase of {secret} is changed. Keep the new one as safely as the file.")
