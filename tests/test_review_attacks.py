"""Attacks found in review of the trust boundaries (spec 17.1): each test shows a way a
dishonest board operator (board.sqlite and the public files, no trustee secret) still gets an
honest tool to act on data that was never checked. Each fails until the hole is closed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from election_helpers import OpenElection
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main

from votecrypt.errors import RefusedData, TallyError
from votecrypt.math import Group
from votecrypt.math.scalar import Scalar
from votecrypt.protocol.tally import TallyAccumulator
from votecrypt.record.ballot_codec import ballot_from_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import GENESIS
from votecrypt.record.tally_codec import share_from_json, tally_plain
from votecrypt.service.counting import (
    compute_tally,
    decrypt_results,
    tally_to_decrypt,
    trustee_decrypt,
)
from votecrypt.service.voting import cast, close_voting, load_board, prepare
from votecrypt.storage.board import BulletinBoard


@pytest.fixture
def tallied(tmp_path: Path, fast_group: Group) -> OpenElection:
    """Three ballots cast (voter 0: high, blank; voter 1: low, blank; voter 2: medium,
    blank), closed and honestly tallied."""
    election = OpenElection(tmp_path / "election", fast_group, ballots=4, candidates=2)
    board, context = election.board, election.context
    for credential, choice in zip(election.credentials[:3], ["high", "low", "medium"], strict=True):
        cast(board, prepare(context, credential.code, [choice, "blank"]))
    close_voting(board, context)
    compute_tally(board, context)
    election.close()
    election.announced = tally_to_decrypt(election.directory, fast_group).board_hash  # type: ignore[attr-defined]
    return election


def _one_ballot_tally(election: OpenElection, group: Group, payload: Any) -> Any:
    accumulator = TallyAccumulator(group, election.context.rows, election.context.packing.lanes)
    accumulator.add(ballot_from_plain(payload, group))
    return tally_plain(accumulator.result(election.context.hash))


def _insert_raw(path: Path, seq: int, kind: str, payload: Any) -> None:
    """What the operator does with the database file: one row, outside the board's API."""
    db = sqlite3.connect(path, isolation_level=None)
    digest = os.urandom(32)  # the hash column is only checked by whoever reads the row
    db.execute(
        "INSERT INTO entries (seq, kind, payload, prev, hash) VALUES (?, ?, ?, ?, ?)",
        (seq, kind, canonical_json(payload), GENESIS, digest),
    )
    db.close()


def _first_ballot(path: Path) -> Any:
    board = BulletinBoard(path)
    with board:
        return next(board.entries_of("ballot")).payload


# 1. An entry with a negative sequence number: the verifier never reads it (entries() starts at
#    seq 0), but `next(board.entries_of(kind))` returns it first.


def test_a_tally_hidden_at_a_negative_seq_is_not_decrypted(
    tallied: OpenElection, fast_group: Group
) -> None:
    """The operator adds a row (seq -1, kind tally) holding voter 0's ballot as a "tally".
    `tally_to_decrypt` verifies the log from seq 0 (the true tally passes), then decrypts
    `next(entries_of("tally"))`, the hidden row. Two honest trustees then reveal voter 0's
    vote."""
    board_path = tallied.directory.board
    _insert_raw(
        board_path, -1, "tally", _one_ballot_tally(tallied, fast_group, _first_ballot(board_path))
    )
    shares = {}
    for trustee in (1, 2):
        try:
            path = trustee_decrypt(
                tallied.directory,
                tallied.secrets[trustee],
                tallied.passphrases[trustee],
                fast_group,
                announced=tallied.announced,
            )
        except (RefusedData, TallyError):
            continue
        shares[trustee] = share_from_json(path.read_bytes(), fast_group)
    if len(shares) == 2:
        verified = tally_to_decrypt(tallied.directory, fast_group)
        results = decrypt_results(
            verified.context,
            verified.tally,
            shares,
            (1, 2),
            issued=verified.context.manifest.credentials,
        )
        counts = [row.counts for row in results.candidates]
        pytest.fail(f"honest trustees decrypted voter 0's ballot alone: {counts}")
    assert not shares, "an honest trustee decrypted something else than the true tally"


