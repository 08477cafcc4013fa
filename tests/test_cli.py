"""The whole election through the command line, each trustee with its own directory and
secret file, files exchanged by copying; and the CLI's error lines and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main

from votecrypt.storage.board import BulletinBoard

TRUSTEES = 3


def run(
    *args: str, passphrase: str | None = None, code: int = 0, input: str | None = None
) -> Result:
    env = {"VOTECRYPT_PASSPHRASE": passphrase} if passphrase else {"VOTECRYPT_PASSPHRASE": ""}
    result = CliRunner().invoke(main, [str(a) for a in args], env=env, input=input)
    assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
    if code not in (exit_codes.OK, exit_codes.USAGE):
        lines = [
            line for line in result.output.splitlines() if line.startswith(("error", "internal"))
        ]
        assert len(lines) == 1, result.output
        assert "Traceback" not in result.output
    return result


def sync(directories: list[Path], subdirectory: str) -> None:
    """Copy every file of `subdirectory` that one copy has to the copies lacking it."""
    for source in directories:
        folder = source / subdirectory
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            for target in directories:
                destination = target / subdirectory / path.name
                if not destination.exists():
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("cli")
    admin = base / "admin" / "election"
    candidates = base / "candidates.csv"
    candidates.write_text(
        "Hoàng Thị Thúy Lan,Chủ tịch HĐND\nLê Duy Thành,Chủ tịch UBND\n", encoding="utf-8"
    )
    trustee_args = [arg for i in range(1, TRUSTEES + 1) for arg in ("--trustee", f"Thành viên {i}")]
    run(
        "election",
        "create",
        admin,
        "--title",
        "Lấy phiếu tín nhiệm",
        "--body",
        "HĐND tỉnh",
        "--date",
        "2023-12-13",
        "--candidates",
        candidates,
        *trustee_args,
        "--threshold",
        "2",
        "--ballots",
        "4",
        "--summoned",
        "5",
    )

    # Each trustee gets a copy of the election directory and keeps its own secret file.
    copies = []
    for i in range(1, TRUSTEES + 1):
        own = base / f"trustee-{i}" / "election"
        shutil.copytree(admin, own)
        copies.append(own)
        run(
            "trustee",
            "init",
            own,
            "--index",
            str(i),
            "--secret",
            own.parent / "secret",
            passphrase=f"pw{i}",
        )
    sync(copies, "ceremony")
    status = run("ceremony", "status", copies[0]).output
    assert "trustee 1 to publish its commitment hash" in status
    for step in ("commit", "open", "check", "answer"):
        for i, own in enumerate(copies, start=1):
            run("ceremony", step, own, "--secret", own.parent / "secret", passphrase=f"pw{i}")
        sync(copies, "ceremony")
    for i, own in enumerate(copies, start=1):
        run("ceremony", "finalize", own, "--secret", own.parent / "secret", passphrase=f"pw{i}")
    sync([*copies, admin], "ceremony")
    assert "finalized" in run("ceremony", "status", admin).output

    codes_file = base / "codes.txt"
    issued = run("credentials", "issue", admin, "--codes-out", codes_file).output
    announced = issued.split("the trustees sign with it): ")[1].split()[0]
    codes = [line.split()[1] for line in codes_file.read_text().splitlines()]
    # Without the trustees' endorsements the board does not open (spec 9.4).
    refused = run("board", "open", admin, code=exit_codes.INVALID)
    assert "endorsed by 0 qualified trustee(s); 2 are needed" in refused.output
    assert not (admin / "board.sqlite").exists()
    for i in (1, 2):
        own = copies[i - 1]
        shutil.copy2(admin / "credentials.json", own / "credentials.json")
        sign = ("credentials", "sign", own, "--secret", own.parent / "secret")
        wrong = run(*sign, "--fingerprint", "0000-0000-0000-0000", code=exit_codes.INVALID)
        assert "not the list that was issued" in wrong.output
        signed = run(*sign, "--fingerprint", announced.lower(), passphrase=f"pw{i}")
        assert "4 public credentials for 4 ballot papers" in signed.output
    sync([copies[0], copies[1], admin], "endorsements")
    run("board", "open", admin)
    run("ballot", "challenge", admin, "--credential-stdin", "--choices", "high,low", input=codes[0])
    choices = ["high,low", "high,low", "medium,low", "high,blank"]
    for code, choice in zip(codes, choices, strict=True):
        run("ballot", "cast", admin, "--credential-stdin", "--choices", choice, input=code)
    assert "Ballots cast: 4 of 4" in run("board", "status", admin).output
    run("board", "close", admin)
    tallied = run("tally", admin).output
    board_hash = tallied.split("each trustee types it): ")[1].split()[0]

    # Two trustees decrypt on their own machines, from a copy of the closed board.
    for i in (1, 3):
        own = copies[i - 1]
        for name in ("board.sqlite",):
            shutil.copy2(admin / name, own / name)
        decrypt = ("trustee", "decrypt", own, "--secret", own.parent / "secret")
        shown = run(*decrypt, "--board-hash", board_hash[:16], passphrase=f"pw{i}").output
        assert "Board hash at the tally (entry " in shown and board_hash in shown
    sync([copies[0], copies[2], admin], "decryption")
    return {"admin": admin, "base": base, "codes": codes_file, "trustee1": copies[0]}


def test_result_and_verify(finished: dict[str, Path]) -> None:
    output = run("result", finished["admin"]).output
    assert "Lê Duy Thành" in output
    # Lê Duy Thành: 3 of 4 ballots rate him low (one blank): 75.00%, two thirds or more.
    assert "75.00%" in output
    assert "2. Lê Duy Thành: Từ hai phần ba" in output
    assert "Decrypted with the shares of trustees 1, 3" in output
    record = finished["admin"] / "record"
    verified = run("verify", record, "--jobs", "1").output
    assert "VERIFIED: 23 passed" in verified
    report = json.loads(run("verify", record, "--json", "--jobs", "1").output)
    assert report["ok"] and report["complete"]
    found = run("ballot", "track", finished["admin"], _first_tracking_code(record)).output
    assert "Found" in found


def _first_tracking_code(record: Path) -> str:
    from votecrypt.math import secp256k1
    from votecrypt.record.ballot_codec import ballot_from_plain
    from votecrypt.record.log import entry_from_line

    for number, line in enumerate((record / "log.jsonl").read_bytes().splitlines(), 1):
        entry = entry_from_line(line, number)
        if entry.kind == "ballot":
            return ballot_from_plain(entry.payload, secp256k1()).tracking_code()
    raise AssertionError("no ballot")


def test_wrong_passphrase_is_exit_6_and_changes_nothing(finished: dict[str, Path]) -> None:
    own = finished["trustee1"]
    secret = own.parent / "secret"
    before = secret.read_bytes()
    decrypt = ("trustee", "decrypt", own, "--secret", secret, "--board-hash", "0" * 16)
    # A board hash other than the announced one is refused before the passphrase is asked.
    refused = run(*decrypt, passphrase="wrong", code=exit_codes.INVALID)
    assert "not the announced" in refused.output
    board = BulletinBoard(own / "board.sqlite")
    with board:
        board_hash = next(board.entries_of("tally")).hash.hex()
    decrypt = (*decrypt[:-1], board_hash)
    run(*decrypt, passphrase="wrong", code=exit_codes.SECRET)
    assert secret.read_bytes() == before


def test_ballot_after_close_is_rejected_with_exit_7(finished: dict[str, Path]) -> None:
    code = finished["codes"].read_text().split()[1]
    result = run(
        "ballot",
        "cast",
        finished["admin"],
        "--credential-stdin",
        "--choices",
        "high,high",
        input=code,
        code=exit_codes.REJECTED,
    )
    assert "voting-closed" in result.output


def test_step_out_of_order_is_exit_5(finished: dict[str, Path]) -> None:
    own = finished["trustee1"]
    result = run("ceremony", "commit", own, "--secret", own.parent / "secret", passphrase="pw1")
    assert "Already done" in result.output  # repeating a done step republishes, never redoes
    run("tally", finished["admin"], code=exit_codes.NOT_READY)


def test_bad_input_is_exit_3(tmp_path: Path) -> None:
    run("board", "status", tmp_path / "nowhere", code=exit_codes.NOT_READY)
    election = tmp_path / "e"
    election.mkdir()
    (election / "manifest.json").write_text("{broken", encoding="utf-8")
    run(
        "trustee",
        "init",
        election,
        "--index",
        "1",
        "--secret",
        tmp_path / "s",
        passphrase="x",
        code=exit_codes.BAD_INPUT,
    )
    assert not (tmp_path / "s").exists()


def test_tampered_record_is_exit_8(finished: dict[str, Path], tmp_path: Path) -> None:
    record = tmp_path / "record"
    shutil.copytree(finished["admin"] / "record", record)
    log = record / "log.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace('"collected":4', '"collected":5')
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("verify", record, "--jobs", "1", code=exit_codes.VERIFY_FAILED)
    assert "[FAIL]  2 log-chain" in result.output


def test_creating_an_election_twice_does_not_overwrite(finished: dict[str, Path]) -> None:
    candidates = finished["base"] / "candidates.csv"
    before = (finished["admin"] / "manifest.json").read_bytes()
    run(
        "election",
        "create",
        finished["admin"],
        "--title",
        "Other",
        "--body",
        "B",
        "--date",
        "2024-01-01",
        "--candidates",
        candidates,
        "--trustee",
        "X",
        "--threshold",
        "1",
        "--ballots",
        "1",
        code=exit_codes.BAD_INPUT,
    )
    assert (finished["admin"] / "manifest.json").read_bytes() == before


def test_help_explains_every_command() -> None:
    for command in (
        "demo",
        "election",
        "trustee",
        "ceremony",
        "credentials",
        "board",
        "ballot",
        "tally",
        "result",
        "verify",
    ):
        output = run(command, "--help").output
        assert "Usage" in output and len(output.splitlines()) > 4


def test_interactive_booth_challenges_then_casts(tmp_path: Path) -> None:
    from election_helpers import OpenElection

    from votecrypt.math import secp256k1

    opened = OpenElection(tmp_path / "booth", secp256k1(), ballots=2, candidates=2)
    try:
        code = opened.credentials[0].code
        # Candidate 1: high (1); candidate 2: blank (0); challenge once, then cast.
        # After the challenge the booth asks for the choices again (spec 10.6).
        result = run("ballot", "cast", opened.directory.root, input=f"{code}\n1\n0\nx\n1\n0\nc\n")
        assert "Tín nhiệm cao / High confidence" in result.output
        assert "Không đánh giá / Blank" in result.output
        assert "Tracking code" in result.output
        assert "The board checked that it encrypts exactly these choices" in result.output
        assert "Ballot cast." in result.output
        assert (opened.board.count("challenge"), opened.board.count("ballot")) == (1, 1)
        quit_result = run(
            "ballot",
            "cast",
            opened.directory.root,
            input=f"{opened.credentials[1].code}\n2\n3\nq\n",
        )
        assert "Nothing was cast." in quit_result.output
        assert opened.board.count("ballot") == 1
    finally:
        opened.close()
