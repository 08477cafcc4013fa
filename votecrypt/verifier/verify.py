"""Verify an election record from published data alone (spec 16).

    report = verify_record(Path("record"))
    print("\\n".join(report.lines()))

The log is streamed once. Ballot entries are checked in chunks on a pool of processes (all
cores by default); everything that depends on order (the hash chain, phases, duplicate
credentials and ciphertexts) is checked in the main process in log order. Every failure is
recorded under its numbered check and verification goes on: the report lists all of them.

The checks live in one module per group of spec 16.2: log (checks 1-3), setup (4-8), voting
(9-15), counting (16-18), results (19-22) and copies (23). This module reads the log, hands
each entry to its group, and applies the rule of spec 16.1 after the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from votecrypt.errors import FileError
from votecrypt.math.group import Group, secp256k1
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.tally import EncryptedTally
from votecrypt.record.log import SINGLE_ITEMS, Entry
from votecrypt.record.merkle import leaf_hash
from votecrypt.record.reader import LogSource, RecordSource
from votecrypt.verifier import (
    board_checkpoints,
    copies,
    counting,
    log,
    results,
    setup,
    voting,
    witnessed,
)
from votecrypt.verifier.engines import Engine, LocalEngine
from votecrypt.verifier.report import VerificationReport
from votecrypt.verifier.state import Checkpoint, Progress, Verification

__all__ = [
    "Checkpoint",
    "Progress",
    "VerifiedLog",
    "check_log",
    "verify_log",
    "verify_record",
]

#: The group that reads each kind of entry.
HANDLERS: dict[str, Callable[[Verification, Entry], None]] = {
    "manifest": setup.manifest_entry,
    "ceremony": setup.ceremony_entry,
    "ceremony-outcome": setup.outcome_entry,
    "credentials": setup.credentials_entry,
    "open": setup.open_entry,
    "ballot": voting.ballot_entry,
    "challenge": voting.ballot_entry,
    "credential-supplement": setup.supplement_entry,
    "close": voting.close_entry,
    "tally": counting.tally_entry,
    "decryption-share": counting.share_entry,
    "results": results.results_entry,
}

#: Checks skipped while the log has not left a phase (spec 16.1, rule 1) and why.
NOT_REACHED: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("start",), ("manifest",), "the record has no manifest yet"),
    (
        ("start", "setup"),
        (
            "ceremony-messages",
            "ceremony-outcome",
            "election-context",
            "credentials",
            "ballot-format",
            "ballot-signatures",
            "ballot-proofs",
            "ballot-credentials",
            "ballot-uniqueness",
            "challenges",
        ),
        "voting has not opened",
    ),
    (("start", "setup", "voting"), ("close",), "voting has not closed"),
)


def _run(v: Verification) -> VerificationReport:
    try:
        for number, line in v.source.lines():
            if _line(v, number, line) == v.until:
                break
        voting.drain(v)
    except FileError as error:
        v.report["log-format"].fail(str(error))
    finally:
        v.engine.close()
    _finish(v)
    return v.report


def _line(v: Verification, number: int, line: bytes) -> str | None:
    """Check one line; returns its entry's kind."""
    entry = log.decode_line(v, number, line)
    if entry is None:
        return None
    log.check_chain(v, entry)
    v.tree.append(leaf_hash(entry.hash))
    if v.witnessed is not None:
        witnessed.track(v, v.witnessed)
    if not log.check_order(v, entry):
        return entry.kind  # a second copy of a single item is reported, never used
    if entry.kind in SINGLE_ITEMS:
        v.singles[entry.kind] = entry.payload
    HANDLERS[entry.kind](v, entry)
    if entry.kind == "open" and v.witnessed is not None:
        witnessed.evaluate(v, v.witnessed)
    return entry.kind


