"""Attacks by a dishonest board operator (who holds no trustee secret), each refused by the
honest party that would act on the forged data (spec 17.1).

The operator controls board.sqlite and every public file of the administrator's directory:
the tests rewrite them the way such an operator would (recomputing the hash chain), then run
the honest tools.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from election_helpers import OpenElection

from votecrypt.errors import BoardError, EncodingError, FileError, RefusedData, TallyError
from votecrypt.math import Group
from votecrypt.primitives.signing import SigningKey, VerifyKey
from votecrypt.protocol.context import election_fingerprint
from votecrypt.protocol.tally import TallyAccumulator
from votecrypt.record.ballot_codec import ballot_from_plain, challenged_plain
from votecrypt.record.election_codec import credentials_from_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import Entry, entry_hash
from votecrypt.record.tally_codec import tally_plain
from votecrypt.service.counting import compute_tally, tally_to_decrypt, trustee_decrypt
from votecrypt.service.voting import cast, challenge, close_voting, load_board, open_board, prepare
from votecrypt.storage.board import BulletinBoard
from votecrypt.storage.secret_file import load_trustee


def _rewrite_board(path: Path, edit: Callable[[list[Entry]], None]) -> None:
    """What an operator with the database can do: change the entries and re-chain them."""
    board = BulletinBoard(path)
    with board:
        entries = list(board.entries())
    edit(entries)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    db.execute("DELETE FROM entries")
    previous = bytes(32)
    for seq, entry in enumerate(entries):
        digest = entry_hash(seq, previous, entry.kind, entry.payload)
        db.execute(
            "INSERT INTO entries (seq, kind, payload, prev, hash) VALUES (?, ?, ?, ?, ?)",
            (seq, entry.kind, canonical_json(entry.payload), previous, digest),
        )
        previous = digest
    db.execute("COMMIT")
    db.close()


def _index(entries: list[Entry], kind: str) -> int:
    return next(i for i, e in enumerate(entries) if e.kind == kind)


def _replace_payload(entries: list[Entry], kind: str, change: Callable[[Any], Any]) -> None:
    i = _index(entries, kind)
    e = entries[i]
    entries[i] = Entry(e.seq, e.kind, change(json.loads(json.dumps(e.payload))), e.prev, e.hash)


@pytest.fixture
def tallied(tmp_path: Path, fast_group: Group) -> OpenElection:
    """An election with three ballots cast (one after a challenge), closed and tallied."""
    election = OpenElection(tmp_path / "election", fast_group, ballots=4, candidates=2)
    board, context = election.board, election.context
    challenge(board, prepare(context, election.credentials[0].code, ["high", "low"]))
    for credential, choice in zip(election.credentials[:3], ["high", "low", "medium"], strict=True):
        cast(board, prepare(context, credential.code, [choice, "blank"]))
    close_voting(board, context)
    compute_tally(board, context)
    election.close()
    election.announced = tally_to_decrypt(election.directory, fast_group).board_hash  # type: ignore[attr-defined]
    return election


# 1. A trustee never decrypts anything but the true tally.


def _forged_tally(election: OpenElection, group: Group, ballots: list[Any]) -> dict[str, Any]:
    accumulator = TallyAccumulator(group, election.context.rows, election.context.packing.lanes)
    for payload in ballots:
        accumulator.add(ballot_from_plain(payload, group))
    return tally_plain(accumulator.result(election.context.hash))


def test_a_tally_of_one_voters_rows_is_refused(tallied: OpenElection, fast_group: Group) -> None:
    def one_voter(entries: list[Entry]) -> None:
        first = next(e.payload for e in entries if e.kind == "ballot")
        _replace_payload(entries, "tally", lambda _: _forged_tally(tallied, fast_group, [first]))

    _rewrite_board(tallied.directory.board, one_voter)
    with pytest.raises(RefusedData, match="16 tally"):
        tally_to_decrypt(tallied.directory, fast_group)
    with pytest.raises(RefusedData):
        trustee_decrypt(
            tallied.directory,
            tallied.secrets[1],
            tallied.passphrases[1],
            fast_group,
            announced=tallied.announced,
        )
    assert not tallied.directory.share_path(1).exists()


def test_a_tally_with_a_row_per_ballot_is_refused(tallied: OpenElection, fast_group: Group) -> None:
    """Every ballot's rows stacked as rows of one "tally": decrypting it would reveal every
    vote. Its shape differs from the manifest's, and it is not the sum."""

    def stacked(entries: list[Entry]) -> None:
        ballots = [e.payload for e in entries if e.kind == "ballot"]

        def change(payload: Any) -> Any:
            payload["rows"] = [row["ciphertexts"] for b in ballots for row in b["rows"]]
            return payload

        _replace_payload(entries, "tally", change)

    _rewrite_board(tallied.directory.board, stacked)
    with pytest.raises(RefusedData):
        tally_to_decrypt(tallied.directory, fast_group)


