"""A cosigned checkpoint as the verifier's starting point (spec 16.4).

`votecrypt verify --since` may be given a board checkpoint (a signed note, spec 11.7) with
witness cosignatures. It skips the signatures and proofs of the entries it covers only when
the board's key of the record's own manifest signed it, at least k of the m witnesses that
manifest names cosigned it (their statement is that every entry up to it verifies, 11.8),
and the record's Merkle tree of that size has its root: anything else skips nothing. A
checkpoint the board signed whose root the record does not have is evidence that the board
showed two histories, or rewrote this one: check 2 fails, naming the board's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from votecrypt.errors import EncodingError, InvalidSignature
from votecrypt.record.checkpoint import Checkpoint, board_note_key, open_checkpoint
from votecrypt.record.cosignature import verify_cosignature, witness_keys
from votecrypt.verifier.state import Verification


@dataclass(eq=False)
class WitnessedStart:
    """The cosigned checkpoint given to the verifier and what became of it."""

    note: bytes
    #: the checkpoint once the board's signature on it verified (compared with the tree)
    signed: Checkpoint | None = None
    #: whether k named witnesses cosigned it too: then it vouches for its entries' proofs
    accepted: bool = False
    #: why it skips nothing (or what it proved), for the report
    outcome: str = "not evaluated: the record has no election context"


def evaluate(v: Verification, start: WitnessedStart) -> None:
    """After the open entry (the context is known): accept the checkpoint if the board and
    k named witnesses signed it (spec 16.4); otherwise it skips nothing."""
    if v.context is None or v.manifest is None:
        return
    board = v.manifest.board
    if board is None:
        start.outcome = "skips nothing: the manifest names no board key"
        return
    board_key = board_note_key(v.context.hash, board.key)
    try:
        checkpoint, note = open_checkpoint(start.note, board_key)
    except (EncodingError, InvalidSignature) as error:
        start.outcome = f"skips nothing: not a checkpoint the board signed ({error})"
        return
    start.signed = checkpoint
    if checkpoint.size <= v.tree.size and v.tree.root(checkpoint.size) != checkpoint.root:
        _rewritten(v, checkpoint, f"the first {checkpoint.size} entries have another root")
    cosigned = []
    for witness in witness_keys(board):
        try:
            verify_cosignature(note, witness)
        except InvalidSignature:
            continue
        cosigned.append(witness.name)
    if board.witnesses_needed == 0 or len(cosigned) < board.witnesses_needed:
        start.outcome = (
            f"skips nothing: cosigned by {len(cosigned)} of the {len(board.witnesses)} "
            f"witnesses, {board.witnesses_needed or 'some'} needed"
        )
        return
    start.accepted = True
    start.outcome = (
        f"cosigned by {', '.join(cosigned)} ({len(cosigned)} of {len(board.witnesses)}) at "
        f"{checkpoint.size} entries"
    )


def track(v: Verification, start: WitnessedStart) -> None:
    """After an entry's leaf was added (spec 11.5): at the checkpoint's size compare the
    roots."""
    checkpoint = start.signed
    if (
        checkpoint is not None
        and v.tree.size == checkpoint.size
        and v.tree.root() != checkpoint.root
    ):
        _rewritten(v, checkpoint, f"the first {checkpoint.size} entries have another root")


def skips(start: WitnessedStart | None, seq: int) -> bool:
    """Whether entry `seq`'s signatures and proofs were verified by the witnesses."""
    return (
        start is not None
        and start.accepted
        and start.signed is not None
        and seq < start.signed.size
    )


def finish(v: Verification, start: WitnessedStart) -> None:
    """After the log: a log shorter than a signed checkpoint lost entries."""
    checkpoint = start.signed
    if checkpoint is not None and v.tree.size < checkpoint.size:
        _rewritten(v, checkpoint, f"the log has {v.tree.size} entries, fewer")


def _rewritten(v: Verification, checkpoint: Checkpoint, what: str) -> None:
    board = v.manifest.board if v.manifest is not None else None
    key = board.key.hex() if board is not None else "?"
    v.report["log-chain"].fail(
        f"{what} than the checkpoint of {checkpoint.size} entries signed by the board key "
        f"{key}: the board signed another history (split view or rewriting, spec 11.7)"
    )
