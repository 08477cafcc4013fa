"""The shared election directory: where public files are exchanged (spec 15.4).

    ELECTION/
      manifest.json                the manifest (spec 7)
      ceremony/<round>-<j>.json    ceremony messages (spec 8.2), one per round and trustee
      ceremony/decide-<j>.json     trustee j's decision (spec 8.8); it and answer-<j>.json grow,
                                   each replacing itself with a larger one (spec 8.9)
      ceremony/evidence-<j>.json   two different signed messages of one round from trustee j
                                   (spec 8.8.1): it is convicted of equivocation
      ceremony/outcome.json        the ceremony outcome (spec 8.8)
      ceremony/late/               messages and evidence that arrived after t trustees endorsed
                                   the outcome (spec 8.8.2), by the same names: never evaluated
      credentials.json             the public credential list (spec 9.3)
      endorsements/credentials-<j>.json   trustee j's endorsement of that list (spec 9.4)
      supplements/supplement-<n>.json     credential supplement n (spec 9.6)
      endorsements/supplement-<n>-<j>.json   trustee j's endorsement of it
      board.sqlite                 the bulletin board (spec 11)
      decryption/share-<j>.json    decryption shares (spec 12.2)
      record/                      the exported election record (spec 15)

Each trustee works on its own copy of this directory (a USB stick, a shared folder): files
are only ever added, never changed, so copies merge by copying files across. A file that would
replace a different one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from votecrypt.errors import EncodingError, FileError, ManifestError, RefusedData
from votecrypt.math.group import Group
from votecrypt.protocol.ceremony.messages import ROUNDS, Answer, Decision, Evidence, Signed
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript
from votecrypt.protocol.credentials import CredentialList, Endorsement
from votecrypt.protocol.manifest import Manifest
from votecrypt.record.ceremony_codec import (
    evidence_from_json,
    evidence_to_json,
    message_from_json,
    message_to_json,
    outcome_from_json,
    outcome_to_json,
)
from votecrypt.record.election_codec import (
    credentials_from_plain,
    endorsement_from_plain,
    manifest_from_json,
    manifest_to_json,
)
from votecrypt.record.json_codec import parse_json
from votecrypt.storage.files import read_file, write_atomic


@dataclass(frozen=True)
class ElectionDir:
    """Paths inside one election directory."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def ceremony(self) -> Path:
        return self.root / "ceremony"

    @property
    def late(self) -> Path:
        """Where the ceremony's files that arrive after the outcome was endorsed go (spec
        8.8.2): the messages of `ceremony/` stay the endorsed transcript."""
        return self.ceremony / "late"

    @property
    def outcome(self) -> Path:
        return self.ceremony / "outcome.json"

    @property
    def credentials(self) -> Path:
        return self.root / "credentials.json"

    @property
    def endorsements(self) -> Path:
        return self.root / "endorsements"

    def endorsement_path(self, trustee: int) -> Path:
        return self.endorsements / f"credentials-{trustee}.json"

    def supplement_path(self, number: int) -> Path:
        return self.root / "supplements" / f"supplement-{number}.json"

    def supplement_endorsement_path(self, number: int, trustee: int) -> Path:
        return self.endorsements / f"supplement-{number}-{trustee}.json"

    @property
    def board(self) -> Path:
        return self.root / "board.sqlite"

    @property
    def decryption(self) -> Path:
        return self.root / "decryption"

    @property
    def record(self) -> Path:
        return self.root / "record"

    def message_path(self, round_name: str, sender: int, *, late: bool = False) -> Path:
        return (self.late if late else self.ceremony) / f"{round_name}-{sender}.json"

    def evidence_path(self, sender: int, *, late: bool = False) -> Path:
        return (self.late if late else self.ceremony) / f"evidence-{sender}.json"

    def share_path(self, trustee: int) -> Path:
        return self.decryption / f"share-{trustee}.json"


def create_election(root: Path, manifest: Manifest) -> ElectionDir:
    """Write the manifest of a new election; refuses to replace another election's."""
    directory = ElectionDir(Path(root))
    write_atomic(directory.manifest, manifest_to_json(manifest), overwrite=False)
    return directory


def load_manifest(directory: ElectionDir) -> Manifest:
    data = read_file(directory.manifest, what="manifest")
    try:
        return manifest_from_json(data)
    except EncodingError as exc:
        raise ManifestError(f"{directory.manifest}: {exc}") from None