def test_a_trustee_decrypts_one_tally_per_election(
    tallied: OpenElection, fast_group: Group, tmp_path: Path
) -> None:
    directory = tallied.directory
    secret, passphrase = tallied.secrets[1], tallied.passphrases[1]
    share = trustee_decrypt(directory, secret, passphrase, fast_group, announced=tallied.announced)
    first = share.read_bytes()
    recorded = load_trustee(secret, passphrase, fast_group).decrypted_tally
    assert recorded is not None
    # Running it again for the same tally leaves the share as it is.
    assert (
        trustee_decrypt(
            directory, secret, passphrase, fast_group, announced=tallied.announced
        ).read_bytes()
        == first
    )

    # A second, different board (the same election, one ballot less) is refused, even with
    # the share file moved away.
    def drop_last_ballot(entries: list[Entry]) -> None:
        last = max(i for i, e in enumerate(entries) if e.kind == "ballot")
        entries.pop(last)

    copy = tmp_path / "second"
    shutil.copytree(directory.root, copy)
    from votecrypt.service.election_dir import ElectionDir

    other = ElectionDir(copy)
    board = BulletinBoard(other.board)
    with board:
        entries = list(board.entries())
    assert entries  # the rewrite below recomputes close and tally for the shorter log
    _rewrite_board(other.board, drop_last_ballot)
    _recount(other.board, fast_group, tallied)
    other.share_path(1).unlink()
    with pytest.raises(RefusedData, match="already decrypted another tally"):
        trustee_decrypt(
            other,
            secret,
            passphrase,
            fast_group,
            announced=tally_to_decrypt(other, fast_group).board_hash,
        )
    assert not other.share_path(1).exists()


def _recount(path: Path, group: Group, election: OpenElection) -> None:
    """Fix close and tally after the operator dropped a ballot, so the log verifies."""

    def fix(entries: list[Entry]) -> None:
        ballots = [e.payload for e in entries if e.kind == "ballot"]

        def close(payload: Any) -> Any:
            payload["ballots"] = len(ballots)
            return payload

        _replace_payload(entries, "close", close)
        _replace_payload(entries, "tally", lambda _: _forged_tally(election, group, ballots))

    _rewrite_board(path, fix)


