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
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.ballot import (
    BALLOT_ID_BYTES,
    check_challenge,
    check_proofs,
    check_shape,
    check_signature,
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


def check_chunk(
    context: ElectionContext, entries: list[tuple[int, str, Any]], check_proofs_too: bool
) -> tuple[list[BallotVerdict], TallyAccumulator]:
    """Verdicts for a chunk of ballot and challenge entries, and their partial tally.
    With `check_proofs_too` false (entries already verified, spec 16.4, or a tally of
    accepted ballots) only the ciphertexts and the identifiers are decoded."""
    verdicts = []
    partial = TallyAccumulator(context.group, context.rows, context.packing.lanes)
    for seq, kind, payload in entries:
        verdict = BallotVerdict(seq, kind)
        if check_proofs_too:
            _check_fully(context, kind, payload, verdict, partial)
        else:
            _identify(context, kind, payload, verdict, partial)
        verdicts.append(verdict)
    return verdicts, partial


def _check_fully(
    context: ElectionContext,
    kind: str,
    payload: Any,
    verdict: BallotVerdict,
    partial: TallyAccumulator,
) -> None:
    if kind != "ballot":
        _check_challenge(context, payload, verdict)
        return
    try:
        ballot = ballot_from_plain(payload, context.group)
    except EncodingError as exc:
        verdict.failures["ballot-format"] = f"undecodable: {exc}"
        return
    verdict.credential = ballot.credential.to_bytes()
    verdict.ballot_id = ballot.ballot_id
    verdict.alphas = tuple(c.alpha.to_bytes() for row in ballot.rows for c in row.ciphertexts)
    if _run(verdict, lambda: check_shape(ballot, context)):
        partial.add(ballot)
        _run(verdict, lambda: check_signature(ballot))
        _run(verdict, lambda: check_proofs(ballot, context))


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
        return
    verdict.alphas = tuple(c.alpha.to_bytes() for row in rows for c in row)
    try:
        partial.add_rows(rows)
    except TallyError as error:
        verdict.failures["ballot-format"] = str(error)


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
