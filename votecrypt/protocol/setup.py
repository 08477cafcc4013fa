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
from votecrypt.protocol.ceremony.messages import ROUNDS, Signed
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript, evaluate
from votecrypt.protocol.manifest import Manifest


def ceremony_position(signed: Signed[Any]) -> tuple[int, int]:
    """Where a ceremony message stands in the log: round first, then sender (spec 11.1)."""
    return ROUNDS.index(signed.message.ROUND), signed.message.sender


def transcript_from_messages(manifest: Manifest, messages: Iterable[Signed[Any]]) -> Transcript:
    """The transcript of the published ceremony messages; CeremonyError for a second message
    of one round and sender (the board and the verifier refuse it, spec 11.1)."""
    rounds: dict[str, dict[int, Signed[Any]]] = {name: {} for name in ROUNDS}
    for signed in messages:
        by_sender = rounds[signed.message.ROUND]
        if signed.message.sender in by_sender:
            raise CeremonyError(
                f"a second {signed.message.ROUND} message of trustee {signed.message.sender}"
            )
        by_sender[signed.message.sender] = signed
    return Transcript(
        manifest.ceremony_parameters(),
        announcements=rounds["announce"],
        commits=rounds["commit"],
        openings=rounds["open"],
        checks=rounds["check"],
        answers=rounds["answer"],
        decisions=rounds["decide"],
    )


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
