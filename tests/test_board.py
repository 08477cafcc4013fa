"""The bulletin board: every rejection reason, the hash chain, concurrency, closing."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from election_helpers import OpenElection

from votecrypt.errors import BallotError, BoardError
from votecrypt.math import Group, Scalar
from votecrypt.math.tags import BALLOT_ROW_PROOF
from votecrypt.primitives.elgamal import encrypt
from votecrypt.primitives.membership import _prove_membership
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.ballot import Ballot, BallotRow, row_proof_context, signature_digest
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.credentials import credential_from_code, issue_credentials
from votecrypt.record.ballot_codec import ballot_plain, ballot_to_json, challenged_plain
from votecrypt.record.log import GENESIS, entry_hash
from votecrypt.service.voting import cast, challenge, close_voting, prepare
from votecrypt.storage import board as board_module
from votecrypt.storage.board import BulletinBoard, CheckedBallot, CheckedChallenge


@pytest.fixture()
def election(group: Group, tmp_path: Path) -> Iterator[OpenElection]:
    opened = OpenElection(tmp_path / "e", group)
    yield opened
    opened.close()


def _resign(ballot: Ballot, code: str, election: bytes) -> Ballot:
    """Sign a (modified) ballot again with a credential, as an attacker holding it would."""
    credential = credential_from_code(election, code)
    unsigned = dataclasses.replace(ballot, credential=credential.public_key, signature=b"")
    return dataclasses.replace(
        unsigned, signature=credential.signing_key.sign(signature_digest(unsigned.ballot_hash()))
    )


def _reject(election: OpenElection, ballot: Ballot | bytes, reason: str) -> None:
    data = ballot if isinstance(ballot, bytes) else ballot_to_json(ballot)
    before = election.board.count()
    with pytest.raises(BallotError) as rejected:
        election.board.submit_ballot(data)
    assert rejected.value.reason == reason, rejected.value
    assert election.board.count() == before  # nothing was appended


def test_an_honest_ballot_is_accepted_once(election: OpenElection) -> None:
    code = election.credentials[0].code
    prepared = prepare(election.context, code, ["high", "blank"])
    receipt = cast(election.board, prepared)
    assert receipt.tracking_code == prepared.tracking_code
    # The same ballot again: its credential is used up.
    _reject(election, prepared.ballot, reasons.CREDENTIAL_USED)
    # A second, different ballot on the same credential: rejected (policy "reject").
    _reject(
        election, prepare(election.context, code, ["low", "low"]).ballot, reasons.CREDENTIAL_USED
    )


def test_forged_proof(election: OpenElection) -> None:
    prepared = prepare(election.context, election.credentials[0].code, ["high", "medium"])
    row = prepared.ballot.rows[0]
    challenges = (row.proof.challenges[0] + Scalar(1), *row.proof.challenges[1:])
    forged_row = BallotRow(row.ciphertexts, dataclasses.replace(row.proof, challenges=challenges))
    forged = dataclasses.replace(prepared.ballot, rows=(forged_row, *prepared.ballot.rows[1:]))
    _reject(
        election,
        _resign(forged, election.credentials[0].code, election.context.manifest_hash),
        reasons.INVALID_PROOF,
    )


def test_overvote_with_a_simulated_proof(election: OpenElection) -> None:
    # A dishonest booth encrypts 1 + B (high and medium at once) and builds the best proof it
    # can: the true-branch equations cannot hold, so the proof fails.
    context = election.context
    code = election.credentials[0].code
    honest = prepare(context, code, ["high", "high"]).ballot
    packing = context.packing
    overvote = packing.encode(1)[0] + packing.encode(2)[0]
    ciphertext, nonce = encrypt(context.joint_key, overvote)
    allowed = packing.allowed()
    proof = _prove_membership(
        context.joint_key,
        [ciphertext],
        [nonce],
        allowed,
        1,
        [Scalar.random()],
        [Scalar.random() for _ in allowed],
        [[Scalar.random()] for _ in allowed],
        tag=BALLOT_ROW_PROOF,
        context=row_proof_context(context.hash, honest.credential, honest.ballot_id, 0),
    )
    cheating = dataclasses.replace(honest, rows=(BallotRow((ciphertext,), proof), honest.rows[1]))
    _reject(election, _resign(cheating, code, context.manifest_hash), reasons.INVALID_PROOF)


def test_copied_ballot_under_another_credential(election: OpenElection) -> None:
    victim = prepare(election.context, election.credentials[0].code, ["low", "low"])
    cast(election.board, victim)
    copied = _resign(victim.ballot, election.credentials[1].code, election.context.manifest_hash)
    _reject(election, copied, reasons.INVALID_PROOF)  # the proofs bind the victim's credential


def test_bad_signature(election: OpenElection) -> None:
    ballot = prepare(election.context, election.credentials[0].code, ["high", "high"]).ballot
    tampered = dataclasses.replace(ballot, signature=bytes(64))
    _reject(election, tampered, reasons.BAD_SIGNATURE)


def test_unknown_credential(election: OpenElection) -> None:
    # A credential the board never issued (made up for the same election).
    outsider, _ = issue_credentials(election.context.manifest_hash, 1)
    ballot = prepare_ballot(election.context, outsider[0], [1, 2])
    _reject(election, ballot.ballot, reasons.UNKNOWN_CREDENTIAL)


def test_wrong_election(group: Group, election: OpenElection, tmp_path: Path) -> None:
    other = OpenElection(tmp_path / "other", group)
    try:
        ballot = prepare(other.context, other.credentials[0].code, ["high", "high"]).ballot
    finally:
        other.close()
    _reject(election, ballot, reasons.WRONG_ELECTION)


def test_a_ballot_checked_elsewhere_makes_the_same_entry(
    election: OpenElection, tmp_path: Path, group: Group
) -> None:
    # The server's checking processes hand the board a CheckedBallot (bytes computed once);
    # the entry it makes is byte for byte the one the ballot itself makes.
    twin_path = tmp_path / "twin.sqlite"
    source, target = sqlite3.connect(election.directory.board), sqlite3.connect(twin_path)
    source.backup(target)
    source.close()
    target.close()
    twin = BulletinBoard(twin_path, group)
    twin.use_context(election.context)
    prepared = prepare(election.context, election.credentials[0].code, ["high", "blank"])
    receipt = election.board.accept_checked_ballot(CheckedBallot.of(prepared.ballot))
    assert receipt.tracking_code == prepared.tracking_code
    try:
        direct = twin.accept_checked_ballot(prepared.ballot)
        mine, theirs = election.board.entry(receipt.seq), twin.entry(direct.seq)
    finally:
        twin.close_connection()
    assert (receipt.seq, receipt.entry_hash) == (direct.seq, direct.entry_hash)
    assert mine is not None and theirs is not None
    assert mine.payload == theirs.payload == ballot_plain(prepared.ballot)
    assert (
        receipt.entry_hash == mine.hash == entry_hash(mine.seq, mine.prev, "ballot", mine.payload)
    )
    # Its stateful checks are the board's as ever: the credential is used up now.
    again = CheckedBallot.of(
        prepare(election.context, election.credentials[0].code, ["low", "low"]).ballot
    )
    with pytest.raises(BallotError) as refused:
        election.board.accept_checked_ballot(again)
    assert refused.value.reason == reasons.CREDENTIAL_USED


def test_a_challenge_checked_elsewhere_makes_the_same_entry(election: OpenElection) -> None:
    # The server's checking processes check a challenge (it encrypts what it reveals) and
    # hand the board a CheckedChallenge; the entry is the challenged ballot's own.
    prepared = prepare(election.context, election.credentials[0].code, ["low", "blank"])
    challenged = prepared.challenge()
    receipt = election.board.accept_checked_challenge(CheckedChallenge.of(challenged))
    assert receipt.tracking_code == prepared.tracking_code
    entry = election.board.entry(receipt.seq)
    assert entry is not None and entry.kind == "challenge"
    assert entry.payload == challenged_plain(challenged)
    assert receipt.entry_hash == entry.hash == entry.expected_hash()
    # Its ballot id and ciphertexts are taken now: the same challenge again, or the ballot
    # itself, is refused, and nothing is appended.
    before = election.board.count()
    for attempt in (
        lambda: election.board.accept_checked_challenge(CheckedChallenge.of(challenged)),
        lambda: election.board.accept_checked_ballot(prepared.ballot),
    ):
        with pytest.raises(BallotError) as refused:
            attempt()
        assert refused.value.reason == reasons.DUPLICATE_BALLOT_ID
    assert election.board.count() == before


def test_a_published_ciphertext_is_found_in_any_chunk_of_the_lookup(
    election: OpenElection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The board looks up a ballot's ciphertexts a few hundred at a time; a repeated one in a
    # later chunk than the first is found all the same.
    monkeypatch.setattr(board_module, "_SQL_VALUES", 1)
    first = prepare(election.context, election.credentials[0].code, ["high", "low"])
    cast(election.board, first)
    second = CheckedBallot.of(
        prepare(election.context, election.credentials[1].code, ["low", "low"]).ballot
    )
    copied = dataclasses.replace(
        second, alphas=(second.alphas[0], CheckedBallot.of(first.ballot).alphas[1])
    )
    before = election.board.count()
    with pytest.raises(BallotError) as refused:
        election.board.accept_checked_ballot(copied)
    assert refused.value.reason == reasons.DUPLICATE_CIPHERTEXT
    assert election.board.count() == before
    repeated = dataclasses.replace(second, alphas=(second.alphas[0], second.alphas[0]))
    with pytest.raises(BallotError) as refused:
        election.board.accept_checked_ballot(repeated)
    assert refused.value.reason == reasons.DUPLICATE_CIPHERTEXT
    assert election.board.count() == before


def test_ciphertext_already_seen(election: OpenElection) -> None:
    # Someone copies a challenged (published) ciphertext into their own ballot, re-proving
    # is impossible without the nonce, so the proof fails first; with the proof check passed
    # (a ballot re-submitted verbatim after a challenge) the duplicate is caught.
    code = election.credentials[0].code
    prepared = prepare(election.context, code, ["medium", "low"])
    challenge(election.board, prepared)
    _reject(election, prepared.ballot, reasons.DUPLICATE_BALLOT_ID)


def test_malformed_json(election: OpenElection) -> None:
    _reject(election, b"{not json", reasons.MALFORMED)
    ballot = prepare(election.context, election.credentials[0].code, ["high", "high"]).ballot
    _reject(
        election,
        ballot_to_json(dataclasses.replace(ballot, rows=ballot.rows[:1])),
        reasons.MALFORMED,
    )
    plain = ballot_plain(ballot)
    plain["extra"] = 1
    with pytest.raises(BallotError) as rejected:
        election.board.submit_ballot(plain)
    assert rejected.value.reason == reasons.MALFORMED


def test_after_close(election: OpenElection) -> None:
    ballot = prepare(election.context, election.credentials[0].code, ["high", "high"]).ballot
    close_voting(election.board, election.context)
    _reject(election, ballot, reasons.VOTING_CLOSED)
    with pytest.raises(BoardError):
        close_voting(election.board, election.context)


def test_challenged_ballot_reveals_and_is_not_counted(election: OpenElection) -> None:
    code = election.credentials[0].code
    receipt = challenge(election.board, prepare(election.context, code, ["low", "blank"]))
    assert receipt.seq > 0
    assert election.board.count("challenge") == 1
    # The credential is still unused: the voter now casts a real ballot.
    cast(election.board, prepare(election.context, code, ["high", "high"]))
    assert election.board.count("ballot") == 1


def test_hash_chain_of_the_board(election: OpenElection) -> None:
    cast(election.board, prepare(election.context, election.credentials[0].code, ["high", "low"]))
    previous = GENESIS
    for entry in election.board.entries():
        assert entry.prev == previous
        assert entry.hash == entry_hash(entry.seq, entry.prev, entry.kind, entry.payload)
        previous = entry.hash


def _cast_in_process(args: tuple[str, str, int]) -> str:
    from votecrypt.math import secp256k1
    from votecrypt.service.election_dir import ElectionDir
    from votecrypt.service.voting import load_board

    root, code, backend_choice = args
    board, context = load_board(ElectionDir(Path(root)), secp256k1())
    with board:
        choice = ["high", "medium", "low", "blank"][backend_choice % 4]
        return cast(board, prepare(context, code, [choice, choice])).tracking_code


def test_concurrent_writers_keep_one_chain(election: OpenElection) -> None:
    codes = [c.code for c in election.credentials]
    root = str(election.directory.root)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        codes_cast = pool.map(_cast_in_process, [(root, code, i) for i, code in enumerate(codes)])
    assert len(set(codes_cast)) == len(codes)
    assert election.board.count("ballot") == len(codes)
    seqs = [entry.seq for entry in election.board.entries()]
    assert seqs == list(range(len(seqs)))


def test_a_code_is_checked_before_the_choices_and_bad_choices_are_one_error(
    tmp_path: Path, group: Group
) -> None:
    """For integrators: one call checks a code before any choice is asked; every kind of
    invalid choice list raises BallotError("malformed")."""
    from votecrypt.errors import BallotError, EncodingError
    from votecrypt.service.voting import check_credential

    election = OpenElection(tmp_path / "e", group)
    board, context = election.board, election.context
    code = election.credentials[0].code
    check_credential(board, context, code)
    typo = ("1" if code[0] != "1" else "2") + code[1:]
    with pytest.raises(EncodingError, match="mistyped"):
        check_credential(board, context, typo)
    for wrong in (["high"], ["high", "nonsense"], ["high", "low", "low"]):
        with pytest.raises(BallotError) as refused:
            prepare(context, code, wrong)
        assert refused.value.reason == reasons.MALFORMED
    cast(board, prepare(context, code, ["high", "low"]))
    with pytest.raises(BallotError) as used:
        check_credential(board, context, code)
    assert used.value.reason == reasons.CREDENTIAL_USED
    election.close()