def publish_message(directory: ElectionDir, signed: Signed[Any], *, late: bool = False) -> Path:
    """Write a ceremony message file (into `ceremony/late/` when `late`, spec 8.8.2); an
    existing different file is never replaced."""
    same = _held_already(directory, signed) if late else None
    if same is not None:
        return same
    path = directory.message_path(signed.message.ROUND, signed.message.sender, late=late)
    write_atomic(path, message_to_json(signed), overwrite=False)
    return path


def _held_already(directory: ElectionDir, signed: Signed[Any]) -> Path | None:
    """The transcript's file when it holds this very message: a copy of it is not late."""
    path = directory.message_path(signed.message.ROUND, signed.message.sender)
    if path.exists() and read_file(path, what="ceremony message", max_bytes=1 << 23) == (
        message_to_json(signed)
    ):
        return path
    return None


def publish_grown(
    directory: ElectionDir,
    signed: Signed[Decision] | Signed[Answer],
    group: Group,
    *,
    late: bool = False,
) -> Path:
    """Write a trustee's decision (spec 8.8) or answer (spec 8.7), the two messages that grow
    (into `ceremony/late/` when `late`, spec 8.8.2). The file replaces the sender's earlier
    one only when it holds all of it (every trustee the earlier decision named, every share
    the earlier answer revealed), spec 8.9."""
    message = signed.message
    same = _held_already(directory, signed) if late else None
    if same is not None:
        return same
    path = directory.message_path(message.ROUND, message.sender, late=late)
    if path.exists():
        data = read_file(path, what="ceremony message", max_bytes=1 << 22)
        try:
            earlier = message_from_json(data, group, message.ROUND).message
        except EncodingError as exc:
            raise EncodingError(f"{path}: {exc}") from None
        if earlier.sender != message.sender or not _grows(earlier, message):
            what = "decision naming trustees" if message.ROUND == "decide" else "answer revealing"
            raise FileError(
                f"{path} holds a {what} {_items(earlier)}; a new one must hold every one of them"
            )
    write_atomic(path, message_to_json(signed))
    return path


def _items(message: Decision | Answer) -> list[int]:
    if isinstance(message, Decision):
        return list(message.without)
    return [r.recipient for r in message.revealed]


def _grows(earlier: Decision | Answer, later: Decision | Answer) -> bool:
    if isinstance(earlier, Decision) and isinstance(later, Decision):
        return set(earlier.without) <= set(later.without)
    if isinstance(earlier, Answer) and isinstance(later, Answer):
        return set(earlier.revealed) <= set(later.revealed)
    return False


def load_transcript(directory: ElectionDir, group: Group, manifest: Manifest) -> Transcript:
    """Every ceremony message in the directory, decoded strictly (signatures are checked when
    the transcript is evaluated)."""
    return _load_messages(directory.ceremony, group, manifest)


def load_late(directory: ElectionDir, group: Group, manifest: Manifest) -> Transcript:
    """The messages and evidence of `ceremony/late/` (spec 8.8.2), decoded strictly as in
    `ceremony/`: they arrived after the outcome was endorsed and are never evaluated."""
    return decode_messages(late_files(directory), group, manifest)


def late_files(directory: ElectionDir) -> dict[Path, bytes]:
    """The files of `ceremony/late/` read as late items (spec 8.8.2), with their bytes: the
    names `<round>-<j>.json` and `evidence-<j>.json` as in `ceremony/`. Under such a name
    only a regular file is read (FileError for a symlink, a folder): what is checked is what
    a record copies, and no file outside the folder is read or published."""
    files = {}
    for path in _message_paths(directory.late):
        if path.is_symlink() or not path.is_file():
            raise FileError(f"{path} is not a regular file (a late ceremony file is one)")
        files[path] = read_file(path, what="ceremony message", max_bytes=1 << 23)
    return files


def _message_paths(folder: Path) -> list[Path]:
    """The files of `folder` named as ceremony messages or evidence, <round>-<j>.json;
    EncodingError for a round's name with another spelling of <j>."""
    paths = []
    if folder.is_dir():
        for path in sorted(folder.glob("*-*.json")):
            round_name, _, sender = path.stem.rpartition("-")
            if round_name not in (*ROUNDS, "evidence"):
                continue
            if not (sender.isascii() and sender.isdigit()) or sender != str(int(sender)):
                # "announce-01.json" beside "announce-1.json" would let a file choose which
                # message counts: only the one canonical name per round and sender is read.
                raise EncodingError(f"{path}: a ceremony message file is named <round>-<j>.json")
            paths.append(path)
    return paths


