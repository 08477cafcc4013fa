"""Rebuilding a lost board from a witness's replica (spec 11.11).

The replica is verified from scratch, checked against a checkpoint that the board signed and
k of the named witnesses cosigned (it must contain that tree), and replayed into a new board
through the board's own appends, each entry's hash compared with the replica's. The new
board is built in a temporary file and renamed into place (spec 11.4): all of it or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from votecrypt.errors import BoardError, EncodingError, InvalidSignature, RefusedData
from votecrypt.math.group import Group
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_from_plain
from votecrypt.record.checkpoint import Checkpoint, board_note_key, open_checkpoint
from votecrypt.record.cosignature import verify_cosignature, witness_keys
from votecrypt.record.log import Entry, entry_from_line
from votecrypt.record.merkle import MerkleTree, leaf_hash
from votecrypt.record.reader import RecordSource
from votecrypt.service.election_dir import ElectionDir, load_manifest
from votecrypt.storage.board import BulletinBoard, CheckedChallenge
from votecrypt.storage.files import read_file
from votecrypt.verifier.verify import check_log


@dataclass(frozen=True)
class Restored:
    """What was rebuilt: the entries, the cosigned checkpoint they contain and its cosigners."""

    entries: int
    checkpoint: Checkpoint
    cosigners: tuple[str, ...]
    context: ElectionContext


def restore_board(
    directory: ElectionDir, replica: Path, group: Group, checkpoint_file: Path | None = None
) -> Restored:
    """Rebuild `directory`'s board from the witness replica `replica` (its log.jsonl),
    checked against the cosigned checkpoint `checkpoint_file` (default: the replica's
    cosigned.txt). RefusedData when the replica does not verify, is not of the election
    whose manifest `directory` holds, or does not contain the checkpoint's tree."""
    manifest = load_manifest(directory)  # a trustee's copy: the trusted setup
    if manifest.board is None:
        raise RefusedData("the manifest names no board key: there are no witnesses to restore from")
    verified = check_log(RecordSource(replica), group=group)
    # A witness that caught the board signing two histories keeps the evidence in its
    # replica, and check 24 fails on it (spec 16.2): that replica is the one it verified, and
    # the checkpoint it is restored to is checked here, against its own log (step 2).
    failed = [c for c in verified.report.failed() if c.name != "board-checkpoints"]
    if failed:
        names = ", ".join(c.name for c in failed)
        raise RefusedData(f"the replica does not verify (failed: {names}); use another witness's")
    context = verified.context
    if context is None or context.manifest.content() != manifest.content():
        raise RefusedData("the replica is of another election than this manifest")
    lines = (replica / "log.jsonl").read_bytes().splitlines(keepends=True)
    entries = [entry_from_line(line, n) for n, line in enumerate(lines, 1)]
    note_path = checkpoint_file or replica / "cosigned.txt"
    note_data = read_file(note_path, what="cosigned checkpoint", max_bytes=1 << 16)
    try:
        checkpoint, note = open_checkpoint(
            note_data, board_note_key(context.hash, manifest.board.key)
        )
    except (EncodingError, InvalidSignature) as error:
        raise RefusedData(f"{note_path} is not a checkpoint the board signed: {error}") from None
    cosigners = []
    for witness in witness_keys(manifest.board):
        try:
            verify_cosignature(note, witness)
        except InvalidSignature:
            continue
        cosigners.append(witness.name)
    if len(cosigners) < manifest.board.witnesses_needed:
        raise RefusedData(
            f"{note_path} is cosigned by {len(cosigners)} of the named witnesses, "
            f"{manifest.board.witnesses_needed} needed"
        )
    tree = MerkleTree(leaf_hash(entry.hash) for entry in entries)
    if tree.size < checkpoint.size or tree.root(checkpoint.size) != checkpoint.root:
        raise RefusedData(
            f"the replica does not contain the cosigned tree of {checkpoint.size} entries"
        )
    _replay(directory, entries, context, group)
    return Restored(len(entries), checkpoint, tuple(cosigners), context)


def _replay(
    directory: ElectionDir, entries: list[Entry], context: ElectionContext, group: Group
) -> None:
    """Append every entry through the board's own appends; each must get its replica hash.
    The replica was verified just before, so ballots are not checked a second time."""
    with BulletinBoard.building(directory.board, group) as board, board.transaction():
        for entry in entries:
            if entry.kind == "ballot":
                receipt = board.accept_checked_ballot(ballot_from_plain(entry.payload, group))
                digest = receipt.entry_hash
            elif entry.kind == "challenge":
                challenged = challenged_from_plain(entry.payload, group)
                digest = board.accept_checked_challenge(CheckedChallenge.of(challenged)).entry_hash
            else:
                digest = board.append(entry.kind, entry.payload).hash
            if digest != entry.hash:
                raise BoardError(f"entry {entry.seq} was rebuilt with another hash")
            if entry.kind == "open":
                board.use_context(context)
