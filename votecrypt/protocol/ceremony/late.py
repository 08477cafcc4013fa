"""Ceremony messages that arrive after the outcome was endorsed (spec 8.8.2).

Once `t` trustees endorsed the outcome (spec 9.4), its transcript is closed: a message or
evidence that arrives later is kept apart, checked like any file that arrives (rule 1) and
named, and it changes nothing. `late_items` is that check and those names; it never touches
the evaluation, which reads the endorsed transcript alone.
"""

from __future__ import annotations

from typing import Any

from votecrypt.protocol.ceremony.messages import InvalidCeremonyMessage, Signed, check_envelope
from votecrypt.protocol.ceremony.transcript import Transcript, check_evidence_against

#: How every late item is named (spec 8.8.2), after what it is.
LATE = "arrived after the outcome was endorsed"


def late_items(transcript: Transcript, late: Transcript) -> list[tuple[str, int, str]]:
    """Check every late item against the endorsed `transcript` and name it (spec 8.8.2): the
    messages by round then sender, then the evidence by the trustee it names. A message must
    pass its envelope under its sender's announcement in the transcript (a late announcement,
    under the key it announces); evidence must be valid (8.8.1). A late copy of a message the
    transcript holds is that message, and is not named. Raises InvalidCeremonyMessage for an
    item that is not its sender's: it is refused, as any file that does not check."""
    parameters = transcript.parameters
    held = dict(transcript.rounds())
    names = []
    for round_name, messages in late.rounds():
        for sender in sorted(messages):
            signed: Signed[Any] = messages[sender]
            announced = transcript.announcements.get(sender)
            if round_name == "announce":
                key = signed.message.signing_key
            elif announced is None:
                raise InvalidCeremonyMessage(
                    f"a late {round_name} message of trustee {sender}, who did not announce"
                )
            else:
                key = announced.message.signing_key
                check_envelope(announced, parameters, sender, key)
            check_envelope(signed, parameters, sender, key)
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
