"""What an honest party re-derives from the published setup before it acts (spec 11.1, 17.1).

The board before it appends, the booth before it encrypts, a trustee before it decrypts and the
verifier all recompute the ceremony outcome from the ceremony messages, and take the signing
keys that endorse the credential list from the qualified trustees' announcements, with these
functions: one implementation of each rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from votecrypt.errors import CeremonyError, RefusedData
from votecrypt.math.group import Group
from votecrypt.primitives.signing import VerifyKey
from votecrypt.protocol.ceremony.messages import ROUNDS, Evidence, Signed
from votecrypt.protocol.ceremony.transcript import (
    CeremonyOutcome,
    Transcript,
    check_evidence_against,
    evaluate,
)
from votecrypt.protocol.manifest import Manifest


def ceremony_position(item: Signed[Any] | Evidence) -> tuple[int, int]:
    """Where a ceremony entry stands in the log: round first, then sender (spec 11.1);
    evidence (spec 8.8.1) after every round, by the sender it convicts."""
    if isinstance(item, Evidence):
        return len(ROUNDS), item.sender
    return ROUNDS.index(item.message.ROUND), item.message.sender


def transcript_from_messages(
    manifest: Manifest, messages: Iterable[Signed[Any] | Evidence]
) -> Transcript:
    """The transcript of the published ceremony messages and evidence; CeremonyError for a
    second message of one round and sender, or second evidence against one sender (the board
    and the verifier refuse it, spec 11.1)."""
    rounds: dict[str, dict[int, Signed[Any]]] = {name: {} for name in ROUNDS}
    evidence: dict[int, Evidence] = {}
    for item in messages:
        if isinstance(item, Evidence):
            if item.sender in evidence:
                raise CeremonyError(f"second evidence against trustee {item.sender}")
            evidence[item.sender] = item
            continue
        by_sender = rounds[item.message.ROUND]
        if item.message.sender in by_sender:
            raise CeremonyError(
                f"a second {item.message.ROUND} message of trustee {item.message.sender}"
            )
        by_sender[item.message.sender] = item
    return Transcript(
        manifest.ceremony_parameters(),
        announcements=rounds["announce"],
        commits=rounds["commit"],
        openings=rounds["open"],
        checks=rounds["check"],
        answers=rounds["answer"],
        decisions=rounds["decide"],
        evidence=evidence,
    )


def check_new_evidence(transcript: Transcript, evidence: Evidence) -> None:
    """Rule 1 for evidence before it is published (spec 8.8.1, 11.1): the sender announced,
    both messages pass their envelope under its announced key, and they conflict. Raises
    InvalidCeremonyMessage (a CeremonyError) otherwise."""
    check_evidence_against(transcript, evidence)


def derive_outcome(group: Group, transcript: Transcript) -> CeremonyOutcome:
    """The ceremony outcome the published messages give (spec 8.8). CeremonyError if the
    ceremony did not succeed, or did not finish (CeremonyNotReady: a message is still
    expected from a trustee the board did not go on without)."""
    return evaluate(group, transcript)


def check_outcome(
    group: Group, transcript: Transcript, published: CeremonyOutcome
) -> CeremonyOutcome:
    """The published outcome, if it is the one the messages give; RefusedData otherwise. An
    operator that publishes its own key (or another qualified set) is refused here."""
    try:
        derived = derive_outcome(group, transcript)
    except CeremonyError as error:
        raise RefusedData(f"the ceremony messages give no outcome: {error}") from None
    if derived != published:
        raise RefusedData("the published ceremony outcome is not the one its messages give")
    return published


def endorsing_keys(transcript: Transcript, outcome: CeremonyOutcome) -> dict[int, VerifyKey]:
    """The announced signing keys of the qualified trustees: the keys that may endorse the
    credential list (spec 9.4)."""
    return {
        j: transcript.announcements[j].message.signing_key
        for j in outcome.qualified
        if j in transcript.announcements
    }