def _load_messages(folder: Path, group: Group, manifest: Manifest) -> Transcript:
    files = {
        path: read_file(path, what="ceremony message", max_bytes=1 << 23)
        for path in _message_paths(folder)
    }
    return decode_messages(files, group, manifest)


def decode_messages(files: dict[Path, bytes], group: Group, manifest: Manifest) -> Transcript:
    """The transcript of ceremony message and evidence files (named by `_message_paths`),
    decoded strictly: each file's item must be the one its name says."""
    parameters = manifest.ceremony_parameters()
    rounds: dict[str, dict[int, Signed[Any]]] = {name: {} for name in ROUNDS}
    evidence: dict[int, Evidence] = {}
    for path, data in files.items():
        round_name, _, sender = path.stem.rpartition("-")
        if round_name == "evidence":
            evidence[int(sender)] = _read_evidence(path, data, group, int(sender))
            continue
        try:
            signed = message_from_json(data, group, round_name)
        except EncodingError as exc:
            raise EncodingError(f"{path}: {exc}") from None
        if signed.message.sender != int(sender):
            raise EncodingError(f"{path}: the file name and the sender differ")
        rounds[round_name][int(sender)] = signed
    return Transcript(
        parameters,
        announcements=rounds["announce"],
        commits=rounds["commit"],
        openings=rounds["open"],
        checks=rounds["check"],
        answers=rounds["answer"],
        decisions=rounds["decide"],
        evidence=evidence,
    )


def _read_evidence(path: Path, data: bytes, group: Group, sender: int) -> Evidence:
    try:
        evidence = evidence_from_json(data, group)
    except EncodingError as exc:
        raise EncodingError(f"{path}: {exc}") from None
    if evidence.sender != sender:
        raise EncodingError(f"{path}: the file name and the sender differ")
    return evidence


def publish_evidence(
    directory: ElectionDir, evidence: Evidence, *, late: bool = False
) -> Path | None:
    """Write the evidence against its sender (spec 8.8.1; into `ceremony/late/` when `late`,
    8.8.2), unless the directory holds evidence against that sender already (one proof
    convicts; None then)."""
    path = directory.evidence_path(evidence.sender, late=late)
    if path.exists() or directory.evidence_path(evidence.sender).exists():
        return None
    write_atomic(path, evidence_to_json(evidence), overwrite=False)
    return path


def publish_outcome(directory: ElectionDir, outcome: CeremonyOutcome) -> None:
    """Write the ceremony outcome file, a copy for comparing that binds nobody (spec 8.8):
    whoever relies on the outcome derives it from the messages."""
    write_atomic(directory.outcome, outcome_to_json(outcome))


def load_outcome(directory: ElectionDir, group: Group) -> CeremonyOutcome:
    data = read_file(directory.outcome, what="ceremony outcome")
    try:
        return outcome_from_json(data, group)
    except EncodingError as exc:
        raise EncodingError(f"{directory.outcome}: {exc}") from None


def load_credentials(directory: ElectionDir) -> CredentialList:
    """The issued credential list (credentials.json), decoded strictly."""
    data = read_file(directory.credentials, what="credential list", max_bytes=1 << 28)
    try:
        credentials, _ = credentials_from_plain(parse_json(data))
    except EncodingError as exc:
        raise EncodingError(f"{directory.credentials}: {exc}") from None
    return credentials


def load_endorsements(directory: ElectionDir, credentials: CredentialList) -> list[Endorsement]:
    """The trustees' endorsement files of this credential list (spec 9.4). A file for another
    list (a different hash) is refused: the trustees endorsed something else."""
    list_hash = credentials.list_hash()
    return [load_endorsement(path, list_hash) for path in endorsement_paths(directory)]


def endorsement_paths(directory: ElectionDir) -> list[Path]:
    """The endorsement files of the directory, by name (spec 9.4)."""
    if not directory.endorsements.is_dir():
        return []
    return sorted(directory.endorsements.glob("credentials-*.json"))


def load_endorsement(path: Path, list_hash: bytes) -> Endorsement:
    """One endorsement file of the credential list whose hash is `list_hash` (spec 9.4);
    EncodingError or RefusedData naming the file if it is not one."""
    data = read_file(path, what="endorsement", max_bytes=1 << 12)
    try:
        endorsed, endorsement = endorsement_from_plain(parse_json(data))
    except EncodingError as exc:
        raise EncodingError(f"{path}: {exc}") from None
    if endorsed != list_hash:
        raise RefusedData(f"{path} endorses another credential list")
    if path.name != f"credentials-{endorsement.trustee}.json":
        raise EncodingError(f"{path}: the file name and the trustee differ")
    return endorsement