def test_an_outcome_hidden_at_a_negative_seq_does_not_reach_the_booth(
    tallied: OpenElection, fast_group: Group
) -> None:
    """The operator adds a row (seq -1, kind ceremony-outcome) with its own joint key. The
    booth's `load_board` verifies the log from seq 0, then builds its context from
    `next(entries_of("ceremony-outcome"))`: the voter's ballot is encrypted under the
    operator's key, which decrypts it alone."""
    board_path = tallied.directory.board
    board = BulletinBoard(board_path)
    with board:
        outcome = json.loads(json.dumps(next(board.entries_of("ceremony-outcome")).payload))
    secret = Scalar.random()
    operator_key = fast_group.multiply_generator(secret)
    outcome["joint_key"] = operator_key.hex()
    _insert_raw(board_path, -1, "ceremony-outcome", outcome)
    try:
        ballot_box, context = load_board(tallied.directory, fast_group)
    except RefusedData:
        return
    ballot_box.close_connection()
    prepared = prepare(context, tallied.credentials[3].code, ["high", "blank"])
    row = prepared.ballot.rows[0].ciphertexts[0]
    plaintext_point = row.beta - secret * row.alpha
    revealed = [
        option
        for option, value in zip(
            context.manifest.outcomes(), context.packing.allowed(), strict=True
        )
        if (fast_group.multiply_generator(Scalar(value[0])) if value[0] else None)
        == (None if plaintext_point.is_identity() else plaintext_point)
    ]
    pytest.fail(
        f"the booth encrypted under the operator's key; the operator reads row 0 as {revealed}"
    )


# 2. Time of check, time of use: the board is verified in one read and used in another. The
#    operator, who owns the database file, rewrites an entry in between (simulated here by
#    doing the write right after the verifier returns, as a concurrent process could).


def _swap_after_verification(
    monkeypatch: pytest.MonkeyPatch, module: Any, board_path: Path, kind: str, payload: Any
) -> None:
    real = module.check_log

    def verify_then_swap(*args: Any, **kwargs: Any) -> Any:
        verified = real(*args, **kwargs)
        db = sqlite3.connect(board_path, isolation_level=None)
        db.execute("UPDATE entries SET payload = ? WHERE kind = ?", (canonical_json(payload), kind))
        db.close()
        return verified

    monkeypatch.setattr(module, "check_log", verify_then_swap)


