"""A trustee's verification state (spec 12.2): `votecrypt trustee check` verifies the board
while voting is open and notes it beside the secret file, authenticated by it; `trustee
decrypt` then checks the signatures and proofs of the entries added since only. A note that
does not authenticate is refused and the whole board is verified again; a board whose noted
entry has another hash was rewritten, and nothing is decrypted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fuzz_helpers import FinishedElection, invoke
from votecrypt_cli import exit_codes

from votecrypt.math import secp256k1
from votecrypt.service.trustee_state import read_state, state_path
from votecrypt.verifier import engines


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> FinishedElection:
    return FinishedElection(tmp_path_factory.mktemp("state") / "election", secp256k1())


@pytest.fixture
def proofs_checked(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The board entries whose signatures and proofs each verification checked."""
    runs: list[list[int]] = []
    real = engines.LocalEngine.submit

    def submit(self: engines.LocalEngine, entries: Any, check_proofs: bool) -> Any:
        if check_proofs:
            runs[-1].extend(seq for seq, _, _ in entries)
        return real(self, entries, check_proofs)

    real_init = engines.LocalEngine.__init__

    def init(self: engines.LocalEngine, *args: Any, **kwargs: Any) -> None:
        runs.append([])
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(engines.LocalEngine, "submit", submit)
    monkeypatch.setattr(engines.LocalEngine, "__init__", init)
    return runs


def _open_copy(finished: FinishedElection, tmp_path: Path) -> Path:
    root = tmp_path / "election"
    shutil.copytree(finished.open_copy, root)
    for path in (root / "private").glob("*.verified"):
        path.unlink()
    return root


def _check(root: Path, trustee: int) -> Any:
    return invoke(
        "trustee", "check", root, "--secret", root / "private" / f"t{trustee}.secret",
        passphrase=f"pass-{trustee}",
    )  # fmt: skip


def _close_and_tally(root: Path) -> str:
    assert invoke("board", "close", root).exit_code == 0
    tallied = invoke("tally", root, "--jobs", "1")
    assert tallied.exit_code == 0, tallied.output
    return tallied.output.split("each trustee types it): ")[1].split()[0]


def _decrypt(root: Path, trustee: int, board_hash: str) -> Any:
    return invoke(
        "trustee", "decrypt", root, "--secret", root / "private" / f"t{trustee}.secret",
        "--board-hash", board_hash, passphrase=f"pass-{trustee}",
    )  # fmt: skip


def test_decrypt_checks_only_what_the_trustee_has_not_checked(
    finished: FinishedElection, tmp_path: Path, proofs_checked: list[list[int]]
) -> None:
    root = _open_copy(finished, tmp_path)
    checked = _check(root, 1)
    assert checked.exit_code == 0, checked.output
    state = read_state(state_path(root / "private" / "t1.secret"))
    assert state is not None and state.trustee == 1
    noted = state.entries
    assert f"Verified entries 0 to {noted - 1} of the board" in checked.output
    assert len(proofs_checked[-1]) == 4  # 3 ballots and a challenge, all checked
    # A ballot cast after the note: its proofs are the only ones checked when decrypting.
    late = tmp_path / "late-ballot.json"
    late.write_text(json.dumps(finished.spare_ballot))
    submitted = invoke("ballot", "submit", root, late)
    assert submitted.exit_code == 0, submitted.output
    late_seq = int(submitted.output.split("(entry ")[1].split(")")[0])
    assert late_seq >= noted
    board_hash = _close_and_tally(root)
    decrypted = _decrypt(root, 1, board_hash)
    assert decrypted.exit_code == 0, decrypted.output
    assert f"you verified the first {noted} before" in decrypted.output
    assert "Decryption share written" in decrypted.output
    assert proofs_checked[-1] == [late_seq]
    # The note now stands at the tally entry; another trustee, without one, checks all.
    after = read_state(state_path(root / "private" / "t1.secret"))
    assert after is not None and after.entries > noted
    other = _decrypt(root, 3, board_hash)
    assert other.exit_code == 0, other.output
    assert sorted(proofs_checked[-1]) == sorted(set(proofs_checked[-1]))
    assert len(proofs_checked[-1]) == 5


