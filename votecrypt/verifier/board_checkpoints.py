"""Check 24, board checkpoints (spec 16.2): the checkpoints the board signed that the record
keeps (spec 15.1), cosigned by the witnesses or kept by a witness as evidence.

Every note of the record must be a checkpoint signed by the manifest's board key, every
cosignature line that claims a witness the manifest names must verify, and the record's own
log must have, at each checkpoint's size, the checkpoint's root (spec 11.7). The board
signs no two checkpoints that disagree: a note the log does not match is the board's
signature on another history (a dropped entry, a rewritten log, or a split view, whose
other half is the log itself or the other note of a witness's evidence), and the failure
names the board key that signed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from votecrypt.errors import EncodingError, FileError, InvalidSignature
from votecrypt.record.checkpoint import Checkpoint, board_note_key, open_checkpoint
from votecrypt.record.cosignature import verify_cosignature, witness_keys
from votecrypt.record.reader import LogSource
from votecrypt.verifier.state import Verification

CHECK = "board-checkpoints"
#: A witness's replica is a record too: the last checkpoint it cosigned (spec 11.10).
WITNESS_NOTE = "cosigned.txt"
#: The largest note read (spec 11.6).
MAX_NOTE = 64 * 1024


@dataclass(frozen=True)
class SignedHead:
    """A note of the record that the board's key signed, and who cosigned it."""

    file: str
    checkpoint: Checkpoint
    cosigners: tuple[str, ...]


def note_files(source: LogSource) -> list[str]:
    """The record's notes (spec 15.1): the cosigned checkpoints (`cosigned/<size>.txt`, and a
    witness replica's `cosigned.txt`) and a witness's evidence (`evidence/<n>-a.txt`,
    `<n>-b.txt`; an empty `-a` means the witness had cosigned nothing yet, and `-why.txt`
    is for people)."""
    names = [WITNESS_NOTE] if WITNESS_NOTE in source.names() else []
    names += [n for n in source.names("cosigned") if n.endswith(".txt")]
    names += [n for n in source.names("evidence") if n.endswith(("-a.txt", "-b.txt"))]
    return names


def check_board_checkpoints(v: Verification) -> None:
    """Check 24 (spec 16.2). Runs once the log holds `open` (no checkpoint exists before:
    its origin is the context hash, 11.7); a note in a record whose log stops earlier
    fails, since the board signed a longer log. With no note it passes; a note needs the
    manifest's board key and the context (16.1, rule 3)."""
    check = v.report[CHECK]
    notes = []
    for name in note_files(v.source):
        try:
            data = v.source.read(name, MAX_NOTE)
        except FileError as error:
            check.fail(f"{name} cannot be read as a signed note: {error}")
            continue
        if data:
            notes.append((name, data))
    if v.phase in ("start", "setup"):
        if notes:
            check.checked += len(notes)
            check.fail(
                f"the record holds {len(notes)} signed checkpoint(s) ({notes[0][0]}, ...) but "
                "its log stops before the open entry, which every checkpoint's log holds "
                "(spec 11.7): entries were removed"
            )
        else:
            check.skipped = "voting has not opened"
        return
    if not notes:
        return
    check.checked += len(notes)
    if v.manifest is None:
        check.fail("the signed checkpoints need the manifest, which is not valid (check 4)")
        return
    if v.context is None:
        check.fail("the signed checkpoints need the election context (check 7)")
        return
    board = v.manifest.board
    if board is None:
        check.fail(
            f"the manifest names no board key, yet the record holds {len(notes)} signed "
            "checkpoint(s): none can be the board's"
        )
        return
    key = board_note_key(v.context.hash, board.key)
    heads, split = [], False
    for name, data in notes:
        try:
            checkpoint, note = open_checkpoint(data, key)
        except (EncodingError, InvalidSignature) as error:
            check.fail(f"{name} is not a checkpoint signed by the board key: {error}")
            continue
        cosigners = []
        for witness in witness_keys(board):
            if not note.signatures_by(witness):
                continue
            try:
                verify_cosignature(note, witness)
            except InvalidSignature as error:
                check.fail(f"{name}: the cosignature claiming {witness.name} is forged ({error})")
                continue
            cosigners.append(witness.name)
        if name.startswith("cosigned/") and name != f"cosigned/{checkpoint.size}.txt":
            check.fail(f"{name} holds a checkpoint of {checkpoint.size} entries")
        heads.append(SignedHead(name, checkpoint, tuple(cosigners)))
        split |= not _matches(v, name, checkpoint, cosigners, board.key.hex())
    v.report.witnessed = summary(
        heads, board.key.hex(), len(board.witnesses), board.witnesses_needed, split
    )


def _matches(
    v: Verification, name: str, checkpoint: Checkpoint, cosigners: list[str], key: str
) -> bool:
    """Whether the log has the checkpoint's root at its size; if not, the board signed
    another history and the check fails naming its key."""
    cosigned = f" (cosigned by {', '.join(cosigners)})" if cosigners else ""
    if checkpoint.size > v.tree.size:
        what = f"{checkpoint.size} entries{cosigned}, and the log has {v.tree.size}"
    elif v.tree.root(checkpoint.size) != checkpoint.root:
        what = f"{checkpoint.size} entries{cosigned} with another root than the log's"
    else:
        return True
    v.report[CHECK].fail(
        f"{name}: the board key {key} signed a checkpoint of {what}: the board signed two "
        "histories (an entry dropped or changed, or a split view, spec 11.7)"
    )
    return False


def summary(
    heads: list[SignedHead], key: str, witnesses: int, needed: int, split: bool
) -> dict[str, object]:
    """For the report: the signed checkpoints read, the largest one that `needed` named
    witnesses cosigned, and the board key when it signed two histories."""
    confirmed = [h for h in heads if witnesses and len(h.cosigners) >= needed]
    latest = max(confirmed, key=lambda h: h.checkpoint.size, default=None)
    return {
        "checkpoints": len(heads),
        "witnesses": witnesses,
        "needed": needed,
        "confirmed_size": None if latest is None else latest.checkpoint.size,
        "confirmed_by": [] if latest is None else list(latest.cosigners),
        "board_key": key,
        "two_histories": split,
    }
