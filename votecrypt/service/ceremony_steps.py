"""The ceremony as separate steps on separate machines (spec 8.9).

Each step loads the trustee's encrypted secret file, reads the messages in its copy of the
election directory, runs one step and publishes the message. The order of writes makes an
interrupted step safe to run again:

    1. the new message goes to the trustee's outbox (beside its secret file);
    2. the secret file is replaced with the new state;
    3. the message is copied into the election directory.

A crash before 2 leaves the old state (the step runs again from scratch; nothing was
published); a crash after 2 leaves the message in the outbox, and running the step again
publishes that same message instead of a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from votecrypt.errors import CeremonyError, FileError
from votecrypt.math.group import Group
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.protocol.ceremony.messages import Signed
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, waiting_for
from votecrypt.protocol.ceremony.trustee import STEPS, Trustee
from votecrypt.protocol.manifest import Manifest
from votecrypt.record.ceremony_codec import message_from_json, message_to_json
from votecrypt.service.ceremony_late import closed
from votecrypt.service.election_dir import (
    ElectionDir,
    load_manifest,
    load_outcome,
    load_transcript,
    publish_grown,
    publish_message,
    publish_outcome,
)
from votecrypt.storage.files import read_file, write_atomic
from votecrypt.storage.secret_file import load_trustee, save_trustee

#: The state each step leads to; a step's message belongs to the round of the same name.
STEP_RESULT = {"commit": "committed", "open": "opened", "check": "checked", "answer": "answered"}


@dataclass(frozen=True)
class StepReport:
    """What a step did: the published file and message (if any) and whether it had already
    been done."""

    step: str
    published: Path | None
    repeated: bool
    message: Signed[Any] | None = None


def outbox(secret_path: Path) -> Path:
    return Path(str(secret_path) + ".outbox")


def trustee_init(
    directory: ElectionDir,
    secret_path: Path,
    index: int,
    passphrase: str,
    group: Group,
    kdf: KdfParameters | None = None,
) -> StepReport:
    """Create trustee `index`'s keys and secret file, and publish its announcement."""
    manifest = load_manifest(directory)
    parameters = manifest.ceremony_parameters()
    if index not in parameters.indices:
        raise CeremonyError(f"the manifest has trustees 1 to {parameters.trustees}, not {index}")
    if Path(secret_path).exists():
        return _resume_init(directory, secret_path, index, passphrase, group, manifest)
    trustee = Trustee.create(group, parameters, index, manifest.trustees[index - 1])
    announcement = trustee.announce()
    write_atomic(outbox(secret_path) / "announce.json", message_to_json(announcement))
    save_trustee(Path(secret_path), trustee, passphrase, kdf)
    published = publish_message(directory, announcement, late=closed(directory, group))
    return StepReport("announce", published, repeated=False, message=announcement)


def _resume_init(
    directory: ElectionDir,
    secret_path: Path,
    index: int,
    passphrase: str,
    group: Group,
    manifest: Manifest,
) -> StepReport:
    """`trustee init` again after the secret file was saved: publish the trustee's own
    announcement (the run may have stopped before publishing it), never new keys. The
    announcement's signature is deterministic, so it is the same message as before."""
    trustee = _load(secret_path, passphrase, group, manifest.ceremony_parameters())
    if trustee.index != index:
        raise CeremonyError(f"{secret_path} belongs to trustee {trustee.index}, not {index}")
    late = closed(directory, group)
    return StepReport(
        "announce", publish_message(directory, trustee.announce(), late=late), repeated=True
    )


def ceremony_step(
    directory: ElectionDir,
    secret_path: Path,
    passphrase: str,
    group: Group,
    step: str,
) -> StepReport:
    """Run "commit", "open", "check" or "answer" for the trustee of `secret_path`. A step
    waits (CeremonyNotReady) for every trustee the board has not decided to go on without
    (spec 8.8)."""
    if step not in STEP_RESULT:
        raise CeremonyError(f"unknown ceremony step {step!r}")
    manifest = load_manifest(directory)
    trustee = _load(secret_path, passphrase, group, manifest.ceremony_parameters())
    pending_copy = outbox(secret_path) / f"{step}.json"
    if step == "answer":
        return _answer(directory, secret_path, passphrase, group, trustee, manifest)
    if STEPS.index(trustee.step) >= STEPS.index(STEP_RESULT[step]):
        return _republish(directory, group, step, pending_copy, trustee.step)
    transcript = load_transcript(directory, group, manifest)
    message: Signed[Any]
    if step == "commit":
        message = trustee.commit(transcript)
    elif step == "open":
        message = trustee.open(transcript)
    else:
        message = trustee.check(transcript)
    write_atomic(pending_copy, message_to_json(message))
    save_trustee(Path(secret_path), trustee, passphrase)
    published = publish_message(directory, message, late=closed(directory, group))
    return StepReport(step, published, repeated=False, message=message)