def test_the_tally_cannot_be_swapped_after_the_trustee_verified_it(
    tallied: OpenElection, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tally_to_decrypt` runs the verifier over the board, then reads the tally entry again
    with a second query. The operator replaces the tally row in between with voter 0's
    ballot; the trustee decrypts it (and records that tally as the one it decrypted)."""
    import votecrypt.service.counting as counting

    board_path = tallied.directory.board
    forged = _one_ballot_tally(tallied, fast_group, _first_ballot(board_path))
    _swap_after_verification(monkeypatch, counting, board_path, "tally", forged)
    try:
        verified = tally_to_decrypt(tallied.directory, fast_group)
    except (RefusedData, TallyError):
        return
    assert verified.ballots != 1 and tally_plain(verified.tally) != forged, (
        "the trustee would decrypt voter 0's ballot: the tally it was given is not the one "
        "it verified"
    )


def test_the_outcome_cannot_be_swapped_after_the_booth_verified_it(
    tallied: OpenElection, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`verified_context` verifies the setup, then reads the outcome entry again. The operator
    puts its own joint key there in between: the booth encrypts under it."""
    import votecrypt.service.voting as voting

    board_path = tallied.directory.board
    board = BulletinBoard(board_path)
    with board:
        outcome = json.loads(json.dumps(next(board.entries_of("ceremony-outcome")).payload))
    real_key = outcome["joint_key"]
    operator_key = fast_group.multiply_generator(Scalar.random())
    outcome["joint_key"] = operator_key.hex()
    _swap_after_verification(monkeypatch, voting, board_path, "ceremony-outcome", outcome)
    try:
        ballot_box, context = load_board(tallied.directory, fast_group)
    except RefusedData:
        return
    ballot_box.close_connection()
    assert context.joint_key.hex() == real_key, "the booth would encrypt under the operator's key"


# 3. A whole election of the operator's own, for the same manifest: its own trustees (it holds
#    every share), the real credential list copied and endorsed by those trustees. It verifies
#    from end to end; only the fingerprint differs, and the booth never shows it (spec 7.4 and
#    17.1 say every booth shows it before the voter casts).


def _operators_election(root: Path, group: Group, real: OpenElection) -> OpenElection:
    """The operator's election: the real manifest, the operator's ceremony, the real
    credential list endorsed by the operator's trustees."""
    from election_helpers import FAST_KDF

    from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
    from votecrypt.service.election_dir import create_election
    from votecrypt.service.endorsing import endorse, endorsement_view
    from votecrypt.service.voting import open_board

    fake = object.__new__(OpenElection)
    fake.group = group
    fake.manifest = real.manifest
    fake.directory = create_election(root, real.manifest)
    fake.passphrases = {i: f"operator-{i}" for i in (1, 2, 3)}
    fake.secrets = {i: root / "operator" / f"t{i}.secret" for i in (1, 2, 3)}
    for i, path in fake.secrets.items():
        trustee_init(fake.directory, path, i, fake.passphrases[i], group, FAST_KDF)
    for step in ("commit", "open", "check", "answer"):
        for i, path in fake.secrets.items():
            ceremony_step(fake.directory, path, fake.passphrases[i], group, step)
    for i, path in fake.secrets.items():
        ceremony_finalize(fake.directory, path, fake.passphrases[i], group)
    shutil.copy2(real.directory.credentials, fake.directory.credentials)
    fake.credentials = []
    view = endorsement_view(fake.directory, group)
    for i, path in fake.secrets.items():
        endorse(fake.directory, view, path, fake.passphrases[i], group, view.fingerprint)
    fake.board, fake.context = open_board(fake.directory, group)
    return fake


def test_the_booth_shows_the_fingerprint_of_the_election_it_encrypts_for(
    tmp_path: Path, fast_group: Group
) -> None:
    real = OpenElection(tmp_path / "real", fast_group, ballots=4, candidates=2)
    real.close()
    fake = _operators_election(tmp_path / "fake", fast_group, real)
    fake.close()
    assert fake.context.manifest_hash == real.context.manifest_hash
    assert fake.context.fingerprint != real.context.fingerprint
    # The operator serves its own board in place of the real one.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{real.directory.board}{suffix}").unlink(missing_ok=True)
    shutil.copy2(fake.directory.board, real.directory.board)

    result = CliRunner().invoke(
        main,
        [
            "ballot",
            "cast",
            str(real.directory.root),
            "--credential-stdin",
            "--choices",
            "high,blank",
            "--yes",
        ],
        env={"VOTECRYPT_PASSPHRASE": ""},
        input=real.credentials[0].code + "\n",
    )
    assert result.exit_code == 0, result.output  # a real voter's real code is accepted

    # The operator, holding every share of its key, reads that voter's ballot.
    board, context = load_board(real.directory, fast_group)
    close_voting(board, context)
    compute_tally(board, context)
    board.close_connection()
    shares = {}
    for trustee in (1, 2):
        path = trustee_decrypt(
            real.directory,
            fake.secrets[trustee],
            fake.passphrases[trustee],
            fast_group,
            announced=tally_to_decrypt(real.directory, fast_group).board_hash,
        )
        shares[trustee] = share_from_json(path.read_bytes(), fast_group)
    verified = tally_to_decrypt(real.directory, fast_group)
    results = decrypt_results(
        verified.context,
        verified.tally,
        shares,
        (1, 2),
        issued=verified.context.manifest.credentials,
    )
    assert dict(results.candidates[0].counts)["high"] == 1

    # The only defence is the fingerprint read aloud at the meeting: the booth must show the
    # fingerprint of the election it encrypted for, so the voter sees it is not the real one.
    assert fake.context.fingerprint in result.output, (
        "the booth encrypted the vote under the operator's key without showing the election "
        f"fingerprint; its output was:\n{result.output}"
    )


# 4. The credential list is swapped before the trustees endorse it. The trustee's tool checks
#    only the election id and the number of keys; `credentials issue` announces nothing the
#    trustees could compare with (no fingerprint, no list hash; spec 7.4 says the fingerprint
#    is printed on the slips), so they endorse the operator's keys.


def test_a_list_swapped_before_the_endorsements_is_noticed_by_the_trustees(
    tmp_path: Path, fast_group: Group
) -> None:
    from election_helpers import FAST_KDF, manifest_for

    from votecrypt.primitives.signing import SigningKey
    from votecrypt.protocol.credentials import CredentialList
    from votecrypt.record.election_codec import credentials_from_plain, credentials_plain
    from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
    from votecrypt.service.election_dir import create_election
    from votecrypt.service.voting import open_board

    directory = create_election(tmp_path / "e", manifest_for([("A", "x"), ("B", "y")], 4))
    secrets = {i: tmp_path / f"t{i}.secret" for i in (1, 2, 3)}
    for i, path in secrets.items():
        trustee_init(directory, path, i, f"pw{i}", fast_group, FAST_KDF)
    for step in ("commit", "open", "check", "answer"):
        for i, path in secrets.items():
            ceremony_step(directory, path, f"pw{i}", fast_group, step)
    for i, path in secrets.items():
        ceremony_finalize(directory, path, f"pw{i}", fast_group)

    codes = tmp_path / "codes.txt"
    issued = CliRunner().invoke(
        main,
        ["credentials", "issue", str(directory.root), "--present", "4", "--codes-out", str(codes)],
    )
    assert issued.exit_code == 0, issued.output

    # The operator replaces one public key with one of its own before anyone signs.
    listed, _ = credentials_from_plain(json.loads(directory.credentials.read_text()))
    operator = SigningKey.generate()
    keys = [*listed.public_keys[1:], operator.verify_key]
    swapped = CredentialList.of(listed.election, keys)
    directory.credentials.write_bytes(canonical_json(credentials_plain(swapped)) + b"\n")

    # The trustees sign with the fingerprint the issuer announced: the swapped list gives
    # another one and is refused, so the board cannot open with it.
    announced = _fingerprints(issued.output)
    assert len(announced) == 1
    for i in (1, 2):
        signed = CliRunner().invoke(
            main,
            [
                "credentials",
                "sign",
                str(directory.root),
                "--secret",
                str(secrets[i]),
                "--fingerprint",
                next(iter(announced)),
            ],
            env={"VOTECRYPT_PASSPHRASE": f"pw{i}"},
        )
        assert signed.exit_code == exit_codes.INVALID, signed.output
        assert "not the list that was issued" in signed.output
    with pytest.raises(RefusedData, match="endorsed by 0"):
        open_board(directory, fast_group)


def _fingerprints(text: str) -> set[str]:
    import re

    return set(re.findall(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", text))


def test_two_honest_trustees_are_not_shown_two_different_tallies(
    tallied: OpenElection, fast_group: Group, tmp_path: Path
) -> None:
    from test_trust_boundaries import _recount, _rewrite_board

    from votecrypt.record.log import Entry
    from votecrypt.service.election_dir import ElectionDir

    real = tallied.directory
    # The operator's second board: the same log without voter 2's ballot, recounted. It is a
    # board the operator could have run (it may refuse any ballot), so it verifies.
    other = ElectionDir(tmp_path / "other-view")
    shutil.copytree(real.root, other.root)

    def drop_last_ballot(entries: list[Entry]) -> None:
        entries.pop(max(i for i, e in enumerate(entries) if e.kind == "ballot"))

    _rewrite_board(other.board, drop_last_ballot)
    _recount(other.board, fast_group, tallied)
    # Trustee 3 is the operator's: it keeps a copy of its secret file.
    copy = tmp_path / "t3-copy.secret"
    shutil.copy2(tallied.secrets[3], copy)

    revealed = []
    for directory, honest, dishonest in ((real, 1, tallied.secrets[3]), (other, 2, copy)):
        try:
            honest_share = trustee_decrypt(
                directory,
                tallied.secrets[honest],
                tallied.passphrases[honest],
                fast_group,
                announced=tallied.announced,
            )
        except (RefusedData, TallyError):
            return  # refused: the split view was noticed
        own_share = trustee_decrypt(
            directory, dishonest, tallied.passphrases[3], fast_group, announced=tallied.announced
        )
        shares = {
            honest: share_from_json(honest_share.read_bytes(), fast_group),
            3: share_from_json(own_share.read_bytes(), fast_group),
        }
        verified = tally_to_decrypt(directory, fast_group)
        results = decrypt_results(
            verified.context,
            verified.tally,
            shares,
            tuple(sorted(shares)),
            issued=verified.context.manifest.credentials,
        )
        revealed.append([dict(row.counts) for row in results.candidates])
    difference = [
        {key: a[key] - b[key] for key in a if a[key] != b[key]}
        for a, b in zip(revealed[0], revealed[1], strict=True)
    ]
    pytest.fail(f"two honest trustees decrypted two tallies; voter 2's ballot is {difference}")


# 6. Deeply nested JSON kills the process. Importing votecrypt imports py_ecc, which raises
#    the interpreter's recursion limit to 100,000 (py_ecc/__init__.py), so `json.loads` no
#    longer stops at depth 1,000 with a RecursionError (which parse_json turns into
#    EncodingError): it overflows the C stack first. 160 KB of brackets in any file or board
#    entry an honest tool reads is a segmentation fault, not a refusal.

DEEP = b"[" * 100_000 + b"]" * 100_000


def _votecrypt(*args: str | Path, passphrase: str = "") -> Any:
    import subprocess
    import sys

    script = Path(sys.executable).parent / "votecrypt"
    return subprocess.run(
        [str(script), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "VOTECRYPT_PASSPHRASE": passphrase},
        timeout=300,
        check=False,
    )


def test_a_deeply_nested_ballot_submission_is_refused_not_a_crash(
    tmp_path: Path, fast_group: Group
) -> None:
    """Anyone who can submit a ballot file to the board kills the board process."""
    from votecrypt_cli import exit_codes

    election = OpenElection(tmp_path / "e", fast_group)
    election.close()
    ballot_file = tmp_path / "ballot.json"
    ballot_file.write_bytes(DEEP)
    result = _votecrypt("ballot", "submit", election.directory.root, ballot_file)
    assert result.returncode in (exit_codes.BAD_INPUT, exit_codes.REJECTED), (
        f"exit {result.returncode} (negative: killed by a signal)\n{result.stderr[-500:]}"
    )


def test_a_deeply_nested_board_entry_is_refused_by_the_trustee(tallied: OpenElection) -> None:
    """The operator puts the brackets in the close entry: the trustee's `trustee decrypt`
    (and the verifier of an exported record) dies instead of refusing the board."""

    from votecrypt_cli import exit_codes

    db = sqlite3.connect(tallied.directory.board, isolation_level=None)
    db.execute("UPDATE entries SET payload = ? WHERE kind = 'close'", (DEEP,))
    db.close()
    result = _votecrypt(
        "trustee",
        "decrypt",
        tallied.directory.root,
        "--secret",
        tallied.secrets[1],
        "--board-hash",
        tallied.announced,  # type: ignore[attr-defined]
        passphrase=tallied.passphrases[1],
    )
    assert result.returncode in (exit_codes.BAD_INPUT, exit_codes.INVALID), (
        f"exit {result.returncode} (negative: killed by a signal)\n{result.stderr[-500:]}"
    )


# 7. Tracking: `ballot track` looks the code up with `entries_of`, so a ballot the operator
#    took out of the chain (and out of the tally) but kept at a negative sequence number is
#    shown to its voter as "cast".


def test_track_does_not_show_a_ballot_that_is_not_counted(
    tallied: OpenElection, fast_group: Group
) -> None:
    from test_trust_boundaries import _recount, _rewrite_board

    from votecrypt.record.log import Entry

    board_path = tallied.directory.board
    board = BulletinBoard(board_path)
    with board:
        last = [e for e in board.entries_of("ballot")][-1]
    code = ballot_from_plain(last.payload, fast_group).tracking_code()

    def drop(entries: list[Entry]) -> None:
        entries.pop(next(i for i, e in enumerate(entries) if e.hash == last.hash))

    _rewrite_board(board_path, drop)
    _recount(board_path, fast_group, tallied)
    assert tally_to_decrypt(tallied.directory, fast_group).ballots == 2  # verifies, D = 2
    _insert_raw(board_path, -1, "ballot", last.payload)
    # The hidden row breaks the chain: the board no longer verifies, for the trustees...
    with pytest.raises(RefusedData, match="2 log-chain"):
        tally_to_decrypt(tallied.directory, fast_group)
    # ...nor for the voter who looks the code up.
    result = CliRunner().invoke(main, ["ballot", "track", str(tallied.directory.root), code])
    assert "Found" not in result.output, result.output
    assert result.exit_code == exit_codes.INVALID, result.output


# 8. The record's credentials entry may carry endorsements that do not verify: check 8 counts
#    the valid ones and passes when t of them are, so the record names a trustee as endorsing
#    a list it never signed and still verifies (spec 9.4: the entry carries the valid
#    endorsements).


def test_the_verifier_fails_an_endorsement_that_does_not_verify(
    tallied: OpenElection, fast_group: Group
) -> None:
    from test_trust_boundaries import _replace_payload, _rewrite_board

    from votecrypt.record.log import Entry
    from votecrypt.storage.board import BoardLog
    from votecrypt.verifier.engines import LocalEngine
    from votecrypt.verifier.verify import verify_log

    def forge_third(entries: list[Entry]) -> None:
        def change(payload: Any) -> Any:
            endorsements = payload["endorsements"]
            assert [e["trustee"] for e in endorsements] == [1, 2, 3]
            endorsements[2]["signature"] = endorsements[1]["signature"]  # not trustee 3's
            return payload

        _replace_payload(entries, "credentials", change)

    _rewrite_board(tallied.directory.board, forge_third)
    board = BulletinBoard(tallied.directory.board)
    with board:
        report = verify_log(BoardLog(board), group=fast_group, engine=LocalEngine(1))
    assert report["credentials"].status == "FAIL", (
        "the record lists trustee 3 as endorsing the credential list with a signature that "
        "does not verify, and check 8 passes"
    )


# 9. A JSON integer of more than 4,300 digits: `json.loads` raises ValueError (Python's limit
#    on integer conversion), which parse_json does not turn into EncodingError. The board's
#    ballot intake and the verifier then fail with an internal error instead of refusing.

HUGE = b'{"type": "votecrypt/ballot", "version": ' + b"1" * 5000 + b"}"


def test_a_huge_integer_in_a_submitted_ballot_is_a_rejection(
    tmp_path: Path, fast_group: Group
) -> None:
    from votecrypt.errors import BallotError

    election = OpenElection(tmp_path / "e", fast_group)
    with pytest.raises(BallotError):
        election.board.submit_ballot(HUGE)
    election.close()


def test_a_huge_integer_on_the_board_fails_verification_not_the_verifier(
    tallied: OpenElection, fast_group: Group
) -> None:
    from votecrypt.storage.board import BoardLog
    from votecrypt.verifier.engines import LocalEngine
    from votecrypt.verifier.verify import verify_log

    db = sqlite3.connect(tallied.directory.board, isolation_level=None)
    db.execute("UPDATE entries SET payload = ? WHERE kind = 'close'", (HUGE,))
    db.close()
    board = BulletinBoard(tallied.directory.board)
    with board:
        try:
            report = verify_log(BoardLog(board), group=fast_group, engine=LocalEngine(1))
        except ValueError as error:
            pytest.fail(f"the verifier crashed instead of failing a check: {error}")
    assert not report.ok


# 10. Terminal control characters in the manifest's text. The operator writes the manifest;
#     its title is printed first by `trustee decrypt` ("Election: <title>"), then D, the board
#     hash and the fingerprint, which the trustee compares with the room (spec 12.2 step 4).
#     A title that prints a forged D, hash and fingerprint and then switches the terminal to
#     concealed text (ESC [8m) hides the real ones; the same works on the verifier's report
#     and on the candidate names in the booth. Decoding accepts it.

SPOOFING_TITLE = (
    "Lấy phiếu tín nhiệm\nBallots counted (D): 47\nBoard hash at the tally (entry 9): 00ff\x1b[8m"
)


@pytest.mark.parametrize("field", ["title", "candidate"])
def test_manifest_text_with_terminal_controls_is_refused(field: str) -> None:
    from election_helpers import manifest_for

    from votecrypt.errors import EncodingError, ManifestError
    from votecrypt.record.election_codec import manifest_from_plain

    plain = json.loads(json.dumps(manifest_for([("A", "x"), ("B", "y")], 4).content()))
    if field == "title":
        plain["title"] = SPOOFING_TITLE
    else:
        plain["candidates"][0]["name"] = "A\r\x1b[2KB"
    with pytest.raises((EncodingError, ManifestError)):
        manifest_from_plain(plain)


# 11. A board database whose cells have other types than the schema's: the booth and the
#     trustee fail with TypeError / OperationalError (an "internal error, please report it")
#     instead of refusing the board.


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE entries SET prev = 'not a blob' WHERE seq = 3",
        "UPDATE entries SET payload = 5 WHERE seq = 3",
        "DROP TABLE entries",
    ],
)
def test_a_mistyped_board_database_is_refused(
    tallied: OpenElection, fast_group: Group, statement: str
) -> None:
    from votecrypt.errors import VotecryptError

    db = sqlite3.connect(tallied.directory.board, isolation_level=None)
    db.execute(statement)
    db.close()
    for use in (load_board, tally_to_decrypt):
        try:
            used = use(tallied.directory, fast_group)
        except VotecryptError:
            continue
        except Exception as error:
            pytest.fail(f"{use.__name__}: {type(error).__name__}: {error}")
        pytest.fail(f"{use.__name__} accepted the board: {used}")


# 12. The one-tally-per-election record holds the tally entry's `hash` column as read from the
#     database, not a hash the trustee recomputed from what it decrypts. After the honest
#     trustees decrypted the true tally, the operator adds a row (seq -1, kind tally) with
#     voter 0's ballot under the true tally's hash and deletes the public share files: the
#     record matches, and the trustees decrypt the ballot.


def test_a_trustee_that_decrypted_the_tally_decrypts_nothing_else(
    tallied: OpenElection, fast_group: Group
) -> None:
    directory = tallied.directory
    for trustee in (1, 2):
        trustee_decrypt(
            directory,
            tallied.secrets[trustee],
            tallied.passphrases[trustee],
            fast_group,
            announced=tallied.announced,
        )
    true_head = tally_to_decrypt(directory, fast_group).head

    forged = _one_ballot_tally(tallied, fast_group, _first_ballot(directory.board))
    db = sqlite3.connect(directory.board, isolation_level=None)
    db.executescript(
        """
        CREATE TABLE copy (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload BLOB NOT NULL,
                           prev BLOB NOT NULL, hash BLOB NOT NULL);
        INSERT INTO copy SELECT * FROM entries;
        DROP TABLE entries;
        ALTER TABLE copy RENAME TO entries;
        """
    )
    db.execute(
        "INSERT INTO entries (seq, kind, payload, prev, hash) VALUES (-1, 'tally', ?, ?, ?)",
        (canonical_json(forged), GENESIS, true_head[1]),
    )
    db.close()
    shares = {}
    for trustee in (1, 2):
        directory.share_path(trustee).unlink()
        try:
            path = trustee_decrypt(
                directory,
                tallied.secrets[trustee],
                tallied.passphrases[trustee],
                fast_group,
                announced=tallied.announced,
            )
        except (RefusedData, TallyError):
            continue
        shares[trustee] = share_from_json(path.read_bytes(), fast_group)
    if len(shares) == 2:
        verified = tally_to_decrypt(directory, fast_group)
        results = decrypt_results(
            verified.context,
            verified.tally,
            shares,
            (1, 2),
            issued=verified.context.manifest.credentials,
        )
        counts = [row.counts for row in results.candidates]
        pytest.fail(
            f"after decrypting the tally, the trustees decrypted voter 0's ballot: {counts}"
        )
    assert not shares


def test_a_deeply_nested_record_fails_verification_not_the_verifier(tmp_path: Path) -> None:
    from votecrypt_cli import exit_codes

    record = tmp_path / "record"
    record.mkdir()
    (record / "log.jsonl").write_bytes(DEEP + b"\n")
    result = _votecrypt("verify", record)
    assert result.returncode == exit_codes.VERIFY_FAILED, (
        f"exit {result.returncode} (negative: killed by a signal)\n{result.stderr[-500:]}"
    )