def test_an_existing_share_file_is_never_overwritten(
    tallied: OpenElection, fast_group: Group
) -> None:
    path = tallied.directory.share_path(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a share\n")
    with pytest.raises(FileError, match="move it away"):
        trustee_decrypt(
            tallied.directory,
            tallied.secrets[2],
            tallied.passphrases[2],
            fast_group,
            announced=tallied.announced,
        )
    assert path.read_text() == "not a share\n"


def test_a_trustee_shown_another_board_than_announced_refuses(
    tallied: OpenElection, fast_group: Group
) -> None:
    """Split views: the operator shows this trustee a board with a ballot less (recounted,
    so it verifies). The board hash announced in the room differs: refused."""

    def drop_last_ballot(entries: list[Entry]) -> None:
        entries.pop(max(i for i, e in enumerate(entries) if e.kind == "ballot"))

    _rewrite_board(tallied.directory.board, drop_last_ballot)
    _recount(tallied.directory.board, fast_group, tallied)
    verified = tally_to_decrypt(tallied.directory, fast_group)  # the board itself verifies
    assert verified.ballots == 2
    with pytest.raises(RefusedData, match="not the board the others decrypt"):
        trustee_decrypt(
            tallied.directory,
            tallied.secrets[1],
            tallied.passphrases[1],
            fast_group,
            announced=tallied.announced,  # type: ignore[attr-defined]
        )
    # A mistyped hash is bad input (exit 3), refused before the board is verified.
    for typed in ("abc", "zz" * 8, "0" * 65):
        with pytest.raises(EncodingError, match="at least 16 hex digits"):
            verified.check_announced(typed)


def test_the_trustee_sees_what_it_decrypts(tallied: OpenElection, fast_group: Group) -> None:
    verified = tally_to_decrypt(tallied.directory, fast_group)
    assert verified.ballots == 3
    assert verified.title == tallied.manifest.title
    board = BulletinBoard(tallied.directory.board)
    with board:
        tally_entry = next(board.entries_of("tally"))
    assert verified.head == (tally_entry.seq, tally_entry.hash)


# 2. The voter's ballot is encrypted under the real election key.


def test_a_booth_refuses_an_outcome_with_the_operators_key(
    tallied: OpenElection, fast_group: Group
) -> None:
    operator = fast_group.generator.hex()

    def own_key(entries: list[Entry]) -> None:
        def change(payload: Any) -> Any:
            payload["joint_key"] = operator
            return payload

        _replace_payload(entries, "ceremony-outcome", change)

    _rewrite_board(tallied.directory.board, own_key)
    with pytest.raises(RefusedData, match="6 ceremony-outcome"):
        load_board(tallied.directory, fast_group)


def test_a_forged_outcome_placed_first_is_refused(tallied: OpenElection, fast_group: Group) -> None:
    def forged_first(entries: list[Entry]) -> None:
        i = _index(entries, "ceremony-outcome")
        real = entries[i]
        payload = json.loads(json.dumps(real.payload))
        payload["joint_key"] = fast_group.generator.hex()
        entries.insert(i, Entry(real.seq, real.kind, payload, real.prev, real.hash))

    _rewrite_board(tallied.directory.board, forged_first)
    with pytest.raises(RefusedData, match="a second ceremony-outcome entry"):
        load_board(tallied.directory, fast_group)


def test_the_board_refuses_a_second_single_item(tmp_path: Path, fast_group: Group) -> None:
    election = OpenElection(tmp_path / "e", fast_group)
    board = election.board
    outcome = next(board.entries_of("ceremony-outcome")).payload
    credentials = next(board.entries_of("credentials")).payload
    for kind, payload in (("ceremony-outcome", outcome), ("credentials", credentials)):
        with pytest.raises(BoardError):
            board.append(kind, payload)
    close_voting(board, election.context)
    with pytest.raises(BoardError, match="cannot be appended"):
        board.append("close", next(board.entries_of("close")).payload)
    election.close()


def test_the_board_refuses_a_setup_it_cannot_re_derive(tmp_path: Path, fast_group: Group) -> None:
    """Building a board by hand: every setup entry is checked as it is appended."""
    election = OpenElection(tmp_path / "e", fast_group)
    honest = list(election.board.entries())
    election.close()
    with BulletinBoard.building(tmp_path / "forged.sqlite", fast_group) as forged:
        forged.append("manifest", honest[0].payload)
        ceremony = [e for e in honest if e.kind == "ceremony"]
        # Out of order: the last ceremony message first.
        with pytest.raises(RefusedData, match="round by round"):
            forged.append("ceremony", ceremony[-1].payload)
            forged.append("ceremony", ceremony[0].payload)
    forged_path = tmp_path / "forged2.sqlite"
    with BulletinBoard.building(forged_path, fast_group) as forged:
        forged.append("manifest", honest[0].payload)
        for entry in ceremony:
            forged.append("ceremony", entry.payload)
        outcome = next(e.payload for e in honest if e.kind == "ceremony-outcome")
        own = dict(outcome, joint_key=fast_group.generator.hex())
        with pytest.raises(RefusedData, match="not the one its messages give"):
            forged.append("ceremony-outcome", own)
        forged.append("ceremony-outcome", outcome)
        with pytest.raises(BoardError, match="already holds a ceremony-outcome entry"):
            forged.append("ceremony-outcome", outcome)
        credentials = next(e.payload for e in honest if e.kind == "credentials")
        with pytest.raises(RefusedData, match="endorsed by 0"):
            forged.append("credentials", dict(credentials, endorsements=[]))
        forged.append("credentials", credentials)
        with pytest.raises(RefusedData, match="context hash"):
            forged.append("open", dict(honest[-1].payload, election="00" * 32))


# 3. The credential list is authenticated by the counting board.


def _operator_key() -> VerifyKey:
    return SigningKey.from_secret_bytes(b"\x07" * 32).verify_key


def test_a_swapped_credential_list_does_not_open(tmp_path: Path, fast_group: Group) -> None:
    election = OpenElection(tmp_path / "e", fast_group)
    election.close()
    directory = election.directory
    directory.board.unlink()
    listed = json.loads(directory.credentials.read_text())
    listed["public_keys"] = sorted([*listed["public_keys"][1:], _operator_key().hex()])
    directory.credentials.write_bytes(canonical_json(listed))
    with pytest.raises(RefusedData, match="endorses another credential list"):
        open_board(directory, fast_group)
    # Without the endorsement files, too few endorse it.
    shutil.rmtree(directory.endorsements)
    with pytest.raises(RefusedData, match="endorsed by 0 qualified trustee"):
        open_board(directory, fast_group)
    assert not directory.board.exists()


def test_a_swapped_credential_list_on_the_board_is_refused(
    tallied: OpenElection, fast_group: Group
) -> None:
    def swap(entries: list[Entry]) -> None:
        def change(payload: Any) -> Any:
            payload["public_keys"] = sorted([*payload["public_keys"][1:], _operator_key().hex()])
            return payload

        _replace_payload(entries, "credentials", change)

    _rewrite_board(tallied.directory.board, swap)
    with pytest.raises(RefusedData, match="8 credentials"):
        load_board(tallied.directory, fast_group)
    with pytest.raises(RefusedData):
        tally_to_decrypt(tallied.directory, fast_group)


def test_small_order_credential_keys_are_refused() -> None:
    p = 2**255 - 19
    y8 = 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7
    small = [0, 1, p - 1, y8, p - y8]
    encodings = [y.to_bytes(32, "little") for y in small]
    encodings += [bytes(31) + b"\x80", (y8 | 1 << 255).to_bytes(32, "little")]
    for encoding in encodings:
        with pytest.raises(EncodingError, match="small order"):
            VerifyKey.from_canonical_bytes(encoding)
    # Non-canonical encodings: y >= p, and "negative zero" x.
    with pytest.raises(EncodingError, match="y >= p"):
        VerifyKey.from_canonical_bytes((p + 1).to_bytes(32, "little"))
    with pytest.raises(EncodingError, match="negative zero"):
        VerifyKey.from_canonical_bytes((1 | 1 << 255).to_bytes(32, "little"))


def test_the_identity_key_would_verify_anything_without_the_check() -> None:
    """Why small orders are refused: the identity key accepts R = identity, S = 0 for any
    message (RFC 8032 verification as `cryptography` does it)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    identity = (1).to_bytes(32, "little")
    Ed25519PublicKey.from_public_bytes(identity).verify(identity + bytes(32), b"any message")
    with pytest.raises(EncodingError):
        VerifyKey.from_canonical_bytes(identity)


def test_small_order_points_are_exactly_the_listed_ones() -> None:
    """Edwards arithmetic in Python: each listed y gives a point with 8P = O, and a random
    key does not."""
    p = 2**255 - 19
    d = -121665 * pow(121666, p - 2, p) % p

    def add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        (x1, y1), (x2, y2) = a, b
        k = d * x1 * x2 * y1 * y2 % p
        return (
            (x1 * y2 + x2 * y1) * pow(1 + k, p - 2, p) % p,
            (y1 * y2 + x1 * x2) * pow(1 - k, p - 2, p) % p,
        )

    def point(y: int) -> tuple[int, int]:
        u, v = (y * y - 1) % p, (d * y * y + 1) % p
        x = u * pow(v, 3, p) * pow(u * pow(v, 7, p), (p - 5) // 8, p) % p
        if v * x * x % p != u:
            x = x * pow(2, (p - 1) // 4, p) % p
        assert v * x * x % p == u
        return x, y

    def times8(a: tuple[int, int]) -> tuple[int, int]:
        for _ in range(3):
            a = add(a, a)
        return a

    y8 = 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7
    for y in (0, 1, p - 1, y8, p - y8):
        assert times8(point(y)) == (0, 1)
    random_key = SigningKey.generate().verify_key.to_bytes()
    y = int.from_bytes(random_key, "little") & ((1 << 255) - 1)
    assert times8(point(y)) != (0, 1)


# 5. Challenges do not link a voter's choices to the cast ballot.


def test_a_challenge_names_no_credential(tmp_path: Path, fast_group: Group) -> None:
    election = OpenElection(tmp_path / "e", fast_group)
    board, context = election.board, election.context
    prepared = prepare(context, election.credentials[0].code, ["high", "low"])
    published = challenged_plain(prepared.challenge())
    text = json.dumps(published)
    assert prepared.ballot.credential.hex() not in text
    assert prepared.ballot.signature.hex() not in text
    assert "proof" not in text and "credential" not in text
    receipt = challenge(board, prepare(context, election.credentials[0].code, ["high", "low"]))
    assert receipt.tracking_code == receipt.item.tracking_code()
    # The voter's tracking code is the same whether the ballot is then cast or challenged.
    again = prepare(context, election.credentials[1].code, ["low", "low"])
    code = again.tracking_code
    assert challenge(board, again).tracking_code == code
    # The credential is not used up, and the challenged ballot can never be cast.
    with pytest.raises(BoardError):
        cast(board, again)
    cast(board, prepare(context, election.credentials[1].code, ["low", "low"]))
    election.close()


def test_a_challenge_that_does_not_match_is_refused(tmp_path: Path, fast_group: Group) -> None:
    from votecrypt.errors import BallotError

    election = OpenElection(tmp_path / "e", fast_group)
    prepared = prepare(election.context, election.credentials[0].code, ["high", "low"])
    published = challenged_plain(prepared.challenge())
    published["rows"][0]["outcome"] = (published["rows"][0]["outcome"] + 1) % 4
    with pytest.raises(BallotError, match="does not encrypt"):
        election.board.submit_challenge(published)
    assert election.board.count("challenge") == 0
    election.close()


# The fingerprint.


def test_the_fingerprint_is_the_context_hash_in_base32() -> None:
    digest = bytes(range(32))
    text = election_fingerprint(digest)
    assert len(text) == 19 and text.count("-") == 3
    bits = int.from_bytes(digest[:10], "big")
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    decoded = 0
    for character in text.replace("-", ""):
        decoded = decoded * 32 + alphabet.index(character)
    assert decoded == bits


def test_the_credentials_decoder_refuses_an_unsorted_endorsement_list(
    tmp_path: Path, fast_group: Group
) -> None:
    election = OpenElection(tmp_path / "e", fast_group)
    payload = next(election.board.entries_of("credentials")).payload
    election.close()
    assert len(payload["endorsements"]) >= 2
    payload["endorsements"].reverse()
    with pytest.raises(EncodingError, match="increasing order"):
        credentials_from_plain(payload)


def test_a_tally_before_close_cannot_be_decrypted(tmp_path: Path, fast_group: Group) -> None:
    election = OpenElection(tmp_path / "e", fast_group)
    election.close()
    with pytest.raises(TallyError, match="not been computed"):
        tally_to_decrypt(election.directory, fast_group)


def test_a_ceremony_file_with_a_second_name_for_a_sender_is_refused(
    tmp_path: Path, fast_group: Group
) -> None:
    """announce-01.json beside announce-1.json: which one counts must not depend on the
    order the files are read in."""
    from votecrypt.service.election_dir import load_manifest, load_transcript

    election = OpenElection(tmp_path / "e", fast_group)
    election.close()
    directory = election.directory
    manifest = load_manifest(directory)
    load_transcript(directory, fast_group, manifest)
    shutil.copy2(directory.ceremony / "announce-1.json", directory.ceremony / "announce-01.json")
    with pytest.raises(EncodingError, match=r"named <round>-<j>\.json"):
        load_transcript(directory, fast_group, manifest)
