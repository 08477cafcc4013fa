"""Setting up the board and voting (spec 9, 10, 11).

credentials = issue(directory)           # private codes for the envelopes
board, context = open_board(directory, group)
receipt = cast(board, context, code, choices)
close_voting(board, context)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from votecrypt.errors import BoardError, EncodingError, ManifestError
from votecrypt.math.group import Group
from votecrypt.protocol.booth import PreparedBallot, prepare_ballot
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import (
    Credential,
    credential_from_code,
    credentials_from_codes,
    issue_credentials,
)
from votecrypt.record.ballot_codec import ballot_plain, challenged_plain
from votecrypt.record.ceremony_codec import message_to_json, outcome_from_json, outcome_to_json
from votecrypt.record.election_codec import (
    close_plain,
    credentials_from_plain,
    credentials_plain,
    manifest_from_plain,
    open_plain,
)
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.service.election_dir import (
    ElectionDir,
    load_manifest,
    load_outcome,
    load_transcript,
)
from votecrypt.storage.board import BulletinBoard, Receipt
from votecrypt.storage.files import read_file, write_atomic


def issue(
    directory: ElectionDir,
    count: int | None = None,
    *,
    keep_codes: Callable[[list[Credential]], None] | None = None,
    codes: Sequence[str] | None = None,
) -> list[Credential]:
    """Issue one credential per ballot (the manifest's number unless `count` is given) and
    publish the public keys. Returns the private credentials: print them, store nothing.

    `keep_codes` is called with the credentials before anything is published, so the private
    codes are safe before the public list exists; `codes` publishes the list of codes kept by
    an interrupted run instead of new ones (spec 9.3)."""
    manifest = load_manifest(directory)
    count = manifest.credentials if count is None else count
    if count != manifest.credentials:
        raise ManifestError(f"the manifest issues {manifest.credentials} ballots, not {count}")
    if directory.credentials.exists():
        raise BoardError(f"credentials were already issued ({directory.credentials})")
    election = manifest.manifest_hash()
    if codes is None:
        credentials, public_keys = issue_credentials(election, count)
    else:
        credentials, public_keys = credentials_from_codes(election, codes, count)
    if keep_codes is not None:
        keep_codes(credentials)
    write_atomic(directory.credentials, canonical_json(credentials_plain(election, public_keys)))
    return credentials


def open_board(directory: ElectionDir, group: Group) -> tuple[BulletinBoard, ElectionContext]:
    """Create the bulletin board: the manifest, every ceremony message, the outcome and the
    credential list, then open voting (spec 11.1)."""
    manifest = load_manifest(directory)
    outcome = load_outcome(directory, group)
    context = ElectionContext.build(group, manifest, outcome)
    transcript = load_transcript(directory, group, manifest)
    credentials = parse_json(read_file(directory.credentials, what="credential list"))
    election, _ = credentials_from_plain(credentials)
    if election != context.manifest_hash:
        raise ManifestError("the credential list was issued for another manifest")
    # Built in a temporary file and renamed into place: all of it or nothing (spec 11.4).
    with BulletinBoard.building(directory.board) as building, building.transaction():
        building.append("manifest", manifest.content())
        for _, messages in transcript.rounds():
            for index in sorted(messages):
                building.append("ceremony", parse_json(message_to_json(messages[index])))
        building.append("ceremony-outcome", parse_json(outcome_to_json(outcome)))
        building.append("credentials", credentials)
        building.append("open", open_plain(context.hash))
    board = BulletinBoard(directory.board)
    board.use_context(context)
    return board, context


def load_board(
    directory: ElectionDir, group: Group, *, read_only: bool = False
) -> tuple[BulletinBoard, ElectionContext]:
    """Open an existing board and rebuild its election context from its own entries;
    `read_only` for the commands that only read (they then work on read-only media)."""
    board = BulletinBoard(directory.board, read_only=read_only)
    try:
        manifest_entry = next(board.entries_of("manifest"))
        outcome_entry = next(board.entries_of("ceremony-outcome"))
    except StopIteration:
        board.close_connection()
        raise BoardError(
            "the board has not been set up (no manifest or ceremony outcome)"
        ) from None
    try:
        manifest = manifest_from_plain(manifest_entry.payload)
        outcome = outcome_from_json(canonical_json(outcome_entry.payload), group)
    except EncodingError as exc:
        board.close_connection()
        raise BoardError(f"the board's setup entries are invalid: {exc}") from None
    context = ElectionContext.build(group, manifest, outcome)
    board.use_context(context)
    return board, context


def prepare(context: ElectionContext, code: str, choices: Sequence[str]) -> PreparedBallot:
    """Encrypt a voter's choices (one option key, or "blank", per candidate)."""
    credential = credential_from_code(context.manifest_hash, code)
    outcomes = [context.manifest.outcome_index(choice) for choice in choices]
    return prepare_ballot(context, credential, outcomes)


def cast(board: BulletinBoard, prepared: PreparedBallot) -> Receipt:
    """Submit a prepared ballot to the board (full validation, spec 11.3)."""
    if prepared.challenged:
        raise BoardError("a challenged ballot can never be cast; prepare a new one")
    return board.submit_ballot(ballot_plain(prepared.ballot))


def challenge(board: BulletinBoard, prepared: PreparedBallot) -> Receipt:
    """Publish the ballot with its nonces revealed; it is never counted (spec 10.6)."""
    return board.submit_challenge(challenged_plain(prepared.challenge()))


def close_voting(board: BulletinBoard, context: ElectionContext) -> None:
    """Close the board: nothing is accepted afterwards (spec 11.1). The ballots are counted
    inside the write transaction of the close entry, so none can land in between."""
    with board.transaction():
        board.append(
            "close", close_plain(context.hash, board.count("ballot"), board.count("challenge"))
        )
