"""The ceremony through the command line with an absent trustee (spec 8.8, 8.9): each trustee
has its own copy of the election directory and its own secret file; the board proceeds
without the absent one once at least t trustees decided so, and every refusal names that
decision."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ceremony_helpers import forged_announcement
from test_cli import run, sync
from votecrypt_cli import exit_codes

from votecrypt.math import secp256k1
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.record.ceremony_codec import message_to_json
from votecrypt.storage.secret_file import load_trustee


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secret files of these tests use a cheap Argon2id setting (tests only): the point here
    is the order of the steps, not the cost of guessing a passphrase."""
    monkeypatch.setattr(KdfParameters.__init__, "__defaults__", (1, 1, 8 * 1024))


def _election(base: Path, trustees: int, threshold: int) -> Path:
    admin = base / "admin" / "election"
    candidates = base / "candidates.csv"
    candidates.write_text("Nguyễn Văn A,Chủ tịch\n", encoding="utf-8")
    names = [arg for i in range(1, trustees + 1) for arg in ("--trustee", f"Thành viên {i}")]
    run(
        "election",
        "create",
        admin,
        "--title",
        "Lấy phiếu tín nhiệm",
        "--body",
        "HĐND",
        "--date",
        "2024-01-01",
        "--candidates",
        candidates,
        *names,
        "--threshold",
        str(threshold),
        "--ballots",
        "2",
    )
    return admin


def _copies(base: Path, admin: Path, present: list[int]) -> dict[int, Path]:
    copies = {}
    for i in present:
        own = base / f"trustee-{i}" / "election"
        shutil.copytree(admin, own)
        copies[i] = own
        secret = own.parent / "secret"
        run("trustee", "init", own, "--index", str(i), "--secret", secret, passphrase=f"pw{i}")
    sync(list(copies.values()), "ceremony")
    return copies


def _step(copies: dict[int, Path], i: int, *args: str, code: int = 0) -> str:
    own = copies[i]
    result = run(
        "ceremony", *args, own, "--secret", own.parent / "secret", passphrase=f"pw{i}", code=code
    )
    return result.output


def test_board_proceeds_without_a_trustee_who_never_ran_init(tmp_path: Path) -> None:
    admin = _election(tmp_path, trustees=3, threshold=2)
    copies = _copies(tmp_path, admin, [1, 2])  # trustee 3 never runs `trustee init`
    everyone = list(copies.values())
    # Committing waits for nobody.
    for i in copies:
        _step(copies, i, "commit")
    sync(everyone, "ceremony")
    status = run("ceremony", "status", copies[1]).output
    assert "trustee 3 to announce its keys" in status
    assert "at least 2 trustees each run `votecrypt ceremony decide" in status
    refused = _step(copies, 1, "open", code=exit_codes.NOT_READY)
    assert "trustee 3 to announce its keys" in refused and "ceremony decide" in refused
    # One trustee's vote is not the board's decision: the steps still wait.
    assert "go on without trustees 3" in _step(copies, 1, "decide", "--without", "3")
    sync(everyone, "ceremony")
    status = run("ceremony", "status", copies[2]).output
    assert "Trustees 1 voted to go on without trustee 3 (2 votes are needed)." in status
    _step(copies, 2, "open", code=exit_codes.NOT_READY)
    _step(copies, 2, "decide", "--without", "3")
    sync(everyone, "ceremony")
    status = run("ceremony", "status", copies[1]).output
    assert "The board went on without trustee 3 (decided by trustees 1, 2)" in status
    for step in ("open", "check"):
        for i in copies:
            _step(copies, i, step)
        sync(everyone, "ceremony")
    # Nobody complained: `answer` publishes nothing, and can run again.
    for i in copies:
        assert "Nothing to publish" in _step(copies, i, "answer")
        assert "Nothing to publish" in _step(copies, i, "answer")
    first = _step(copies, 1, "finalize")
    assert "Left out: trustee 3: the board went on without it" in first
    assert "Any 2 of trustees 1, 2 can decrypt the result." in first
    sync(everyone, "ceremony")
    assert _step(copies, 2, "finalize") == first  # each trustee derives the same outcome
    status = run("ceremony", "status", copies[2]).output
    assert "The ceremony is finalized" in status and "Waiting" not in status
    # The decisions travel with the ceremony to the board, which re-derives the outcome from
    # the messages before it opens (spec 11.1): decisions and all.
    codes = tmp_path / "codes.txt"
    issued = run("credentials", "issue", copies[1], "--present", "2", "--codes-out", codes).output
    announced = issued.split("the trustees sign with it): ")[1].split()[0]
    shutil.copy2(copies[1] / "credentials.json", copies[2] / "credentials.json")
    for i, own in copies.items():
        sign = ("credentials", "sign", own, "--secret", own.parent / "secret")
        run(*sign, "--fingerprint", announced, passphrase=f"pw{i}")
    sync(everyone, "endorsements")
    run("board", "open", copies[1])
    from votecrypt.storage.board import BulletinBoard

    with BulletinBoard(copies[1] / "board.sqlite") as board:
        rounds = [e.payload["type"] for e in board.entries_of("ceremony")]
    assert rounds.count("votecrypt/ceremony/decide") == 2


