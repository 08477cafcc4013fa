"""Whether an election directory's ceremony is closed, and its late files (spec 8.8.2).

The ceremony's transcript closes when at least t trustees endorsed the outcome it gives (the
credential list's endorsements, spec 9.4), or when the board was opened from it. From then on
`ceremony/` stays the endorsed transcript: every tool that takes in a ceremony file (a step,
a decision, `ceremony evidence`, the ceremony channel) writes it into `ceremony/late/`, where
it is checked and named, and never evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from votecrypt.errors import CeremonyError, EncodingError, FileError, ManifestError, RefusedData
from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.late import late_items
from votecrypt.protocol.ceremony.messages import InvalidCeremonyMessage
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript, evaluate
from votecrypt.protocol.credentials import CredentialList, Endorsement, check_endorsements
from votecrypt.protocol.setup import endorsing_keys
from votecrypt.service.election_dir import (
    ElectionDir,
    decode_messages,
    endorsement_paths,
    late_files,
    load_credentials,
    load_endorsement,
    load_manifest,
    load_transcript,
)


def endorsers(
    directory: ElectionDir,
    group: Group,
    transcript: Transcript,
    outcome: CeremonyOutcome | None = None,
) -> tuple[int, ...]:
    """The trustees whose endorsement of `credentials.json` verifies over `outcome` (by
    default the outcome the transcript gives), when they are at least t (spec 9.4); ()
    otherwise (no list yet, too few endorsements, or no outcome)."""
    return endorsement_check(directory, group, transcript, outcome)[0]


def endorsement_check(
    directory: ElectionDir,
    group: Group,
    transcript: Transcript,
    outcome: CeremonyOutcome | None = None,
) -> tuple[tuple[int, ...], list[str]]:
    """`endorsers`, and a line for each endorsement file that does not count: it is not an
    endorsement, endorses another list, or does not verify under its trustee's key over the
    outcome (spec 8.8.2). Each file counts or is skipped on its own: anyone who can write a
    file into `endorsements/` must not be able to reopen a closed ceremony."""
    if not directory.credentials.exists() or not directory.endorsements.is_dir():
        return (), []
    try:
        outcome = outcome or evaluate(group, transcript)
        credentials = load_credentials(directory)
    except (CeremonyError, RefusedData):
        return (), []
    keys = endorsing_keys(transcript, outcome)
    list_hash = credentials.list_hash()
    valid: list[Endorsement] = []
    skipped = []
    for path in endorsement_paths(directory):
        try:
            endorsement = load_endorsement(path, list_hash)
        except (EncodingError, FileError, RefusedData) as error:
            skipped.append(str(error))
            continue
        if not check_endorsements(credentials, [endorsement], outcome.transcript_hash, keys, 0):
            skipped.append(
                f"{path} does not verify under trustee {endorsement.trustee}'s key over "
                "the outcome of these messages"
            )
            continue
        valid.append(endorsement)
    try:
        return (
            check_endorsements(
                credentials, valid, outcome.transcript_hash, keys, outcome.threshold
            ),
            skipped,
        )
    except RefusedData:
        return (), skipped


#: A credential list and endorsements of it (spec 9.4), as the board publishes them.
Endorsed = tuple[CredentialList, Sequence[Endorsement]]


def closing(directory: ElectionDir, group: Group) -> Endorsed | None:
    """The credential list and the endorsements that close the directory's transcript (spec
    8.8.2), None while it is open: what the ceremony channel carries, so that a trustee's
    copy, which holds at most its own endorsement, closes too (`closes`). A file that does
    not read (or changed meanwhile) leaves it open: the channel then carries nothing."""
    try:
        manifest = load_manifest(directory)
        endorsed = endorsers(directory, group, load_transcript(directory, group, manifest))
        if not endorsed:
            return None
        credentials = load_credentials(directory)
        list_hash = credentials.list_hash()
        return credentials, [
            load_endorsement(directory.endorsements / f"credentials-{i}.json", list_hash)
            for i in endorsed
        ]
    except (EncodingError, FileError, RefusedData, ManifestError):
        return None


def closes(group: Group, transcript: Transcript, endorsed: Endorsed) -> bool:
    """Whether `endorsed` closes `transcript` (spec 8.8.2): at least t of the endorsements
    verify over the outcome this transcript gives, under its qualified trustees' keys. The
    endorsements come from the ceremony channel, which is trusted for nothing: they close a
    transcript only if t trustees signed its very outcome."""
    try:
        outcome = evaluate(group, transcript)
        credentials, endorsements = endorsed
        check_endorsements(
            credentials,
            endorsements,
            outcome.transcript_hash,
            endorsing_keys(transcript, outcome),
            outcome.threshold,
        )
    except (CeremonyError, RefusedData):
        return False
    return True


def copied_in_late(directory: ElectionDir, threshold: int) -> str:
    """What to say when t trustees endorsed the outcome file but the messages of `ceremony/`
    give another outcome: a late file was copied there by hand (spec 8.8.2)."""
    return (
        f"{directory.outcome} is endorsed by {threshold} trustees or more, but the files in "
        f"{directory.ceremony} now give another outcome: a file copied there arrived after "
        f"the outcome was endorsed; move it into {directory.late} (spec 8.8.2)"
    )


def closed(directory: ElectionDir, group: Group) -> bool:
    """Whether files arriving now are late (spec 8.8.2): the board was opened from the
    directory, or t trustees endorsed the outcome its messages give."""
    if directory.board.exists():
        return True
    manifest = load_manifest(directory)
    return bool(endorsers(directory, group, load_transcript(directory, group, manifest)))


def late_report(directory: ElectionDir, group: Group) -> list[tuple[str, str]]:
    """Each late item (spec 8.8.2) with its file name in `ceremony/late/`, checked against
    the directory's transcript and named, in the order of `late_items`. Raises for the first
    file that does not check, naming it (EncodingError, FileError, InvalidCeremonyMessage)."""
    manifest = load_manifest(directory)
    transcript = load_transcript(directory, group, manifest)
    files = _checked_files(directory, group, transcript)
    items = late_items(transcript, decode_messages(files, group, manifest))
    return [(f"{kind}-{sender}.json", name) for kind, sender, name in items]


def late_record(directory: ElectionDir, group: Group) -> dict[str, bytes]:
    """The late files a record keeps in `ceremony-late/` (spec 8.8.2, 15.1): each file of
    `ceremony/late/` that `late_items` reads, by name, with the bytes that were checked.
    Raises for the first one that does not check, as `late_report`: a record never
    publishes a late file the verifier would refuse."""
    transcript = load_transcript(directory, group, load_manifest(directory))
    return {path.name: data for path, data in _checked_files(directory, group, transcript).items()}


def _checked_files(
    directory: ElectionDir, group: Group, transcript: Transcript
) -> dict[Path, bytes]:
    """The late files and their bytes, each decoded and checked on its own so that a refusal
    names its file."""
    manifest = load_manifest(directory)
    files = late_files(directory)
    for path, data in files.items():
        try:
            late_items(transcript, decode_messages({path: data}, group, manifest))
        except InvalidCeremonyMessage as error:
            raise InvalidCeremonyMessage(f"{path}: {error}") from None
    return files
