"""Counting: the encrypted tally, the trustees' decryption shares, and the results
(spec 12, 13).

    tally = compute_tally(board, context)                 # after close
    trustee_decrypt(directory, secret, passphrase, group)  # each trustee, own machine
    outcome = publish_results(directory, board, context)   # any t valid shares
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from votecrypt.errors import EncodingError, TallyError
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
from votecrypt.service.election_dir import ElectionDir, load_manifest
from votecrypt.service.voting import load_board
from votecrypt.storage.board import BulletinBoard
from votecrypt.storage.files import read_file, write_atomic
from votecrypt.storage.secret_file import load_trustee
from votecrypt.verifier.engines import Engine, LocalEngine


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


def trustee_decrypt(
    directory: ElectionDir, secret_path: Path, passphrase: str, group: Group
) -> Path:
    """Trustee's partial decryption of the published tally, written to decryption/."""
    board, context = load_board(directory, group, read_only=True)
    with board:
        tally = published_tally(board, context)
    trustee = load_trustee(Path(secret_path), passphrase, group)
    if trustee.parameters != load_manifest(directory).ceremony_parameters():
        raise TallyError("this secret file belongs to another election")
    share = decrypt_share(group, trustee.key_share(), tally)
    path = directory.share_path(trustee.index)
    write_atomic(path, share_to_json(share))
    return path


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
    results = decrypt_results(context, tally, by_trustee, selection.used)
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
    results = decrypt_results(context, tally, shares, tuple(used))
    selection = ShareSelection(tuple(used), tuple(sorted(shares)), ())
    return Announcement(results, selection, ())


def decrypt_results(
    context: ElectionContext,
    tally: EncryptedTally,
    shares: dict[int, DecryptionShare],
    used: tuple[int, ...],
) -> ElectionResults:
    """Combine the shares of `used`, decode the counts and compute the results."""
    group = context.group
    plaintexts = combine_shares(group, tally, shares, used)
    counts = decode_counts(group, tally, plaintexts, context.packing)
    return context.results(counts, tally.ballots)
