"""Ceremony messages that arrive after the outcome was endorsed (spec 8.8.2).

Once `t` trustees endorsed the outcome (spec 9.4), its transcript is closed: a message or
evidence that arrives later is kept apart, checked like any file that arrives (rule 1) and
named, and it changes nothing. `late_items` is that check and those names; it never touches
the evaluation, which reads the endorsed transcript alone.
"""

from __future__ import annotations

from typing import Any

from votecrypt.errors import InvalidSignature
from votecrypt.primitives.signing import VerifyKey
from votecrypt.protocol.ceremony.messages import (
    CeremonyParameters,
    InvalidCeremonyMessage,
    Signed,
    check_envelope,
)
from votecrypt.protocol.ceremony.transcript import Transcript, check_evidence_against

#: How every late item is named (spec 8.8.2), after what it is.
LATE = "arrived after the outcome was endorsed"


def late_items(transcript: Transcript, late: Transcript) -> list[tuple[str, int, str]]:
    """Check every late item against the endorsed `transcript` and name it (spec 8.8.2): the
    messages by round then sender, then the evidence by the trustee it names. A message must
    be of a trustee of the ceremony and pass its envelope under its sender's announcement in
    the transcript (a late announcement too: anyone can sign one under a key it announces);
    evidence must be valid (8.8.1). A late copy of a message the
    transcript holds is that message, and is not named. Raises InvalidCeremonyMessage for an
    item that is not its sender's: it is refused, as any file that does not check."""
    parameters = transcript.parameters
    held = dict(transcript.rounds())
    names = []
    for round_name, messages in late.rounds():
        for sender in sorted(messages):
            signed: Signed[Any] = messages[sender]
            if sender not in parameters.indices:
                raise InvalidCeremonyMessage(
                    f"a late {round_name} message of trustee {sender}: the ceremony has "
                    f"trustees 1 to {parameters.trustees}"
                )
            announced = transcript.announcements.get(sender)
            if announced is None:
                raise InvalidCeremonyMessage(
                    f"a late {round_name} message of trustee {sender}, who did not announce"
                )
            # A late announcement too: signed under the key it announces, anyone could have
            # written it; only the trustee's announced key makes it the trustee's.
            key = announced.message.signing_key
            check_envelope(announced, parameters, sender, key)
            _check_late_envelope(signed, parameters, sender, key)
            if held[round_name].get(sender) == signed:
                continue
            names.append((round_name, sender, f"trustee {sender}'s {round_name} message {LATE}"))
    for sender in sorted(late.evidence):
        evidence = late.evidence[sender]
        if evidence.sender != sender:
            raise InvalidCeremonyMessage(
                f"the late evidence filed for trustee {sender} is not about it"
            )
        check_evidence_against(transcript, evidence)
        what = f"evidence that trustee {sender} signed two different {evidence.round} messages"
        names.append(("evidence", sender, f"{what} {LATE}"))
    return names


def _check_late_envelope(
    signed: Signed[Any], parameters: CeremonyParameters, sender: int, key: VerifyKey
) -> None:
    """The envelope checks of spec 8.2 for a late message, refused in the words the booth's
    library uses too (`lateItems`): the vectors give the refusal text."""
    message = signed.message
    if message.election != parameters.election:
        raise InvalidCeremonyMessage("a late ceremony message names another election")
    if message.sender != sender:
        raise InvalidCeremonyMessage(f"a late {message.ROUND} message filed as trustee {sender}'s")
    try:
        key.verify(signed.signature, signed.digest())
    except InvalidSignature:
        raise InvalidCeremonyMessage(
            f"the late {message.ROUND} message of trustee {sender} is not signed by its "
            "announced key"
        ) from None
