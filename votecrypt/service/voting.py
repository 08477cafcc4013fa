"""Setting up the board and voting (spec 9, 10, 11).

credentials = issue(directory, present)  # at the roll call: codes for the envelopes
endorse(directory, secret, passphrase, group)   # each trustee (votecrypt.service.endorsing)
board, context = open_board(directory, group)
receipt = cast(board, prepare(context, code, choices))
close_voting(board, context)

Whoever acts on the board checks it first (spec 17.1): `load_board` verifies the board's
setup (the ceremony outcome re-derived from the messages, the endorsed credential list, the
context hash) before a booth encrypts anything under its key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from votecrypt.errors import BallotError, BoardError, ManifestError, RefusedData
from votecrypt.math.group import Group
from votecrypt.protocol.ballot import (
    CREDENTIAL_CANCELLED,
    CREDENTIAL_USED,
    MALFORMED,
    UNKNOWN_CREDENTIAL,
    VOTING_CLOSED,
)
from votecrypt.protocol.booth import PreparedBallot, prepare_ballot
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import (
    Credential,
    CredentialList,
    check_endorsements,
    credential_from_code,
    credentials_from_codes,
    issue_credentials,
)
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.rules import format_fraction
from votecrypt.protocol.setup import check_outcome, endorsing_keys
from votecrypt.record.ballot_codec import ballot_plain, challenged_plain
from votecrypt.record.ceremony_codec import evidence_plain, message_to_json, outcome_to_json
from votecrypt.record.election_codec import (
    close_plain,
    credentials_plain,
    open_plain,
)
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.service.ceremony_late import copied_in_late, endorsers
from votecrypt.service.election_dir import (
    ElectionDir,
    load_credentials,
    load_endorsements,
    load_manifest,
    load_outcome,
    load_transcript,
)
from votecrypt.storage.board import BoardLog, BulletinBoard, Receipt
from votecrypt.storage.files import write_atomic
from votecrypt.verifier.engines import LocalEngine
from votecrypt.verifier.report import VerificationReport
from votecrypt.verifier.verify import check_log


def issue(
    directory: ElectionDir,
    count: int | None = None,
    *,
    keep_codes: Callable[[list[Credential]], None] | None = None,
    codes: Sequence[str] | None = None,
) -> list[Credential]:
    """Issue one credential per member present at the roll call (`count`; all the manifest
    allows if None, spec 9.3) and publish the public keys. Returns the private credentials:
    print them, store nothing.

    `keep_codes` is called with the credentials before anything is published, so the private
    codes are safe before the public list exists; `codes` publishes the list of codes kept by
    an interrupted run instead of new ones (spec 9.3)."""
    manifest = load_manifest(directory)
    count = manifest.credentials if count is None else count
    check_roll_call(manifest, count)
    if directory.credentials.exists():
        raise BoardError(f"credentials were already issued ({directory.credentials})")
    election = manifest.manifest_hash()
    if codes is None:
        credentials, public_keys = issue_credentials(election, count)
    else:
        credentials, public_keys = credentials_from_codes(election, codes, count)
    if keep_codes is not None:
        keep_codes(credentials)
    listed = CredentialList.of(election, public_keys)
    write_atomic(directory.credentials, canonical_json(credentials_plain(listed)))
    return credentials


def check_roll_call(manifest: Manifest, present: int) -> None:
    """ManifestError unless `present` ballots may be issued (spec 9.3): at least one, at
    most the manifest's `credentials` (the packing's bound, spec 6.1), and, unless the
    manifest records an override, at least the quorum of those summoned (13.2)."""
    if not 1 <= present <= manifest.credentials:
        raise ManifestError(
            f"{present} ballots cannot be issued: the manifest allows 1 to "
            f"{manifest.credentials} (the members summoned)"
        )
    if not manifest.quorum_override and not manifest.rules.quorum_met(present, manifest.summoned):
        raise ManifestError(
            f"{present} present of {manifest.summoned} summoned is below the quorum of "
            f"{format_fraction(manifest.rules.quorum)}: the vote may not proceed"
        )


def open_board(directory: ElectionDir, group: Group) -> tuple[BulletinBoard, ElectionContext]:
    """Create the bulletin board: the manifest, every ceremony message, the outcome and the
    credential list with at least t trustees' endorsements, then open voting (spec 11.1).
    Everything is checked first: the outcome against the messages (spec 8.8), the
    endorsements against the qualified trustees' keys (spec 9.4)."""
    manifest = load_manifest(directory)
    transcript = load_transcript(directory, group, manifest)
    published = load_outcome(directory, group)
    try:
        outcome = check_outcome(group, transcript, published)
    except RefusedData:
        if endorsers(directory, group, transcript, published):
            raise RefusedData(copied_in_late(directory, manifest.threshold)) from None
        raise
    credentials = load_credentials(directory)
    endorsements = load_endorsements(directory, credentials)
    valid = check_endorsements(
        credentials,
        endorsements,
        outcome.transcript_hash,
        endorsing_keys(transcript, outcome),
        outcome.threshold,
    )
    context = ElectionContext.build(group, manifest, outcome, credentials)
    # Built in a temporary file and renamed into place: all of it or nothing (spec 11.4).
    with BulletinBoard.building(directory.board, group) as building, building.transaction():
        building.append("manifest", manifest.content())
        for _, messages in transcript.rounds():
            for index in sorted(messages):
                building.append("ceremony", parse_json(message_to_json(messages[index])))
        for index in sorted(transcript.evidence):
            building.append("ceremony", evidence_plain(transcript.evidence[index]))
        building.append("ceremony-outcome", parse_json(outcome_to_json(outcome)))
        building.append(
            "credentials",
            credentials_plain(credentials, [e for e in endorsements if e.trustee in valid]),
        )
        building.append("open", open_plain(context.hash))
    board = BulletinBoard(directory.board, group)
    board.use_context(context)
    return board, context


