"""The whole election through the command line, each trustee with its own directory and
secret file, files exchanged by copying; and the CLI's error lines and exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main

from votecrypt.protocol.results import BLANK_MEANING
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
    issued = run("credentials", "issue", admin, "--present", "4", "--codes-out", codes_file).output
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
        assert "not the list that was issued" in wrong.output and announced not in wrong.output
        # Two neighbours swapped: a slip, said so, and the fingerprint is never shown to copy.
        swapped = announced[:1] + announced[2] + announced[1] + announced[3:]
        if swapped != announced:
            slip = run(*sign, "--fingerprint", swapped, code=exit_codes.BAD_INPUT).output
            assert "looks mistyped" in slip and announced not in slip
        # A value that cannot be a fingerprint is a typing mistake: bad input, one line.
        mistyped = run(*sign, "--fingerprint", "abc", code=exit_codes.BAD_INPUT)
        assert "'abc' is not an election fingerprint" in mistyped.output
        signed = run(*sign, "--fingerprint", announced.lower(), passphrase=f"pw{i}")
        assert "4 public credentials: check that it is the number of ballot papers" in signed.output
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
        mistyped = run(*decrypt, "--board-hash", board_hash[:15] + "g", code=exit_codes.BAD_INPUT)
        assert "at least 16 hex digits" in mistyped.output
        assert "Verifying the board" not in mistyped.output  # refused before the long check
        if i == 1:  # one character off: a slip, said so, and the hash is never shown
            slip = board_hash[:5] + ("0" if board_hash[5] != "0" else "1") + board_hash[6:16]
            slipped = run(*decrypt, "--board-hash", slip, code=exit_codes.BAD_INPUT).output
            assert "looks mistyped" in slipped and board_hash[:16] not in slipped
        shown = run(*decrypt, "--board-hash", board_hash[:16], passphrase=f"pw{i}").output
        assert f"Board hash at the tally: {board_hash}, as announced" in shown
    sync([copies[0], copies[2], admin], "decryption")
    return {"admin": admin, "base": base, "codes": codes_file, "trustee1": copies[0]}


def test_result_and_verify(finished: dict[str, Path]) -> None:
    output = run("result", finished["admin"]).output
    assert "Lê Duy Thành" in output
    # Lê Duy Thành: 3 of 4 ballots rate him low (one blank): 75,00%, two thirds or more
    # (the Vietnamese number format is the default).
    assert "75,00%" in output
    assert "2. Lê Duy Thành: Có từ hai phần ba" in output
    assert "Decrypted with the shares of trustees 1, 3" in output
    record = finished["admin"] / "record"
    verified = run("verify", record, "--jobs", "1").output
    assert "VERIFIED: 24 passed" in verified
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
    assert "is not this board's" in refused.output and "mistyped" not in refused.output
    board = BulletinBoard(own / "board.sqlite")
    with board:
        assert next(board.entries_of("tally")).hash.hex()[:16] not in refused.output
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
    # Trustee 2's copy never received the board: decrypting there cannot run yet.
    own2 = finished["base"] / "trustee-2" / "election"
    run(
        "trustee",
        "decrypt",
        own2,
        "--secret",
        own2.parent / "secret",
        "--board-hash",
        "0" * 16,
        passphrase="pw2",
        code=exit_codes.NOT_READY,
    )
    # A step already done reports it instead of failing.
    assert "already published" in run("tally", finished["admin"]).output


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
        assert "Không hợp lệ / Invalid" in result.output
        # What a line left unmarked means is said before the first choice (spec 13.6).
        assert result.output.index(" / ".join(BLANK_MEANING)) < result.output.index("[1/2]")
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


# Tracking a ballot on the board and in a published record (spec 10.5)


def _codes_in(record: Path) -> dict[str, tuple[str, int]]:
    """kind and seq of every ballot and challenge by tracking code, decoding every entry."""
    from votecrypt.math import secp256k1
    from votecrypt.record.log import entry_from_line
    from votecrypt.record.reader import RecordSource
    from votecrypt.service.tracking import code_of, record_manifest

    manifest = record_manifest(RecordSource(record))
    found = {}
    for number, line in enumerate((record / "log.jsonl").read_bytes().splitlines(), 1):
        entry = entry_from_line(line, number)
        if entry.kind in ("ballot", "challenge"):
            tracked = code_of(entry, secp256k1(), manifest)
            found[tracked.code] = (entry.kind, entry.seq)
    return found


@pytest.fixture(scope="module")
def exported(finished: dict[str, Path]) -> Path:
    out = finished["base"] / "published"
    run("board", "export", finished["admin"], "--out", out)
    return out


def test_track_normalises_the_code_and_names_a_challenged_ballots_choices(
    finished: dict[str, Path], exported: Path
) -> None:
    codes = _codes_in(exported)
    challenged = next(code for code, (kind, _) in codes.items() if kind == "challenge")
    sloppy = challenged.lower().replace("-", " ").replace("o", "0").replace("i", "1")
    for where in (finished["admin"], exported):
        output = run("ballot", "track", where, sloppy).output
        assert f"Found: ballot {challenged}, challenged (not counted)" in output
        # The challenge in the fixture chose high for the first and low for the second.
        assert "Hoàng Thị Thúy Lan" in output and "Tín nhiệm cao / High confidence" in output
        assert "Lê Duy Thành" in output and "Tín nhiệm thấp / Low confidence" in output
    cast = next(code for code, (kind, _) in codes.items() if kind == "ballot")
    assert f"Found: ballot {cast}, cast" in run("ballot", "track", exported, cast).output


def test_track_in_an_archived_record(exported: Path, tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "record"), "zip", exported.parent, exported.name)
    code = next(iter(_codes_in(exported)))
    assert "Found: ballot" in run("ballot", "track", archive, code).output


def test_the_records_index_is_checked_not_trusted(exported: Path, tmp_path: Path) -> None:
    codes = _codes_in(exported)
    text = (exported / "tracking-index.txt").read_bytes()
    header, _, body = text.partition(b"\n")
    assert header == b"votecrypt/tracking-index 1"
    lines = body.decode().splitlines()
    # One fixed-width line per ballot and challenge, sorted by code.
    assert lines == sorted(lines) and {len(line) for line in lines} == {42}
    by_code = {line.split()[0]: line.split()[1:] for line in lines}
    assert sorted(by_code) == sorted(code.replace("-", "") for code in codes)
    first, second = sorted(codes)[:2]
    lying = tmp_path / "lying"
    shutil.copytree(exported, lying)
    # The index points the first code at the second's entry and leaves the second out.
    key_first, key_second = first.replace("-", ""), second.replace("-", "")
    seq, offset = by_code[key_second]
    forged = [f"{key_first} {seq} {offset}"] + [
        line for line in lines if line.split()[0] not in (key_first, key_second)
    ]
    (lying / "tracking-index.txt").write_bytes(
        header + b"\n" + "".join(line + "\n" for line in sorted(forged)).encode()
    )
    for code in (first, second):
        output = run("ballot", "track", lying, code).output
        assert f"Found: ballot {code}" in output and f"board entry {codes[code][1]}." in output
    (lying / "tracking-index.txt").write_bytes(b"garbage")
    assert f"board entry {codes[first][1]}." in run("ballot", "track", lying, first).output
    (lying / "tracking-index.txt").unlink()
    assert f"board entry {codes[first][1]}." in run("ballot", "track", lying, first).output


def test_an_unknown_or_malformed_tracking_code_is_exit_3(
    finished: dict[str, Path], exported: Path
) -> None:
    for where in (finished["admin"], exported):
        output = run("ballot", "track", where, "AAAA-AAAA-AAAA", code=exit_codes.BAD_INPUT).output
        assert "no ballot with tracking code AAAA-AAAA-AAAA" in output
        output = run("ballot", "track", where, "not-a-code", code=exit_codes.BAD_INPUT).output
        assert "is not a tracking code" in output


def test_credential_slips_are_printable_and_private(tmp_path: Path) -> None:
    import os
    import stat

    from votecrypt.protocol.credentials import normalise_code

    election = _finalized_election(tmp_path)
    slips = tmp_path / "slips.html"
    output = run(
        "credentials",
        "issue",
        election,
        "--present",
        "4",
        "--slips-out",
        slips,
        "--booth-address",
        "Phòng 201",
    ).output
    assert "shred -u" in output and "readable by you only" in output
    assert stat.S_IMODE(os.stat(slips).st_mode) == 0o600
    page = slips.read_text()
    codes = re.findall(r"<div class=code>([0-9A-Z-]+)</div>", page)
    assert len(codes) == 4 and len(set(codes)) == 4
    assert all(normalise_code(code) for code in codes)
    assert page.count("Lấy phiếu tín nhiệm") >= 4 and page.count("Phòng 201") == 4
    assert "@page { size: A4" in page and "dashed" in page
    fingerprint = re.search(r"Election fingerprint \(.*\): (\S+)", output)
    assert fingerprint is not None and page.count(fingerprint[1]) == 4
    assert "http" not in page and "<script" not in page
    # Written only where the operator says, and never over an existing file.
    run("credentials", "issue", election, "--present", "4", code=exit_codes.USAGE)


def _finalized_election(tmp_path: Path) -> Path:
    """An election whose single-trustee ceremony is finalized (no credentials yet)."""
    election = tmp_path / "election"
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("Hoàng Thị Thúy Lan,Chủ tịch HĐND\nLê Duy Thành,Chủ tịch UBND\n")
    run(
        "election", "create", election, "--title", "Lấy phiếu tín nhiệm", "--body", "HĐND",
        "--date", "2023-12-13", "--candidates", candidates, "--trustee", "Một",
        "--threshold", "1", "--ballots", "4",
    )  # fmt: skip
    secret = tmp_path / "secret"
    run("trustee", "init", election, "--index", "1", "--secret", secret, passphrase="pw")
    for step in ("commit", "open", "check", "answer", "finalize"):
        run("ceremony", step, election, "--secret", secret, passphrase="pw")
    return election


def test_the_printed_sheet_states_the_facts_and_export_writes_it_again(
    finished: dict[str, Path], tmp_path: Path
) -> None:
    # `result` runs once (in test_result_and_verify when the module runs in order); export
    # writes the sheets again, here with a place.
    if not (finished["admin"] / "record" / "results.json").exists():
        run("result", finished["admin"])
    run("board", "export", finished["admin"], "--place", "Hội trường tỉnh")
    html = (finished["admin"] / "record" / "results.html").read_text()
    assert "Hội trường tỉnh, ngày 13 tháng 12 năm 2023" in html
    for member, role in zip(
        ("Thành viên 1", "Thành viên 2", "Thành viên 3"),
        ("TRƯỞNG BAN", "THƯ KÝ", "ỦY VIÊN"),
        strict=True,
    ):
        assert f"<div class=member><span class=role>{role}</span>" in html
        assert f"<b>{member}</b></div>" in html
    assert "1. Thành viên 1, 3. Thành viên 3" in html
    assert "(ballots challenged, not counted)</span>: 1" in html
    assert re.search(r"election fingerprint\)</span>: <b>[0-9A-Z]{4}(-[0-9A-Z]{4}){3}</b>", html)
    out = tmp_path / "published"
    output = run(
        "board", "export", finished["admin"], "--out", out, "--decimal-comma", "--trim-zeros"
    ).output
    assert "Result sheet:" in output
    assert "75%" in (out / "results.html").read_text()
    csv_bytes = (out / "results.csv").read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and b";75;" in csv_bytes
    assert (out / "tracking-index.txt").exists()


def test_a_mistyped_credential_code_is_refused_before_the_choices(tmp_path: Path) -> None:
    from election_helpers import OpenElection

    from votecrypt.math import secp256k1

    opened = OpenElection(tmp_path / "booth", secp256k1(), ballots=2, candidates=2)
    try:
        code = opened.credentials[0].code
        typo = ("1" if code[0] != "1" else "2") + code[1:]
        result = run(
            "ballot",
            "cast",
            opened.directory.root,
            "--credential-stdin",
            input=f"{typo}\n",
            code=exit_codes.BAD_INPUT,
        )
        assert "mistyped" in result.output and "[1/2]" not in result.output
    finally:
        opened.close()


@pytest.mark.parametrize(
    "args",
    [
        ["--frob"],
        ["electio"],
        ["election", "create", "x", "--title", "T"],
        ["ballot", "track"],
        ["result", "x", "--decimal-comma=maybe"],
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == exit_codes.USAGE
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--help`)" in lines[0]


def test_ctrl_c_at_a_prompt_is_the_documented_exit_code(tmp_path: Path) -> None:
    from election_helpers import OpenElection

    from votecrypt.math import secp256k1

    opened = OpenElection(tmp_path / "booth", secp256k1(), ballots=2, candidates=2)
    try:
        # End of input at the credential prompt is what Ctrl-C at a prompt looks like.
        result = CliRunner().invoke(main, ["ballot", "cast", str(opened.directory.root)], input="")
        assert result.exit_code == exit_codes.INTERRUPTED == 130
        assert "interrupted: nothing half-written was kept" in result.output
        assert "130" in CliRunner().invoke(main, ["--help"]).output
    finally:
        opened.close()


def test_track_on_a_board_without_the_index_or_with_a_lying_one(
    finished: dict[str, Path], exported: Path, tmp_path: Path
) -> None:
    import sqlite3

    codes = _codes_in(exported)
    first, second = sorted(codes)[:2]
    copy = tmp_path / "election"
    shutil.copytree(finished["admin"], copy)
    db = sqlite3.connect(copy / "board.sqlite")
    # The index points the first code at the second's entry.
    db.execute("UPDATE tracking SET code = ? WHERE code = ?", (first, second))
    db.commit()
    output = run("ballot", "track", copy, first).output
    assert output.count("Found:") == 1 and f"board entry {codes[first][1]}." in output
    db.execute("DROP TABLE tracking")  # a board made before the index existed
    db.commit()
    db.close()
    output = run("ballot", "track", copy, second).output
    assert f"Found: ballot {second}" in output and f"board entry {codes[second][1]}." in output
