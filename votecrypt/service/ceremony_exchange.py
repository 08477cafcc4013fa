"""Taking a ceremony message or evidence into an election directory, checked (spec 8.2, 8.8.1,
8.9, 11.12).

One rule for every way a file arrives from someone else: the board server's ceremony channel
taking a message it is sent, and a trustee's computer taking the messages it pulls from the
channel. Each item is checked before it is written (rule 1): a message against its sender's
announcement in the directory (an announcement against its own key), evidence as the board
checks it. Then, as on the USB stick: a new message is written; the same one changes nothing;
a grown answer or decision replaces the smaller one (8.9); and a message that conflicts with
the one the directory holds is not lost: the two are written as evidence (8.8.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from votecrypt.errors import CeremonyError
from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.messages import (
    Answer,
    Decision,
    Evidence,
    InvalidCeremonyMessage,
    Signed,
    check_envelope,
    conflict,
)
from votecrypt.protocol.setup import check_new_evidence
from votecrypt.service.election_dir import (
    ElectionDir,
    load_manifest,
    load_transcript,
    publish_evidence,
    publish_grown,
    publish_message,
)

#: What taking an item did: a "new" file, the "same" as the one held (or an older, smaller
#: answer or decision), a "grown" answer or decision that replaced the smaller one,
#: "evidence" written (sent, or made from a conflicting message), or "known" evidence
#: against a trustee already convicted.
OUTCOMES = ("new", "same", "grown", "evidence", "known")


class AnnouncedOtherKeys(CeremonyError):
    """A second announcement for a slot that holds another one: announcements are not
    evidence (spec 8.8.1), and the first stays."""


@dataclass(frozen=True)
class Admitted:
    """What `admit` did with an item: `outcome` (one of OUTCOMES), the file written or held,
    and the item that now stands for it (the evidence when a message conflicted)."""

    outcome: str
    path: Path
    item: Signed[Any] | Evidence


def admit(directory: ElectionDir, group: Group, item: Signed[Any] | Evidence) -> Admitted:
    """Check `item` against the directory and take it in (module docstring). Raises
    InvalidCeremonyMessage for a message that is not its sender's (wrong election, sender
    outside the manifest, no announcement, bad signature) or evidence that proves nothing;
    AnnouncedOtherKeys for a second, different announcement."""
    manifest = load_manifest(directory)
    parameters = manifest.ceremony_parameters()
    transcript = load_transcript(directory, group, manifest)
    if isinstance(item, Evidence):
        check_new_evidence(transcript, item)
        path = publish_evidence(directory, item)
        known = directory.evidence_path(item.sender)
        return Admitted("evidence" if path else "known", path or known, item)
    message = item.message
    sender = message.sender
    if sender not in parameters.indices:
        raise InvalidCeremonyMessage(
            f"a {message.ROUND} message of trustee {sender}: the manifest has trustees 1 to "
            f"{parameters.trustees}"
        )
    announced = transcript.announcements.get(sender)
    if message.ROUND == "announce":
        key = message.signing_key
    elif announced is None:
        raise InvalidCeremonyMessage(
            f"a {message.ROUND} message of trustee {sender}, who has not announced its keys here"
        )
    else:
        key = announced.message.signing_key
        check_envelope(announced, parameters, sender, key)
    check_envelope(item, parameters, sender, key)
    held = dict(transcript.rounds())[message.ROUND].get(sender)
    if held is None:
        return Admitted("new", publish_message(directory, item), item)
    path = directory.message_path(message.ROUND, sender)
    if held == item:
        return Admitted("same", path, item)
    if message.ROUND == "announce":
        raise AnnouncedOtherKeys(f"trustee {sender} announced other keys already ({path})")
    if not conflict(held.message, message):
        if isinstance(message, Answer | Decision) and _smaller(held.message, message):
            return Admitted("grown", publish_grown(directory, item, group), item)
        return Admitted("same", path, held)
    evidence = Evidence.of(held, item)
    check_new_evidence(transcript, evidence)
    written = publish_evidence(directory, evidence)
    return Admitted(
        "evidence" if written else "known",
        written or directory.evidence_path(sender),
        evidence,
    )


def _smaller(held: Any, new: Answer | Decision) -> bool:
    """Whether `new` holds all of `held` (they do not conflict, so one holds the other)."""
    if isinstance(new, Decision):
        return set(held.without) <= set(new.without)
    return set(held.revealed) <= set(new.revealed)