def load_board(
    directory: ElectionDir, group: Group, *, read_only: bool = False
) -> tuple[BulletinBoard, ElectionContext]:
    """Open an existing board, verify its setup from its own entries (spec 17.1: a booth
    never encrypts under a key it has not re-derived) and return it with its context;
    `read_only` for the commands that only read (they then work on read-only media)."""
    board = BulletinBoard(directory.board, group, read_only=read_only)
    try:
        context = verified_context(board, group)
    except BaseException:
        board.close_connection()
        raise
    board.use_context(context)
    return board, context


def verified_context(board: BulletinBoard, group: Group) -> ElectionContext:
    """The election context of a board whose setup (every entry up to `open`) verifies:
    chain, order, one entry of each single item, the outcome the ceremony messages give, the
    endorsed credential list, the context hash named by `open`. RefusedData otherwise. The
    context is the one the verification built: nothing is read from the board again."""
    if board.count("open") == 0:
        raise BoardError("the board has not been opened yet (votecrypt board open)")
    verified = check_log(BoardLog(board), group=group, engine=LocalEngine(1), until="open")
    refuse_unless_verified(verified.report, "election-context", "refusing to use it")
    if verified.context is None:  # cannot happen once election-context passed
        raise RefusedData("the board's election context was not established")
    return verified.context


def refuse_unless_verified(report: VerificationReport, needed: str, act: str) -> None:
    """RefusedData unless no check failed and check `needed` passed (spec 17.1)."""
    failed = report.failed()
    if failed or report[needed].status != "PASS":
        details = "; ".join(f"{c.number} {c.name}: {c.failures[0]}" for c in failed if c.failures)
        raise RefusedData(
            f"the board does not verify, {act} ({details or needed + ' not reached'})"
        )


#: Why a code is refused whose credential a supplement cancelled (spec 9.6).
CANCELLED_CODE = "the counting board cancelled this code (its slip was replaced)"


def check_credential(board: BulletinBoard, context: ElectionContext, code: str) -> None:
    """Check a voter's code before any choice is asked: EncodingError if it is mistyped (its
    check characters), BallotError with the board's reason code if a ballot on it would be
    refused (voting not open, a credential not issued, one already used: spec 11.3 steps
    5-7). Only the public key derived on this device is looked up."""
    credential = credential_from_code(context.manifest_hash, code)
    if board.phase() != "voting":
        raise BallotError(VOTING_CLOSED, "the board is not accepting ballots")
    issued, used = board.credential_state(credential.public_key.to_bytes())
    if not issued and board.credential_cancelled(credential.public_key.to_bytes()):
        raise BallotError(CREDENTIAL_CANCELLED, CANCELLED_CODE)
    if not issued:
        raise BallotError(
            UNKNOWN_CREDENTIAL,
            "this code is not one the counting board issued for this election; it may be mistyped",
        )
    if used:
        raise BallotError(CREDENTIAL_USED, "a ballot was already cast with this code")


def prepare(context: ElectionContext, code: str, choices: Sequence[str]) -> PreparedBallot:
    """Encrypt a voter's choices (one option key, or "blank", per candidate). A mistyped code
    raises EncodingError; choices that are not one valid option per candidate raise
    BallotError ("malformed"), whatever is wrong with them."""
    credential = credential_from_code(context.manifest_hash, code)
    try:
        outcomes = [context.manifest.outcome_index(choice) for choice in choices]
    except ManifestError as error:
        raise BallotError(MALFORMED, str(error)) from None
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