def _answer(
    directory: ElectionDir,
    secret_path: Path,
    passphrase: str,
    group: Group,
    trustee: Trustee,
    manifest: Manifest,
) -> StepReport:
    """The answer step, which runs again as long as complaints come (spec 8.7, 8.9): each run
    answers every complaint it sees and keeps every share revealed before, so the answer only
    grows. Nothing to answer publishes nothing and leaves the step open."""
    pending_copy = outbox(secret_path) / "answer.json"
    earlier = (
        message_from_json(read_file(pending_copy, what="outbox message"), group, "answer")
        if pending_copy.exists()
        else None
    )
    transcript = load_transcript(directory, group, manifest)
    message = trustee.answer(transcript, earlier=earlier.message if earlier else None)
    repeated = earlier is not None and message is not None and earlier.message == message.message
    if message is not None and not repeated:
        write_atomic(pending_copy, message_to_json(message))
    save_trustee(Path(secret_path), trustee, passphrase)
    if message is None:
        return StepReport("answer", None, repeated=False)
    published = publish_grown(directory, message, group, late=closed(directory, group))
    return StepReport("answer", published, repeated, message)


def ceremony_decide(
    directory: ElectionDir, secret_path: Path, passphrase: str, group: Group, without: list[int]
) -> StepReport:
    """Publish this trustee's vote that the board go on without the trustees `without`
    (spec 8.8), grown from its earlier vote: the new decision names every trustee of the old
    one, and replaces its file (a decision and an answer are the files that grow, spec 8.9)."""
    manifest = load_manifest(directory)
    trustee = _load(secret_path, passphrase, group, manifest.ceremony_parameters())
    pending_copy = outbox(secret_path) / "decide.json"
    path = directory.message_path("decide", trustee.index)
    earlier = [
        message_from_json(read_file(copy, what="decision"), group, "decide").message
        for copy in (pending_copy, path)
        if copy.exists()
    ]
    signed = trustee.decide([*without, *(i for d in earlier for i in d.without)])
    repeated = any(d.without == signed.message.without for d in earlier)
    write_atomic(pending_copy, message_to_json(signed))
    published = publish_grown(directory, signed, group, late=closed(directory, group))
    return StepReport("decide", published, repeated, signed)


class OutcomeFileDiffers(FileError):
    """ceremony/outcome.json is not the outcome this trustee derived from its messages: the
    file binds nobody (spec 8.8), so it was not adopted nor replaced."""


class ShareWouldChange(CeremonyError):
    """The trustee finalized already, and the messages now give another outcome: its key
    share would be replaced (spec 8.8.2, 8.9), which it is only when asked."""


def ceremony_finalize(
    directory: ElectionDir,
    secret_path: Path,
    passphrase: str,
    group: Group,
    *,
    replace_share: bool = False,
) -> CeremonyOutcome:
    """Evaluate the ceremony from the messages, store the trustee's key share, and write the
    outcome file if there is none (spec 8.8, 8.9). Waits (CeremonyNotReady) while a message is
    still expected from a trustee the board has not decided to go on without. The outcome
    file binds nobody: each trustee derives the outcome itself, and a file holding another
    outcome raises OutcomeFileDiffers after the trustee's own outcome is stored. A trustee
    that finalized already and whose messages now give another outcome keeps its share
    (ShareWouldChange, nothing written) unless `replace_share`: a share silently replaced,
    by a file that arrived after the board signed, would not decrypt under the board's key.
    A file holding this trustee's earlier outcome is replaced when it finalizes again."""
    manifest = load_manifest(directory)
    trustee = _load(secret_path, passphrase, group, manifest.ceremony_parameters())
    transcript = load_transcript(directory, group, manifest)
    earlier = trustee.outcome
    outcome = trustee.finalize(transcript)
    if earlier is not None and outcome != earlier and not replace_share:
        raise ShareWouldChange(
            "your key share was finalized for another outcome than the messages now give "
            f"(election key {earlier.joint_key.hex()[:16]}..., now "
            f"{outcome.joint_key.hex()[:16]}...); it was kept: compare the messages with the "
            "other members (`ceremony status`); a file that arrived after the board signed "
            f"belongs in {directory.late}; to take the new outcome, run `ceremony finalize` "
            "again with --replace-share"
        )
    save_trustee(Path(secret_path), trustee, passphrase)
    published = load_outcome(directory, group) if directory.outcome.exists() else None
    if published is None or (published == earlier and published != outcome):
        publish_outcome(directory, outcome)
    elif published != outcome:
        raise OutcomeFileDiffers(
            f"{directory.outcome} holds another outcome than the one your messages give; it "
            "binds nobody and was not adopted (your own is stored): compare the messages with "
            "the other trustees (`ceremony status`); if yours are complete, the file is wrong: "
            "delete it and finalize again"
        )
    return outcome


def ceremony_waiting(directory: ElectionDir, group: Group) -> list[str]:
    """What the ceremony in `directory` waits for (empty when it can be finalized)."""
    manifest = load_manifest(directory)
    return waiting_for(group, load_transcript(directory, group, manifest))


def _load(secret_path: Path, passphrase: str, group: Group, parameters: object) -> Trustee:
    trustee = load_trustee(Path(secret_path), passphrase, group)
    if trustee.parameters != parameters:
        raise CeremonyError("this secret file belongs to another election (manifest differs)")
    return trustee


def _republish(
    directory: ElectionDir, group: Group, step: str, pending_copy: Path, current: str
) -> StepReport:
    if not pending_copy.exists():
        raise CeremonyError(f"this trustee cannot {step} now: its last step was {current!r}")
    signed = message_from_json(read_file(pending_copy, what="outbox message"), group, step)
    published = publish_message(directory, signed, late=closed(directory, group))
    return StepReport(step, published, repeated=True, message=signed)
