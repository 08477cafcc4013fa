"""Checks 9-15, voting (spec 16.2): ballots, challenges and the close entry (spec 10, 11.1,
11.3).

Ballot and challenge entries are checked in chunks by the engine (checks 9-11 and 14, see
votecrypt.verifier.ballots); what depends on order (checks 12, 13 and 15) is checked here,
in log order, as the chunks' verdicts come back.
"""

from __future__ import annotations

from collections.abc import Iterable

from votecrypt.protocol.tally import TallyAccumulator
from votecrypt.record.election_codec import close_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import Entry
from votecrypt.verifier import witnessed
from votecrypt.verifier.ballots import BallotVerdict, check_without_context
from votecrypt.verifier.state import Verification

CHUNK = 32


def ballot_entry(v: Verification, entry: Entry) -> None:
    """A ballot or challenge entry: queued for its chunk."""
    if not v.started:
        # spec 16.1, rules 3 and 4: without a context, what needs it fails, naming check 7;
        # the signature and the identifiers are still checked. The entry is still counted
        # (check 15).
        _verdict(v, check_without_context(v.group, entry.seq, entry.kind, entry.payload))
        return
    check_proofs = entry.seq > v.verified_through and not witnessed.skips(v.witnessed, entry.seq)
    if not check_proofs:
        v.report.entries_trusted += 1
    if v.chunk and check_proofs != v.chunk_checks_proofs:
        flush_chunk(v)
    v.chunk_checks_proofs = check_proofs
    v.chunk.append((entry.seq, entry.kind, entry.payload))
    if len(v.chunk) >= CHUNK:
        flush_chunk(v)


def flush_chunk(v: Verification) -> None:
    """Send the queued entries to the engine, keeping a bounded number of chunks in flight."""
    if v.chunk and v.started:
        v.pending.append(v.engine.submit(v.chunk, v.chunk_checks_proofs))
        v.chunk = []
        while len(v.pending) >= v.engine.window:
            _absorb(v, [v.pending.popleft().result()])


def drain(v: Verification) -> None:
    """Wait for every chunk sent: after it, every ballot so far is checked and summed."""
    flush_chunk(v)
    while v.pending:
        _absorb(v, [v.pending.popleft().result()])


def _absorb(
    v: Verification, results: Iterable[tuple[list[BallotVerdict], TallyAccumulator]]
) -> None:
    for verdicts, partial in results:
        for verdict in verdicts:
            _verdict(v, verdict)
        if v.tally_sum is not None:
            v.tally_sum.merge(partial)
        if v.progress is not None:
            v.progress(len(verdicts))


def _verdict(v: Verification, verdict: BallotVerdict) -> None:
    """Checks 9-11 and 14 as the chunk found them; check 13 (spec 11.3) in log order."""
    report = v.report
    where = f"entry {verdict.seq}"
    names = (
        ("ballot-format", "ballot-signatures", "ballot-proofs")
        if verdict.kind == "ballot"
        else ("challenges",)
    )
    for name in names:
        report[name].checked += 1
    for name, message in verdict.failures.items():
        report[name].fail(f"{where}: {message}")
    if verdict.kind == "ballot":
        v.cast += 1
    else:
        v.challenged += 1
    if verdict.unsummed and verdict.kind == "ballot":
        v.unsummed.append(verdict.seq)
    if verdict.ballot_id is None:
        # spec 16.1, rule 3: an entry that does not decode has nothing to check further;
        # each check that would have read it fails, naming the check that reported it.
        own = "check 9" if verdict.kind == "ballot" else "check 14"
        later = ("ballot-credentials", "ballot-uniqueness")
        for name in (*names[1:], *later[verdict.kind != "ballot" :]):
            if name in later:
                report[name].checked += 1
            report[name].fail(f"{where}: cannot be checked: the entry does not decode ({own})")
        return
    if verdict.kind == "ballot" and verdict.credential is not None:
        _credential_used(v, verdict, verdict.credential)
    unique = report["ballot-uniqueness"]
    unique.checked += 1
    if verdict.ballot_id in v.ballot_ids:
        unique.fail(f"{where}: the ballot id was already used")
    v.ballot_ids.add(verdict.ballot_id)
    if len(set(verdict.alphas)) != len(verdict.alphas):
        unique.fail(f"{where}: repeats a ciphertext within the ballot")
    elif any(alpha in v.alphas for alpha in verdict.alphas):
        unique.fail(f"{where}: repeats a ciphertext published earlier")
    v.alphas.update(verdict.alphas)


def _credential_used(v: Verification, verdict: BallotVerdict, credential: bytes) -> None:
    """Check 12 (spec 11.3, 9.6): the credential is in force where the ballot stands in the
    log, and casts once."""
    check = v.report["ballot-credentials"]
    check.checked += 1
    where = f"entry {verdict.seq}"
    if v.roll is None:
        check.fail(f"{where}: cannot be checked without a credential list (check 8)")
    elif credential in v.used_credentials:
        check.fail(
            f"{where}: second ballot of the credential of entry {v.used_credentials[credential]}"
        )
    else:
        problem = v.roll.cast(credential)
        if problem is not None:
            check.fail(f"{where}: {problem}")
        else:
            v.used_credentials[credential] = verdict.seq


def close_entry(v: Verification, entry: Entry) -> None:
    """Check 15 (spec 11.1): the close entry is compared, field by field, with the one the
    log gives: this election's context hash and the ballots cast and challenged before it.
    An extra or missing field, or a value of another type, fails it (spec 16.1)."""
    drain(v)
    check = v.report["close"]
    check.checked += 1
    where = f"entry {entry.seq}"
    payload = entry.payload
    if not isinstance(payload, dict):
        check.fail(f"{where}: the close entry is not an object")
        return
    hash_ = v.context.hash if v.context is not None else b""
    expected = close_plain(hash_, v.cast, v.challenged)
    for key in sorted(set(payload) - set(expected)):
        check.fail(f"{where}: the close entry has an unknown field {key!r}")
    for key, wanted in expected.items():
        if key == "election" and v.context is None:
            check.fail(
                f"{where}: the election it names cannot be checked without an election "
                "context (check 7 failed)"
            )
        elif key not in payload:
            check.fail(f"{where}: the close entry has no {key!r}")
        elif canonical_json(payload[key]) != canonical_json(wanted):
            check.fail(f"{where}: {key} is {payload[key]!r}; the log gives {wanted!r}")