@pytest.mark.parametrize("forgery", ["mac", "covers more", "another trustee's"])
def test_a_state_that_does_not_authenticate_is_refused_and_all_is_checked_again(
    finished: FinishedElection, tmp_path: Path, proofs_checked: list[list[int]], forgery: str
) -> None:
    root = _open_copy(finished, tmp_path)
    assert _check(root, 1).exit_code == 0
    assert _check(root, 3).exit_code == 0
    board_hash = _close_and_tally(root)
    path = state_path(root / "private" / "t1.secret")
    document = json.loads(path.read_text())
    if forgery == "mac":
        document["mac"] = "00" * 32
    elif forgery == "covers more":
        # Whoever can write the file claims the trustee verified up to the tally entry: the
        # right entry and hash, but a MAC it cannot make.
        document["entries"] += 2  # close, then the tally
        from votecrypt.service.election_dir import ElectionDir
        from votecrypt.storage.board import BulletinBoard

        with BulletinBoard(ElectionDir(root).board, secp256k1(), read_only=True) as board:
            entry = list(board.entries())[document["entries"] - 1]
        document["head"] = entry.hash.hex()
    else:
        document = json.loads(state_path(root / "private" / "t3.secret").read_text())
    path.write_text(json.dumps(document))
    decrypted = _decrypt(root, 1, board_hash)
    assert decrypted.exit_code == 0, decrypted.output
    assert "does not authenticate with this secret file" in decrypted.output
    assert "Verifying the whole board again (every ballot's proofs)" in decrypted.output
    assert len(proofs_checked[-1]) == 4  # the second verification checked every ballot
    assert "Traceback" not in decrypted.output
    # The note is replaced by an authentic one at the tally.
    state = read_state(path)
    assert state is not None and state.trustee == 1 and state.mac != bytes(32)


def test_a_board_rewritten_after_the_note_is_refused(
    finished: FinishedElection, tmp_path: Path
) -> None:
    root = _open_copy(finished, tmp_path)
    assert _check(root, 1).exit_code == 0
    board_hash = _close_and_tally(root)
    path = state_path(root / "private" / "t1.secret")
    document = json.loads(path.read_text())
    document["head"] = "ab" * 32  # the board showed this trustee another history
    path.write_text(json.dumps(document))
    decrypted = _decrypt(root, 1, board_hash)
    assert decrypted.exit_code == exit_codes.INVALID, decrypted.output
    errors = [line for line in decrypted.output.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "the log was rewritten" in errors[0]
    assert not (root / "decryption" / "share-1.json").exists()


def test_a_damaged_state_is_one_line(finished: FinishedElection, tmp_path: Path) -> None:
    root = _open_copy(finished, tmp_path)
    state_path(root / "private" / "t1.secret").write_text("{not json")
    checked = _check(root, 1)
    assert checked.exit_code == exit_codes.BAD_INPUT, checked.output
    errors = [line for line in checked.output.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "is not a verification state" in errors[0]
    assert "remove it" in errors[0]


def test_check_with_a_wrong_passphrase_notes_nothing(
    finished: FinishedElection, tmp_path: Path
) -> None:
    root = _open_copy(finished, tmp_path)
    wrong = invoke(
        "trustee", "check", root, "--secret", root / "private" / "t1.secret",
        passphrase="not-it",
    )  # fmt: skip
    assert wrong.exit_code == exit_codes.SECRET, wrong.output
    assert not state_path(root / "private" / "t1.secret").exists()


def test_check_again_with_a_forged_note_verifies_everything(
    finished: FinishedElection, tmp_path: Path, proofs_checked: list[list[int]]
) -> None:
    root = _open_copy(finished, tmp_path)
    assert _check(root, 1).exit_code == 0
    path = state_path(root / "private" / "t1.secret")
    document = json.loads(path.read_text())
    document["mac"] = "11" * 32
    path.write_text(json.dumps(document))
    again = _check(root, 1)
    assert again.exit_code == 0, again.output
    assert "did not authenticate with this secret file" in again.output
    assert proofs_checked[-2] == [] and len(proofs_checked[-1]) == 4
    state = read_state(path)
    assert state is not None and state.mac != bytes.fromhex("11" * 32)
