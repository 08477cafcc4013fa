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
from votecrypt.record.ceremony_codec import message_from_json, message_to_json
from votecrypt.service.election_dir import (
    ElectionDir,
    load_manifest,
    load_transcript,
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
        raise FileError(f"{secret_path} already exists; not replacing a trustee's secret file")
    trustee = Trustee.create(group, parameters, index, manifest.trustees[index - 1])
    announcement = trustee.announce()
    write_atomic(outbox(secret_path) / "announce.json", message_to_json(announcement))
    save_trustee(Path(secret_path), trustee, passphrase, kdf)
    published = publish_message(directory, announcement)
    return StepReport("announce", published, repeated=False, message=announcement)


def ceremony_step(
    directory: ElectionDir,
    secret_path: Path,
    passphrase: str,
    group: Group,
    step: str,
    *,
    proceed_without_missing: bool = False,
) -> StepReport:
    """Run "commit", "open", "check" or "answer" for the trustee of `secret_path`.
    `proceed_without_missing` is the board's decision to go on without the trustees the step
    waits for (spec 8.8); without it, a step that waits raises CeremonyNotReady."""
    if step not in STEP_RESULT:
        raise CeremonyError(f"unknown ceremony step {step!r}")
    manifest = load_manifest(directory)
    trustee = _load(secret_path, passphrase, group, manifest.ceremony_parameters())
    pending_copy = outbox(secret_path) / f"{step}.json"
    if STEPS.index(trustee.step) >= STEPS.index(STEP_RESULT[step]):
        return _republish(directory, group, step, pending_copy, trustee.step)
    transcript = load_transcript(directory, group, manifest)
    message: Signed[Any] | None
    if step == "commit":
        message = trustee.commit(transcript)
    elif step == "open":
        message = trustee.open(transcript, proceed_without_missing=proceed_without_missing)
    elif step == "check":
        message = trustee.check(transcript, proceed_without_missing=proceed_without_missing)
    else:
        # An answer that reveals nothing leaves the step open: it runs again for complaints
        # that come later (spec 8.7).
        message = trustee.answer(transcript, proceed_without_missing=proceed_without_missing)
    if message is not None:
        write_atomic(pending_copy, message_to_json(message))
    save_trustee(Path(secret_path), trustee, passphrase)
    published = publish_message(directory, message) if message is not None else None
    return StepReport(step, published, repeated=False, message=message)


def ceremony_finalize(
    directory: ElectionDir,
    secret_path: Path,
    passphrase: str,
    group: Group,
    *,
    close: bool = False,
) -> CeremonyOutcome:
    """Evaluate the ceremony, store the trustee's key share, and publish the outcome (or check
    it against the one already published). `close` is the board's decision to end the
    ceremony without the messages still missing (spec 8.8); once an outcome is published that
    decision is taken, so every later finalize evaluates as closed: one state, one answer."""
    manifest = load_manifest(directory)
    trustee = _load(secret_path, passphrase, group, manifest.ceremony_parameters())
    transcript = load_transcript(directory, group, manifest)
    closed = close or directory.outcome.exists()
    outcome = trustee.finalize(transcript, close=closed)
    # Publish (or compare with the published outcome) before keeping the key share, so a
    # trustee never stores a share of a key the others did not get.
    publish_outcome(directory, outcome)
    save_trustee(Path(secret_path), trustee, passphrase)
    return outcome


def ceremony_waiting(directory: ElectionDir, group: Group) -> list[str]:
    """What the ceremony in `directory` waits for (empty when it can be finalized, and once an
    outcome is published, when the ceremony is closed)."""
    if directory.outcome.exists():
        return []
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
    return StepReport(step, publish_message(directory, signed), repeated=True, message=signed)
