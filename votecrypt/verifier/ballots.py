"""Checking ballot entries, in worker processes or inline (spec 16.3, checks 9-11, 14).

The work is split in chunks of consecutive log entries. For each entry a chunk returns a
verdict (the failures of each check and the identifiers the main process needs for the
stateful checks 12-13) and the chunk's partial tally of cast ballots, which the main process
merges (check 16). Chunks are independent, so they can run on any number of processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from votecrypt.errors import BallotError, EncodingError, TallyError
from votecrypt.math.group import Group
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.ballot import (
    BALLOT_ID_BYTES,
    EncodedRows,
    check_challenge,
    check_many_proofs,
    check_signature,
    check_sizes,
)
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.tally import TallyAccumulator
from votecrypt.record.ballot_codec import (
    ballot_ciphertexts,
    ballot_from_plain,
    challenged_from_plain,
)
from votecrypt.record.json_codec import decode_hex

#: Which numbered check a rejection reason belongs to.
CHECK_OF_REASON = {
    reasons.WRONG_ELECTION: "ballot-format",
    reasons.MALFORMED: "ballot-format",
    reasons.BAD_SIGNATURE: "ballot-signatures",
    reasons.INVALID_PROOF: "ballot-proofs",
    reasons.CHALLENGE_MISMATCH: "challenges",
}


@dataclass
class BallotVerdict:
    """What checking one ballot or challenge entry found."""

    seq: int
    kind: str
    failures: dict[str, str] = field(default_factory=dict)
    credential: bytes | None = None
    ballot_id: bytes | None = None
    alphas: tuple[bytes, ...] = ()
    #: a cast ballot whose ciphertexts could not be added to the tally (spec 16.1, rule 3)
    unsummed: bool = False


def check_chunk(
    context: ElectionContext, entries: list[tuple[int, str, Any]], check_proofs_too: bool
) -> tuple[list[BallotVerdict], TallyAccumulator]:
    """Verdicts for a chunk of ballot and challenge entries, and their partial tally.
    With `check_proofs_too` false (entries already verified, spec 16.4, or a tally of
    accepted ballots) only the ciphertexts and the identifiers are decoded."""
    verdicts = []
    partial = TallyAccumulator(context.group, context.rows, context.packing.lanes)
    proven: list[tuple[BallotVerdict, EncodedRows]] = []
    for seq, kind, payload in entries:
        verdict = BallotVerdict(seq, kind)
        if check_proofs_too:
            decoded = _check_fully(context, kind, payload, verdict, partial)
            if decoded is not None:
                proven.append((verdict, decoded))
        else:
            _identify(context, kind, payload, verdict, partial)
        verdicts.append(verdict)
    # Check 11 for the whole chunk in one batch (spec 5.7): each ballot gets the verdict and
    # the reason its own one-by-one check gives.
    failures = check_many_proofs(
        [encoded.ballot for _, encoded in proven], context, [encoded for _, encoded in proven]
    )
    for (verdict, _), failure in zip(proven, failures, strict=True):
        if failure is not None:
            _run(verdict, lambda failure=failure: _raise(failure))
    return verdicts, partial


def _raise(failure: BallotError) -> None:
    raise failure


def _check_fully(
    context: ElectionContext,
    kind: str,
    payload: Any,
    verdict: BallotVerdict,
    partial: TallyAccumulator,
) -> EncodedRows | None:
    """Checks 9-10 (14 for a challenge) of one entry, each on its own (spec 16.1): a ballot
    that names another election still has its signature checked, and its proofs checked
    under this election's key and hash, where they fail. Returns the ballot whose proofs
    check 11 must read (with the chunk's other ballots), or None."""
    if kind != "ballot":
        _check_challenge(context, payload, verdict)
        return None
    decoded = _decode_ballot(context.group, payload, verdict)
    if decoded is None:
        return None
    ballot = decoded.ballot
    if ballot.election != context.hash:
        verdict.failures["ballot-format"] = "the ballot is for another election"
    if _run(verdict, lambda: check_sizes(ballot, context)):
        partial.add(ballot)
        return decoded
    verdict.unsummed = True
    verdict.failures["ballot-proofs"] = (
        "cannot be checked: the ballot does not have the election's sizes (check 9)"
    )
    return None


def _decode_ballot(group: Group, payload: Any, verdict: BallotVerdict) -> EncodedRows | None:
    """Decode a cast ballot and check its signature (check 10 needs no context, spec 16.1);
    None when it does not decode (check 9), and then nothing else can be checked. The
    ballot comes with its rows encoded once, for its hash and its proofs' challenges."""
    try:
        ballot = ballot_from_plain(payload, group)
    except EncodingError as exc:
        verdict.failures["ballot-format"] = f"undecodable: {exc}"
        verdict.unsummed = True
        return None
    verdict.credential = ballot.credential.to_bytes()
    verdict.ballot_id = ballot.ballot_id
    verdict.alphas = tuple(c.alpha.to_bytes() for row in ballot.rows for c in row.ciphertexts)
    encoded = EncodedRows(ballot)
    _run(verdict, lambda: check_signature(ballot, encoded))
    return encoded


def check_without_context(group: Group, seq: int, kind: str, payload: Any) -> BallotVerdict:
    """What can be checked of an entry when check 7 gave no context (spec 16.1, rule 4): a
    ballot's decoding and signature (10) and the identifiers of checks 12-13; a challenge's
    decoding and identifiers. Checks 9, 11 and 14 need the context and fail, naming check 7."""
    verdict = BallotVerdict(seq, kind)
    if kind == "ballot":
        ballot = _decode_ballot(group, payload, verdict)
        if ballot is not None:
            for name in ("ballot-format", "ballot-proofs"):
                verdict.failures.setdefault(name, NO_CONTEXT)
        return verdict
    try:
        challenged = challenged_from_plain(payload, group)
    except EncodingError as exc:
        verdict.failures["challenges"] = f"undecodable: {exc}"
        return verdict
    verdict.ballot_id = challenged.ballot_id
    verdict.alphas = tuple(c.alpha.to_bytes() for row in challenged.rows for c in row)
    verdict.failures["challenges"] = NO_CONTEXT
    return verdict


NO_CONTEXT = (
    "cannot be checked without an election context: check 7 failed, or the entry comes "
    "before the open entry (check 3)"
)


def _check_challenge(context: ElectionContext, payload: Any, verdict: BallotVerdict) -> None:
    try:
        challenged = challenged_from_plain(payload, context.group)
    except EncodingError as exc:
        verdict.failures["challenges"] = f"undecodable: {exc}"
        return
    verdict.ballot_id = challenged.ballot_id
    verdict.alphas = tuple(c.alpha.to_bytes() for row in challenged.rows for c in row)
    _run(verdict, lambda: check_challenge(challenged, context))


def _identify(
    context: ElectionContext,
    kind: str,
    payload: Any,
    verdict: BallotVerdict,
    partial: TallyAccumulator,
) -> None:
    if kind != "ballot":
        _check_challenge(context, payload, verdict)  # cheap: no proof in a challenge
        return
    try:
        verdict.credential = decode_hex(payload["credential"], "credential", 32)
        verdict.ballot_id = decode_hex(payload["ballot_id"], "ballot_id", BALLOT_ID_BYTES)
        rows = ballot_ciphertexts(payload, context.group)
    except (EncodingError, KeyError, TypeError) as exc:
        verdict.failures["ballot-format"] = f"undecodable: {exc}"
        verdict.unsummed = True
        return
    verdict.alphas = tuple(c.alpha.to_bytes() for row in rows for c in row)
    try:
        partial.add_rows(rows)
    except TallyError as error:
        verdict.failures["ballot-format"] = str(error)
        verdict.unsummed = True


def _run(verdict: BallotVerdict, check: Any) -> bool:
    try:
        check()
    except BallotError as error:
        name = CHECK_OF_REASON.get(error.reason, "ballot-format")
        if verdict.kind == "challenge":
            name = "challenges"
        verdict.failures.setdefault(name, str(error))
        return False
    return True


# Worker-process plumbing: the context is sent once per process, not once per chunk.

_WORKER_CONTEXT: ElectionContext | None = None


def init_worker(context: ElectionContext) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context


def check_chunk_in_worker(
    entries: list[tuple[int, str, Any]], check_proofs_too: bool
) -> tuple[list[BallotVerdict], TallyAccumulator]:
    if _WORKER_CONTEXT is None:
        raise RuntimeError("worker not initialised")
    return check_chunk(_WORKER_CONTEXT, entries, check_proofs_too)
