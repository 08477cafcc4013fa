"""Checking ballot entries, in worker processes or inline (spec 16.3, checks 9-11, 14).

The work is split in chunks of consecutive log entries. For each entry a chunk returns a
verdict (the failures of each check and the identifiers the main process needs for the
stateful checks 12-13) and the chunk's partial tally of cast ballots, which the main process
merges (check 16). Chunks are independent, so they can run on any number of processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from votecrypt.errors import BallotError, EncodingError
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.ballot import (
    Ballot,
    check_challenge,
    check_proofs,
    check_shape,
    check_signature,
)
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.tally import TallyAccumulator
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_from_plain

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
    With `check_proofs_too` false (entries already verified, spec 16.4) only decoding and the
    identifiers are computed."""
    verdicts = []
    partial = TallyAccumulator(context.group, context.rows, context.packing.lanes)
    for seq, kind, payload in entries:
        verdict = BallotVerdict(seq, kind)
        ballot = _decode(context, kind, payload, verdict)
        if ballot is not None:
            verdict.credential = ballot.credential.to_bytes()
            verdict.ballot_id = ballot.ballot_id
            verdict.alphas = tuple(
                c.alpha.to_bytes() for row in ballot.rows for c in row.ciphertexts
            )
            if kind == "ballot":
                shaped = _run(verdict, lambda b=ballot: check_shape(b, context))
                if shaped:
                    partial.add(ballot)
                if shaped and check_proofs_too:
                    _run(verdict, lambda b=ballot: check_signature(b))
                    _run(verdict, lambda b=ballot: check_proofs(b, context))
            elif check_proofs_too:
                challenged = challenged_from_plain(payload, context.group)
                _run(verdict, lambda c=challenged: check_challenge(c, context))
        verdicts.append(verdict)
    return verdicts, partial


def _decode(
    context: ElectionContext, kind: str, payload: Any, verdict: BallotVerdict
) -> Ballot | None:
    try:
        if kind == "ballot":
            return ballot_from_plain(payload, context.group)
        return challenged_from_plain(payload, context.group).ballot
    except EncodingError as exc:
        check = "ballot-format" if kind == "ballot" else "challenges"
        verdict.failures[check] = f"undecodable: {exc}"
        return None


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
