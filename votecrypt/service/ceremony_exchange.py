"""Taking a ceremony message or evidence into an election directory, checked (spec 8.2, 8.8.1,
8.9, 11.13).

One rule for every way a file arrives from someone else: the board server's ceremony channel
taking a message it is sent, and a trustee's computer taking the messages it pulls from the
channel. Each item is checked before it is written (rule 1): a message against its sender's
announcement in the directory (an announcement against its own key), evidence as the board
checks it. Then, as on the USB stick: a new message is written; the same one changes nothing;
a grown answer or decision replaces the smaller one (8.9); and a message that conflicts with
the one the directory holds is not lost: the two are written as evidence (8.8.1). And
`ceremony evidence`: a file someone was shown, compared with the directory's copy. Once the
directory's outcome is endorsed (8.8.2), all of this goes into `ceremony/late/`, compared
with the endorsed transcript: it is named there and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from votecrypt.errors import CeremonyError, EncodingError, FileError
from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.messages import (
    EVIDENCE_ROUNDS,
    Answer,
    Decision,
    Evidence,
    InvalidCeremonyMessage,
    Signed,
    check_envelope,
    conflict,
)
from votecrypt.protocol.setup import check_new_evidence
from votecrypt.record.ceremony_codec import message_from_json
from votecrypt.service.ceremony_late import Endorsed, closed, closes
from votecrypt.service.election_dir import (
    ElectionDir,
    load_late,
    load_manifest,
    load_transcript,
    publish_evidence,
    publish_grown,
    publish_message,
)
from votecrypt.storage.files import read_file

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


def admit(
    directory: ElectionDir,
    group: Group,
    item: Signed[Any] | Evidence,
    endorsed: Endorsed | None = None,
) -> Admitted:
    """Check `item` against the directory and take it in (module docstring). `endorsed`: the
    endorsements the ceremony channel carries; when they close the directory's transcript
    (`closes`), the item is late as in a directory that holds them. Raises
    InvalidCeremonyMessage for a message that is not its sender's (wrong election, sender
    outside the manifest, no announcement, bad signature) or evidence that proves nothing;
    AnnouncedOtherKeys for a second, different announcement."""
    manifest = load_manifest(directory)
    parameters = manifest.ceremony_parameters()
    transcript = load_transcript(directory, group, manifest)
    late = closed(directory, group) or (
        endorsed is not None and closes(group, transcript, endorsed)
    )
    if isinstance(item, Evidence):
        check_new_evidence(transcript, item)
        path = publish_evidence(directory, item, late=late)
        return Admitted(
            "evidence" if path else "known", path or _known(directory, item.sender), item
        )
    message = item.message
    sender = message.sender
    if sender not in parameters.indices:
        raise InvalidCeremonyMessage(
            f"a {message.ROUND} message of trustee {sender}: the manifest has trustees 1 to "
            f"{parameters.trustees}"
        )
    announced = transcript.announcements.get(sender)
    if message.ROUND == "announce" and late and announced is None:
        # Signed under the key it announces, anyone could have written it (spec 8.8.2).
        raise InvalidCeremonyMessage(
            f"a late announce message of trustee {sender}, who did not announce"
        )
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
    path = directory.message_path(message.ROUND, sender)
    if late and held != item:
        # After the close (8.8.2) a late copy of this round and sender is the one to grow or
        # to conflict with: compared with it, as the transcript's message is before.
        later = dict(load_late(directory, group, manifest).rounds())[message.ROUND].get(sender)
        if later is not None:
            held, path = later, directory.message_path(message.ROUND, sender, late=True)
    if held is None:
        return Admitted("new", publish_message(directory, item, late=late), item)
    if held == item:
        return Admitted("same", path, item)
    if message.ROUND == "announce":
        raise AnnouncedOtherKeys(f"trustee {sender} announced other keys already ({path})")
    if not conflict(held.message, message):
        if isinstance(message, Answer | Decision) and _smaller(held.message, message):
            return Admitted("grown", publish_grown(directory, item, group, late=late), item)
        return Admitted("same", path, held)
    evidence = Evidence.of(held, item)
    check_new_evidence(transcript, evidence)
    written = publish_evidence(directory, evidence, late=late)
    return Admitted(
        "evidence" if written else "known",
        written or _known(directory, sender),
        evidence,
    )


def _known(directory: ElectionDir, sender: int) -> Path:
    """The evidence file against `sender` the directory holds: the transcript's, or else
    the late one (spec 8.8.2)."""
    path = directory.evidence_path(sender)
    return path if path.exists() else directory.evidence_path(sender, late=True)


def _smaller(held: Any, new: Answer | Decision) -> bool:
    """Whether `new` holds all of `held` (they do not conflict, so one holds the other)."""
    if isinstance(new, Decision):
        return set(held.without) <= set(new.without)
    return set(held.revealed) <= set(new.revealed)


class NotEvidence(FileError):
    """A message file that convicts nobody beside the directory's copy (spec 8.8.1): the same
    message, a grown answer or decision, an announcement, or nothing to compare it with."""


def ceremony_evidence(
    directory: ElectionDir, group: Group, path: Path
) -> tuple[Evidence, Path | None]:
    """Compare a ceremony message file from elsewhere (a USB stick, another trustee's copy)
    with the directory's message of the same round and sender; when the two conflict, write
    the evidence that convicts the sender (spec 8.8.1). Both signatures are checked against
    the sender's announcement in the directory first (rule 1): InvalidCeremonyMessage if one
    fails. Returns the evidence and its file, None when evidence against that sender was
    there already."""
    manifest = load_manifest(directory)
    try:
        other = message_from_json(
            read_file(path, what="ceremony message", max_bytes=1 << 22), group
        )
    except EncodingError as exc:
        raise EncodingError(f"{path}: {exc}") from None
    round_name, sender = other.message.ROUND, other.message.sender
    if round_name not in EVIDENCE_ROUNDS:
        raise NotEvidence(
            f"{path}: an announcement is signed by the key it announces, so two of them prove "
            "nothing against a trustee; compare the key fingerprints read aloud at the meeting"
        )
    transcript = load_transcript(directory, group, manifest)
    rounds = dict(transcript.rounds())
    mine = rounds[round_name].get(sender)
    if mine is None:
        raise NotEvidence(
            f"{path}: the directory holds no {round_name} message of trustee {sender} to "
            f"compare it with; copy the file into {directory.ceremony}"
        )
    if not conflict(mine.message, other.message):
        what = "the same message as" if mine == other else "a grown or smaller copy of"
        raise NotEvidence(
            f"{path} is {what} {directory.message_path(round_name, sender)}: no evidence"
        )
    evidence = Evidence.of(mine, other)
    check_new_evidence(transcript, evidence)
    return evidence, publish_evidence(directory, evidence, late=closed(directory, group))