def _finish(v: Verification) -> None:
    report = v.report
    report.entries = v.expected_seq
    log.check_checkpoint_reached(v)
    if v.witnessed is not None:
        witnessed.finish(v, v.witnessed)
        report.checkpoint = v.witnessed.outcome
    # Checks of phases the record has not reached are skipped, never passed. Within a
    # reached phase a check with nothing to check passes (no challenged ballot, say).
    for phases, names, reason in NOT_REACHED:
        if v.phase in phases:
            for name in names:
                if not report[name].checked and not report[name].failure_count:
                    report[name].skipped = reason
    setup.check_credentials_published(v)
    tally = v.tally = counting.check_tally(v)
    counts = counting.check_decryption(v, tally)
    results.check_results(v, tally, counts)
    copies.check_copies(v)
    board_checkpoints.check_board_checkpoints(v)
    setup.check_late(v)


def verify_record(
    path: Path,
    *,
    group: Group | None = None,
    jobs: int | None = None,
    since: Checkpoint | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
    cosigned: bytes | None = None,
) -> VerificationReport:
    """Verify the record at `path` (directory or archive).

    Ballots are checked by `engine` (default: a pool of `jobs` local processes, every core
    when `jobs` is None; see votecrypt.verifier.engines for a Dask cluster). `since` is an
    observer's note of an entry's hash (a rewritten history fails check 2); `cosigned` a
    board checkpoint cosigned by witnesses, which skips the proofs of the entries it covers
    only when the record's own keys verify it (spec 16.4)."""
    return verify_log(
        RecordSource(Path(path)),
        group=group,
        engine=engine or LocalEngine(jobs),
        since=since,
        progress=progress,
        cosigned=cosigned,
    )


def verify_log(
    source: LogSource,
    *,
    group: Group | None = None,
    engine: Engine | None = None,
    since: Checkpoint | None = None,
    progress: Progress | None = None,
    until: str | None = None,
    cosigned: bytes | None = None,
) -> VerificationReport:
    """Verify the log of `source`; with `until`, stop after the first entry of that kind.
    Checks of phases not read are skipped, never passed."""
    return check_log(
        source,
        group=group,
        engine=engine,
        since=since,
        progress=progress,
        until=until,
        cosigned=cosigned,
    ).report


@dataclass(frozen=True)
class VerifiedLog:
    """What a verification read and checked, for a party about to act on it (spec 17.1): a
    booth reads up to "open" and encrypts under `context`; a trustee reads up to "tally" and
    decrypts `tally`. Use these, never the source again: what is read a second time may
    have changed in between."""

    report: VerificationReport
    #: the election context built from the verified manifest, outcome and credential list
    context: ElectionContext | None
    #: the published tally as decoded and compared with the recomputed sum (check 16)
    tally: EncryptedTally | None
    #: (seq, hash) of the tally entry, the hash computed here, not read
    tally_entry: tuple[int, bytes] | None


def check_log(
    source: LogSource,
    *,
    group: Group | None = None,
    engine: Engine | None = None,
    since: Checkpoint | None = None,
    progress: Progress | None = None,
    until: str | None = None,
    cosigned: bytes | None = None,
    verified_before: Checkpoint | None = None,
) -> VerifiedLog:
    """Verify the log of `source` as `verify_log` does, and return what was verified with
    the report (a booth stops `until` "open", a trustee `until` "tally", spec 17.1).

    `verified_before` is the last entry of a prefix the caller itself verified before and
    kept authenticated (a trustee's verification state, spec 12.2): the signatures and proofs
    of the entries up to it are not checked again, and check 2 fails unless the log holds
    that entry with that hash (a rewritten history)."""
    if verified_before is not None and since is not None and since != verified_before:
        raise ValueError("one checkpoint at a time")
    v = Verification(
        source=source,
        group=group or secp256k1(),
        engine=engine or LocalEngine(),
        since=since or verified_before,
        progress=progress,
        until=until,
        report=VerificationReport.empty(str(source.path)),
        witnessed=None if cosigned is None else witnessed.WitnessedStart(cosigned),
        verified_through=-1 if verified_before is None else verified_before.seq,
    )
    report = _run(v)
    return VerifiedLog(report, v.context, v.tally, v.tally_entry)
