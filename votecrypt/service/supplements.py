"""Credential supplements while voting is open (spec 9.6): a late member's code, a spoiled or
lost slip replaced.

    credentials, supplement = prepare_supplement(directory, board, context, 1, [], keep)
    endorse_supplement(directory, number, secret, passphrase, group, added=1, cancelled=0)
    entry = publish_supplement(directory, board, context, number)      # board machine

Each step writes its own files (codes before the supplement, the supplement before any
endorsement, the board's entry in one transaction), so that a step interrupted anywhere is
finished by running it again with the same options.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from votecrypt.errors import BoardError, EncodingError, FileError, RefusedData, VotecryptError
from votecrypt.math.group import Group
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import (
    Credential,
    Endorsement,
    credential_from_code,
    credentials_from_codes,
    issue_credentials,
)
from votecrypt.protocol.setup import check_outcome, endorsing_keys
from votecrypt.protocol.supplements import Supplement, check_supplement_endorsements
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.record.log import SUPPLEMENT_KIND, Entry
from votecrypt.record.supplement_codec import (
    supplement_endorsement_from_plain,
    supplement_endorsement_plain,
    supplement_from_plain,
    supplement_plain,
)
from votecrypt.service.election_dir import (
    ElectionDir,
    load_credentials,
    load_manifest,
    load_outcome,
    load_transcript,
)
from votecrypt.storage.board import BulletinBoard
from votecrypt.storage.files import read_file, write_atomic
from votecrypt.storage.secret_file import load_trustee


def prepare_supplement(
    directory: ElectionDir,
    board: BulletinBoard,
    context: ElectionContext,
    add: int,
    cancel_codes: Sequence[str],
    keep_codes: Callable[[list[Credential]], None],
    kept: Sequence[str] | None = None,
) -> tuple[list[Credential], Supplement]:
    """The next supplement (spec 9.6): `add` new credentials (or the codes `kept` by an
    interrupted run) and the credentials of `cancel_codes` cancelled (slips handed back),
    checked against the board: voting open, the cancelled ones in force and unused, at most
    the manifest's number in force after it. `keep_codes` receives the new credentials
    before the supplement file is written, so no published key ever lacks its code."""
    # What the operator asks is checked first (bad input, or not now); the board checks it
    # all again when the endorsed supplement is appended (RefusedData).
    if board.phase() != "voting":
        raise BoardError(
            f"credentials are supplemented only while voting is open (the board is {board.phase()})"
        )
    if add < 0 or (add == 0 and not cancel_codes):
        raise VotecryptError("a supplement adds or cancels at least one credential")
    election = context.manifest_hash
    cancelled = []
    for code in cancel_codes:
        key = credential_from_code(election, code).public_key
        issued, used = board.credential_state(key.to_bytes())
        if used:
            raise VotecryptError(
                "a ballot was already cast with a code to cancel: a cast ballot stays in the "
                "count, and its credential stays issued"
            )
        if not issued:
            raise VotecryptError(
                "a code to cancel is not in force (not this election's, or already cancelled)"
            )
        cancelled.append(key)
    in_force = board.issued() + add - len(set(cancelled))
    if in_force > context.manifest.credentials:
        raise VotecryptError(
            f"{in_force} credentials would be in force; the manifest allows at most "
            f"{context.manifest.credentials} (the members summoned)"
        )
    if kept is None:
        credentials, added = issue_credentials(election, add) if add else ([], [])
    else:
        credentials, added = credentials_from_codes(election, kept, add)
        if any(board.credential_state(key.to_bytes()) != (False, False) for key in added):
            raise VotecryptError(
                "the kept codes were published already (in an earlier supplement): destroy "
                "the codes file, or give other --codes-out / --slips-out"
            )
    number = board.count(SUPPLEMENT_KIND) + 1
    supplement = Supplement.of(context.hash, number, added, set(cancelled))
    if credentials:
        keep_codes(credentials)
    try:
        write_atomic(
            directory.supplement_path(number),
            canonical_json(supplement_plain(supplement)),
            overwrite=False,
        )
    except FileError:
        raise FileError(
            f"supplement {number} is prepared already and not published: publish it "
            f"(votecrypt credentials publish-supplement) or move "
            f"{directory.supplement_path(number)} away"
        ) from None
    return credentials, supplement


def load_supplement(directory: ElectionDir, number: int) -> Supplement:
    path = directory.supplement_path(number)
    data = read_file(path, what="credential supplement", max_bytes=1 << 24)
    try:
        supplement, _ = supplement_from_plain(parse_json(data))
    except EncodingError as exc:
        raise EncodingError(f"{path}: {exc}") from None
    if supplement.number != number:
        raise EncodingError(f"{path}: the file name and the supplement's number differ")
    return supplement


@dataclass(frozen=True)
class SupplementToEndorse:
    """What a trustee is asked to endorse, checked against its own election files."""

    supplement: Supplement
    context: ElectionContext


def supplement_view(directory: ElectionDir, group: Group, number: int) -> SupplementToEndorse:
    """Supplement `number`, checked to belong to the election whose context the directory's
    own files give (the outcome re-derived from the messages, spec 8.8)."""
    manifest = load_manifest(directory)
    transcript = load_transcript(directory, group, manifest)
    outcome = check_outcome(group, transcript, load_outcome(directory, group))
    context = ElectionContext.build(group, manifest, outcome, load_credentials(directory))
    supplement = load_supplement(directory, number)
    if supplement.election != context.hash:
        raise RefusedData(
            f"supplement {number} was made for another election than this directory's "
            f"(fingerprint {context.fingerprint})"
        )
    return SupplementToEndorse(supplement, context)


def endorse_supplement(
    directory: ElectionDir,
    view: SupplementToEndorse,
    secret_path: Path,
    passphrase: str,
    group: Group,
    *,
    added: int,
    cancelled: int,
) -> Path:
    """Sign the supplement with the trustee's ceremony key (spec 9.6) once its numbers of
    added and cancelled credentials are the ones the meeting announced; write the
    endorsement file. Running it again writes the same file (Ed25519 is deterministic)."""
    supplement = view.supplement
    if (len(supplement.added), len(supplement.cancelled)) != (added, cancelled):
        raise RefusedData(
            f"supplement {supplement.number} adds {len(supplement.added)} and cancels "
            f"{len(supplement.cancelled)} credential(s), not the {added} and {cancelled} "
            "announced: it is not the supplement the meeting decided"
        )
    trustee = load_trustee(Path(secret_path), passphrase, group)
    if trustee.parameters != view.context.manifest.ceremony_parameters():
        raise RefusedData("this secret file belongs to another election")
    if trustee.outcome != view.context.ceremony:
        raise RefusedData(
            "the ceremony outcome in the election directory is not the one this trustee "
            "finalized; refusing to endorse a supplement for it"
        )
    if trustee.endorsed_list not in (None, view.context.credential_list_hash):
        raise RefusedData(
            f"trustee {trustee.index} endorsed another credential list than this directory's"
        )
    endorsement = trustee.endorse_supplement(supplement, view.context.hash)
    path = directory.supplement_endorsement_path(supplement.number, trustee.index)
    write_atomic(
        path, canonical_json(supplement_endorsement_plain(supplement, endorsement)), overwrite=False
    )
    return path


def _load_endorsements(directory: ElectionDir, supplement: Supplement) -> list[Endorsement]:
    found = []
    digest = supplement.digest()
    if directory.endorsements.is_dir():
        pattern = f"supplement-{supplement.number}-*.json"
        for path in sorted(directory.endorsements.glob(pattern)):
            data = read_file(path, what="endorsement", max_bytes=1 << 12)
            try:
                endorsed, endorsement = supplement_endorsement_from_plain(parse_json(data))
            except EncodingError as exc:
                raise EncodingError(f"{path}: {exc}") from None
            if endorsed != digest:
                raise RefusedData(
                    f"{path} endorses another supplement than number {supplement.number}"
                )
            if path.name != f"supplement-{supplement.number}-{endorsement.trustee}.json":
                raise EncodingError(f"{path}: the file name and the trustee differ")
            found.append(endorsement)
    return found


def publish_supplement(
    directory: ElectionDir, board: BulletinBoard, context: ElectionContext, number: int
) -> tuple[Entry, bool]:
    """Append supplement `number` with its valid endorsements (at least t, spec 9.6); the
    board checks it again in the append's transaction. Returns the entry and whether it was
    appended now (False: it was published before, by an earlier run)."""
    supplement = load_supplement(directory, number)
    for entry in board.entries_of(SUPPLEMENT_KIND):
        published, _ = supplement_from_plain(entry.payload)
        if published.number == number:
            if published != supplement:
                raise RefusedData(
                    f"the board holds another supplement {number} than "
                    f"{directory.supplement_path(number)}"
                )
            return entry, False
    endorsements = _load_endorsements(directory, supplement)
    transcript = load_transcript(directory, context.group, context.manifest)
    valid = check_supplement_endorsements(
        supplement,
        endorsements,
        endorsing_keys(transcript, context.ceremony),
        context.ceremony.threshold,
    )
    payload = supplement_plain(supplement, [e for e in endorsements if e.trustee in valid])
    return board.append(SUPPLEMENT_KIND, payload), True
