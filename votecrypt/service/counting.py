"""Counting: the encrypted tally, the trustees' decryption shares, and the results
(spec 12, 13).

    tally = compute_tally(board, context)                 # after close
    verified = tally_to_decrypt(directory, group)         # each trustee, own machine:
    trustee_decrypt(directory, secret, passphrase, group, verified, announced=board_hash)
    outcome = publish_results(directory, board, context)   # any t valid shares
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from votecrypt.errors import EncodingError, FileError, RefusedData, TallyError
from votecrypt.math.group import Group
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.decryption import (
    DecryptionShare,
    ShareSelection,
    combine_shares,
    decode_counts,
    select_shares,
)
from votecrypt.protocol.decryption_trustee import decrypt_share
from votecrypt.protocol.results import ElectionResults
from votecrypt.protocol.tally import EncryptedTally
from votecrypt.record.election_codec import results_plain
from votecrypt.record.json_codec import Fields
from votecrypt.record.tally_codec import (
    share_from_json,
    share_from_plain,
    share_plain,
    share_to_json,
    tally_from_plain,
    tally_plain,
)
from votecrypt.service.announced import looks_mistyped
from votecrypt.service.election_dir import ElectionDir
from votecrypt.service.trustee_state import (
    ForgedState,
    VerificationState,
    state_path,
    write_state,
)
from votecrypt.service.voting import refuse_unless_verified
from votecrypt.storage.board import BoardLog, BulletinBoard
from votecrypt.storage.files import read_file, write_atomic
from votecrypt.storage.secret_file import load_trustee, save_trustee
from votecrypt.verifier.engines import Engine, LocalEngine
from votecrypt.verifier.state import Checkpoint
from votecrypt.verifier.verify import check_log


def compute_tally(
    board: BulletinBoard, context: ElectionContext, engine: Engine | None = None
) -> EncryptedTally:
    """Add up every cast ballot and publish the encrypted tally (spec 12.1). The sum runs on
    `engine` (default: every local core), in chunks of ballots whose partial sums merge."""
    engine = engine or LocalEngine()
    engine.start(context)
    try:
        accumulator = engine.tally(_ballot_chunks(board))
    finally:
        engine.close()
    tally = accumulator.result(context.hash)
    board.append("tally", tally_plain(tally))
    return tally


def _ballot_chunks(board: BulletinBoard, size: int = 256) -> Iterator[list[tuple[int, str, Any]]]:
    chunk: list[tuple[int, str, Any]] = []
    for entry in board.entries_of("ballot"):
        chunk.append((entry.seq, entry.kind, entry.payload))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def published_tally(board: BulletinBoard, context: ElectionContext) -> EncryptedTally:
    entry = next(board.entries_of("tally"), None)
    if entry is None:
        raise TallyError("the tally has not been computed yet (votecrypt tally)")
    return tally_from_plain(entry.payload, context.group)


#: How many hex digits of the board hash a trustee types (64 bits).
ANNOUNCED_DIGITS = 16


@dataclass(frozen=True)
class TallyToDecrypt:
    """A tally a trustee may decrypt: the board verified up to it and the tally recomputed
    (spec 12.2). `head` is the tally entry's (seq, hash), which commits to everything before
    it; the trustee compares the title, D and head with what is announced in the room."""

    context: ElectionContext
    tally: EncryptedTally
    head: tuple[int, bytes]
    #: the trustee's verification state whose entries were not checked again (spec 12.2):
    #: `trustee_decrypt` authenticates it before it decrypts
    state: VerificationState | None = None

    @property
    def title(self) -> str:
        return self.context.manifest.title

    @property
    def ballots(self) -> int:
        return self.tally.ballots

    @property
    def board_hash(self) -> str:
        """The hash of the tally entry in hex: announced in the room by whoever ran
        `votecrypt tally`, typed by every trustee before decrypting."""
        return self.head[1].hex()

    def check_announced(self, announced: str) -> None:
        """Nothing when `announced` (at least 16 hex digits, as announced in the room)
        begins the board hash of this tally; EncodingError when one or two characters are
        off (a slip), RefusedData otherwise. An operator that shows different trustees
        different boards (each verifying, one with a ballot less) is caught here: the
        difference of two decrypted tallies would reveal a vote (spec 12.2)."""
        typed = announced_board_hash(announced)
        if self.board_hash.startswith(typed):
            return
        # Neither message shows this board's hash: it is the value the trustee compares.
        if looks_mistyped(typed, self.board_hash, prefix=True):
            raise EncodingError(
                f"the board hash typed ({typed[:ANNOUNCED_DIGITS]}...) looks mistyped: one or "
                "two characters differ from this board's; check it against the one announced "
                "and type it again"
            )
        raise RefusedData(
            f"the board hash typed ({typed[:ANNOUNCED_DIGITS]}...) is not this board's: if it "
            "is exactly the one announced, this is not the board the others decrypt; not "
            "decrypting"
        )


def announced_board_hash(announced: str) -> str:
    """The board hash as a trustee typed it (spaces ignored, any case); EncodingError unless
    it is at least 16 and at most 64 hex digits, so that a mistyped value is refused before
    the board is verified, as bad input rather than as another board."""
    typed = "".join(announced.split()).lower()
    if not ANNOUNCED_DIGITS <= len(typed) <= 64 or any(c not in "0123456789abcdef" for c in typed):
        raise EncodingError(
            f"--board-hash: give at least {ANNOUNCED_DIGITS} hex digits (0-9, a-f) of the "
            "board hash announced in the room"
        )
    return typed


def tally_to_decrypt(
    directory: ElectionDir,
    group: Group,
    engine: Engine | None = None,
    state: VerificationState | None = None,
) -> TallyToDecrypt:
    """Verify the board from its first entry to its tally, as `votecrypt verify` would (chain,
    order, single items, the ceremony outcome re-derived, the endorsed credential list, every
    cast ballot's signature and proofs, close), recompute the tally and refuse unless the
    published one equals it (spec 12.2). Only then may a trustee decrypt it.

    With the trustee's verification `state`, the signatures and proofs of the entries it
    covers are not checked again, and the board must hold its noted entry with its hash;
    `trustee_decrypt` authenticates the state before it decrypts."""
    board = BulletinBoard(directory.board, group, read_only=True)
    with board:
        if board.count("tally") == 0:
            raise TallyError("the tally has not been computed yet (votecrypt tally)")
        verified = check_log(
            BoardLog(board),
            group=group,
            engine=engine,
            until="tally",
            verified_before=None if state is None else state.checkpoint(),
        )
    refuse_unless_verified(verified.report, "tally", "not decrypting")
    context, tally, head = verified.context, verified.tally, verified.tally_entry
    if context is None or tally is None or head is None:  # cannot happen once tally passed
        raise RefusedData("the board's tally was not established")
    # Check 16 passed: the published tally is byte for byte the sum the verifier recomputed,
    # so it names this context, has the manifest's rows and lanes, and its D counts cast
    # ballots of distinct issued credentials (check 12): at most the manifest's N.
    return TallyToDecrypt(context, tally, head, state)


def trustee_decrypt(
    directory: ElectionDir,
    secret_path: Path,
    passphrase: str,
    group: Group,
    verified: TallyToDecrypt | None = None,
    *,
    announced: str,
) -> Path:
    """Trustee's partial decryption of the verified tally, written to decryption/.

    `announced` is the board hash at the tally as announced in the room (at least 16 hex
    digits): every trustee decrypts the same tally. A trustee decrypts at most one tally per
    election: the tally entry's hash is recorded in its secret file before the share is
    written, and any other tally is refused (spec 12.2). Running it again for the same tally
    finishes the job or leaves the existing share.

    If `verified` was checked with a verification state, ForgedState, before anything is
    written, unless that state authenticates with this secret file. The state is then noted
    at the tally entry, beside the secret file."""
    verified = verified or tally_to_decrypt(directory, group)
    verified.check_announced(announced)
    state = verified.state
    context, tally = verified.context, verified.tally
    tally_hash = verified.head[1]
    trustee = load_trustee(Path(secret_path), passphrase, group)
    if state is not None and not state.authentic(trustee):
        raise ForgedState(
            f"the verification state {state_path(Path(secret_path))} does not authenticate "
            "with this secret file"
        )
    if trustee.parameters != context.manifest.ceremony_parameters():
        raise TallyError("this secret file belongs to another election")
    key_share = trustee.key_share()
    if key_share.verification_key != context.ceremony.verification_key(trustee.index):
        raise RefusedData(
            f"the key share of trustee {trustee.index} in this secret file does not match the "
            "ceremony outcome on the board"
        )
    if trustee.decrypted_tally not in (None, tally_hash):
        raise RefusedData(
            f"trustee {trustee.index} already decrypted another tally of this election "
            f"(board entry {trustee.decrypted_tally.hex()[:16]}...); refusing a second one"
        )
    path = directory.share_path(trustee.index)
    if trustee.decrypted_tally is None:
        trustee.decrypted_tally = tally_hash
        save_trustee(Path(secret_path), trustee, passphrase)
    if state is None or state.checkpoint() != Checkpoint(*verified.head):
        write_state(state_path(Path(secret_path)), trustee, verified.head)
    if path.exists():
        existing = _existing_share(path, group)
        if (
            existing is not None
            and existing.trustee == trustee.index
            and (
                select_shares(
                    group, tally, [existing], dict(context.ceremony.verification_keys), 1
                ).valid
            )
        ):
            return path  # this tally was already decrypted: the share stands
        raise FileError(f"{path} holds something else than this trustee's share; move it away")
    share = decrypt_share(group, key_share, tally)
    write_atomic(path, share_to_json(share), overwrite=False)
    return path


def _existing_share(path: Path, group: Group) -> DecryptionShare | None:
    try:
        return share_from_json(read_file(path, what="decryption share"), group)
    except EncodingError:
        return None


def load_shares(directory: ElectionDir, group: Group) -> tuple[list[DecryptionShare], list[str]]:
    """Every decryption share file; unreadable files are reported, not fatal."""
    shares, problems = [], []
    if directory.decryption.is_dir():
        for path in sorted(directory.decryption.glob("share-*.json")):
            try:
                shares.append(share_from_json(read_file(path, what="decryption share"), group))
            except EncodingError as exc:
                problems.append(f"{path.name}: {exc}")
    return shares, problems


@dataclass(frozen=True)
class Announcement:
    """The counted results and how they were decrypted."""

    results: ElectionResults
    selection: ShareSelection
    unreadable: tuple[str, ...]


def publish_results(
    directory: ElectionDir, board: BulletinBoard, context: ElectionContext
) -> Announcement:
    """Check every share, combine t valid ones, decode, apply the rules, and publish the
    shares used and the results (spec 12.3, 12.4, 13)."""
    tally = published_tally(board, context)
    shares, unreadable = load_shares(directory, context.group)
    ceremony = context.ceremony
    selection = select_shares(
        context.group, tally, shares, dict(ceremony.verification_keys), ceremony.threshold
    )
    by_trustee = {share.trustee: share for share in shares if share.trustee in selection.valid}
    results = decrypt_results(context, tally, by_trustee, selection.used, board.issued())
    # The shares and the results are one transaction: all published, or none (spec 11.4).
    with board.transaction():
        for trustee in selection.valid:
            board.append("decryption-share", share_plain(by_trustee[trustee]))
        board.append("results", results_plain(context.hash, results, selection.used))
    return Announcement(results, selection, tuple(unreadable))


def published_announcement(board: BulletinBoard, context: ElectionContext) -> Announcement:
    """The results already published on the board, recomputed from its own tally and shares
    (a second `votecrypt result` shows them instead of failing)."""
    tally = published_tally(board, context)
    entry = next(board.entries_of("results"), None)
    if entry is None:
        raise TallyError("the results have not been published yet (votecrypt result)")
    try:
        shares = {
            share.trustee: share
            for share in (
                share_from_plain(item.payload, context.group)
                for item in board.entries_of("decryption-share")
            )
        }
        used = Fields(entry.payload, "results").raw("decrypted_by")
        if not isinstance(used, list) or not all(type(i) is int and i in shares for i in used):
            raise EncodingError("results.decrypted_by: not the trustees of the published shares")
    except EncodingError as error:
        raise TallyError(f"the published results cannot be read: {error}") from None
    results = decrypt_results(context, tally, shares, tuple(used), board.issued())
    selection = ShareSelection(tuple(used), tuple(sorted(shares)), ())
    return Announcement(results, selection, ())


def decrypt_results(
    context: ElectionContext,
    tally: EncryptedTally,
    shares: dict[int, DecryptionShare],
    used: tuple[int, ...],
    issued: int,
) -> ElectionResults:
    """Combine the shares of `used`, decode the counts and compute the results with the
    final number of ballots issued (spec 9.6)."""
    group = context.group
    plaintexts = combine_shares(group, tally, shares, used)
    counts = decode_counts(group, tally, plaintexts, context.packing)
    return context.results(counts, tally.ballots, issued=issued)