def test_a_step_waits_for_a_missing_check_until_the_board_decides(tmp_path: Path) -> None:
    admin = _election(tmp_path, trustees=3, threshold=2)
    copies = _copies(tmp_path, admin, [1, 2, 3])
    everyone = list(copies.values())
    for step in ("commit", "open"):
        for i in copies:
            _step(copies, i, step)
        sync(everyone, "ceremony")
    for i in (1, 2):  # trustee 3 withholds its check
        _step(copies, i, "check")
    sync(everyone, "ceremony")
    refused = _step(copies, 1, "answer", code=exit_codes.NOT_READY)
    assert "trustee 3 to check its shares" in refused and "ceremony decide" in refused
    refused = _step(copies, 1, "finalize", code=exit_codes.NOT_READY)
    assert "trustee 3 to check its shares" in refused
    for i in (1, 2):
        _step(copies, i, "decide", "--without", "3")
    again = _step(copies, 1, "decide", "--without", "3")
    assert "Already decided; published again" in again
    sync(everyone, "ceremony")
    # Trustee 3's opening no longer counts either: nobody answers for it, and it is out.
    assert "Nothing to publish" in _step(copies, 1, "answer")
    outcome = _step(copies, 2, "finalize")
    assert "Qualified trustees: 1, 2" in outcome
    assert "Left out: trustee 3: the board went on without it" in outcome


def test_small_order_exchange_key_leaves_out_only_its_announcer(tmp_path: Path) -> None:
    admin = _election(tmp_path, trustees=3, threshold=2)
    copies = _copies(tmp_path, admin, [1, 2, 3])
    # Trustee 3 replaces its announcement with one, signed by its own key, that announces
    # the X25519 key u = 0 (every shared secret with it would be zero).
    bad = load_trustee(copies[3].parent / "secret", "pw3", secp256k1())
    forged = message_to_json(forged_announcement(bad, bytes(32)))
    for own in copies.values():
        (own / "ceremony" / "announce-3.json").write_bytes(forged)
    everyone = list(copies.values())
    status = run("ceremony", "status", copies[1]).output
    assert "Left out: trustee 3: announced an exchange key of small order" in status
    for step in ("commit", "open", "check", "answer"):
        for i in (1, 2):  # nobody waits for trustee 3: its announcement is refused
            _step(copies, i, step)
        sync(everyone, "ceremony")
    refused = _step(copies, 3, "commit", code=exit_codes.NOT_READY)
    assert "announced an exchange key of small order" in refused
    output = _step(copies, 1, "finalize")
    assert "Left out: trustee 3: announced an exchange key of small order" in output
    assert "Any 2 of trustees 1, 2 can decrypt the result." in output


def test_an_outcome_file_the_operator_writes_binds_nobody(tmp_path: Path) -> None:
    """Spec 8.8: every trustee derives the outcome from the signed messages. An outcome file
    the operator wrote (here: trustee 3 blamed) is neither adopted nor replaced; the trustee's
    own outcome is stored, and the refusal says what to do."""
    import dataclasses

    from votecrypt.record.ceremony_codec import outcome_from_json, outcome_to_json

    admin = _election(tmp_path, trustees=3, threshold=2)
    copies = _copies(tmp_path, admin, [1, 2, 3])
    everyone = list(copies.values())
    for step in ("commit", "open", "check", "answer"):
        for i in copies:
            _step(copies, i, step)
        sync(everyone, "ceremony")
    honest = _step(copies, 2, "finalize")
    outcome_file = copies[2] / "ceremony" / "outcome.json"
    real = outcome_from_json(outcome_file.read_bytes(), secp256k1())
    forged = dataclasses.replace(
        real, qualified=(1, 2), disqualified=((3, "revealed a share twice"),)
    )
    (copies[1] / "ceremony" / "outcome.json").write_bytes(outcome_to_json(forged))
    refused = _step(copies, 1, "finalize", code=exit_codes.BAD_INPUT)
    assert "binds nobody and was not adopted" in refused
    own = load_trustee(copies[1].parent / "secret", "pw1", secp256k1())
    assert own.outcome == real
    assert (
        outcome_from_json((copies[1] / "ceremony" / "outcome.json").read_bytes(), secp256k1())
        == forged
    )
    status = run("ceremony", "status", copies[1]).output
    assert "is not the outcome these messages give: it binds nobody" in status
    (copies[1] / "ceremony" / "outcome.json").unlink()
    assert _step(copies, 1, "finalize") == honest
    assert "The ceremony is finalized" in run("ceremony", "status", copies[1]).output
