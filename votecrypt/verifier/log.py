"""Checks 1-3, the log (spec 16.2): each line decodes, the chain holds, entries follow the
phases (spec 15.2, 11.2, 11.1)."""

from __future__ import annotations

from votecrypt.errors import EncodingError
from votecrypt.record.log import (
    NEXT_PHASE,
    ONCE,
    PHASE_KINDS,
    Entry,
    entry_from_line,
    is_canonical_line,
    setup_in_order,
)
from votecrypt.verifier.state import Verification


def decode_line(v: Verification, number: int, line: bytes) -> Entry | None:
    """Check 1 (spec 15.2): the entry of one line, or None when it does not decode (then
    the chain, check 2, cannot be followed past it)."""
    report = v.report
    report["log-format"].checked += 1
    try:
        entry = entry_from_line(line, number)
    except EncodingError as error:
        report["log-format"].fail(str(error))
        report["log-chain"].fail(f"line {number}: the chain cannot be followed past it")
        v.expected_seq += 1
        return None
    if not is_canonical_line(entry, line):
        # spec 15.2, 16.1: a line that decodes but is not the canonical JSON of its entry
        # fails check 1 and is still used (its hash is over the values, not the text).
        report["log-format"].fail(
            f"line {number}: not the canonical JSON of its entry followed by a newline"
        )
    return entry


def check_chain(v: Verification, entry: Entry) -> None:
    """Check 2 (spec 11.2)."""
    check = v.report["log-chain"]
    check.checked += 1
    if entry.seq != v.expected_seq:
        check.fail(f"entry {entry.seq}: expected sequence number {v.expected_seq}")
    if entry.prev != v.prev:
        check.fail(f"entry {entry.seq}: prev is not the previous entry's hash")
    if entry.hash != entry.expected_hash():
        check.fail(f"entry {entry.seq}: its hash does not match its content")
    if v.since is not None and entry.seq == v.since.seq and entry.hash != v.since.hash:
        check.fail(f"entry {entry.seq}: differs from the checkpoint (the log was rewritten)")
    v.expected_seq = entry.seq + 1
    v.prev = entry.hash
    v.report.head = (entry.seq, entry.hash.hex())


def check_order(v: Verification, entry: Entry) -> bool:
    """Check 3 (spec 11.1): phases, one entry of each single item, setup entries in their
    order. False for a second copy of a single item, which is then ignored: no party may
    choose between two outcomes, credential lists or tallies."""
    check = v.report["log-order"]
    check.checked += 1
    if entry.kind in ONCE and entry.kind in v.seen_once:
        check.fail(f"entry {entry.seq}: a second {entry.kind} entry")
        return False
    if entry.kind in ONCE:
        v.seen_once.add(entry.kind)
    if entry.kind not in PHASE_KINDS[v.phase]:
        check.fail(f"entry {entry.seq}: a {entry.kind} entry cannot come in phase {v.phase}")
        if entry.kind in ("ballot", "challenge") and v.phase != "voting":
            check.fail(f"entry {entry.seq}: ballot outside the voting period")
    elif v.phase == "setup" and not setup_in_order(entry.kind, v.seen_once):
        check.fail(f"entry {entry.seq}: the {entry.kind} entry is out of the order of spec 11.1")
    v.phase = NEXT_PHASE.get(entry.kind, v.phase)
    return True


def check_checkpoint_reached(v: Verification) -> None:
    """Check 2 after the log (spec 16.4): a log shorter than the checkpoint was rewritten."""
    if v.since is not None and v.expected_seq <= v.since.seq:
        v.report["log-chain"].fail(
            f"the log has {v.expected_seq} entries but the checkpoint is at entry "
            f"{v.since.seq}: entries were removed (the log was rewritten)"
        )
