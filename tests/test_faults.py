"""Races, full disks, read-only media, damaged boards and hostile values (issue 12): each
gives one line and its documented exit code, and leaves nothing half-written."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from election_helpers import FAST_KDF, OpenElection
from fuzz_helpers import HUGE_DIGITS, FinishedElection, invoke, log_lines, rechain, write_log
from votecrypt_cli import exit_codes

from votecrypt.errors import BallotError, BoardError, SecretStoreError, StorageError
from votecrypt.math import Group, secp256k1
from votecrypt.protocol import ballot as reasons
from votecrypt.record.json_codec import parse_json
from votecrypt.service import counting
from votecrypt.service.election_dir import ElectionDir
from votecrypt.service.voting import cast, close_voting, load_board, prepare
from votecrypt.storage import board as board_module
from votecrypt.storage import board_db, secret_file
from votecrypt.storage.board import BulletinBoard

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> FinishedElection:
    return FinishedElection(tmp_path_factory.mktemp("faults") / "election", secp256k1())


def copy_of(finished: FinishedElection, tmp_path: Path, *, opened: bool = False) -> Path:
    target = tmp_path / "election"
    shutil.copytree(finished.open_copy if opened else finished.root, target)
    return target


def expect(result: Result, code: int, text: str = "") -> None:
    assert result.exit_code == code, f"exit {result.exit_code}: {result.output}"
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and text in errors[0], result.output
    assert "Traceback" not in result.output


def leftovers(folder: Path) -> list[str]:
    """Temporary files of interrupted writes (".name.xxxx", ".board.sqlite.building")."""
    return sorted(p.name for p in folder.rglob(".*") if p.is_file())


# Closing while ballots arrive


def test_close_counts_the_ballots_inside_its_transaction(
    group: Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ballot submitted between the count and the close entry: it must wait for the close
    (and then be refused) or be counted; never a close entry that miscounts."""
    election = OpenElection(tmp_path / "e", group, ballots=3)
    board, context = election.board, election.context
    cast(board, prepare(context, election.credentials[0].code, ["high", "low"]))
    late = prepare(context, election.credentials[1].code, ["low", "low"])
    other = BulletinBoard(election.directory.board)
    other.use_context(context)
    other._db.execute("PRAGMA busy_timeout = 200")
    real_count = BulletinBoard.count
    outcome: list[str] = []

    def count_then_another_voter(self: BulletinBoard, kind: str | None = None) -> int:
        counted = real_count(self, kind)
        if kind == "ballot" and not outcome:
            try:
                cast(other, late)
                outcome.append("cast")
            except BoardError as error:
                assert "busy" in str(error)
                outcome.append("waited")  # the close holds the write lock
        return counted

    monkeypatch.setattr(BulletinBoard, "count", count_then_another_voter)
    close_voting(board, context)
    monkeypatch.undo()
    close = next(board.entries_of("close")).payload
    assert outcome == ["waited"]
    assert close["ballots"] == board.count("ballot") == 1
    other.close_connection()
    election.close()


def _keep_casting(args: tuple[str, list[str]]) -> int:
    root, codes = args
    board, context = load_board(ElectionDir(Path(root)), secp256k1())
    accepted = 0
    with board:
        for code in codes:
            try:
                cast(board, prepare(context, code, ["high", "low"]))
                accepted += 1
            except BallotError as error:
                if error.reason == reasons.VOTING_CLOSED:
                    break
                raise
    return accepted


def test_close_while_other_processes_cast(group: Group, tmp_path: Path) -> None:
    election = OpenElection(tmp_path / "e", group, ballots=40)
    codes = [c.code for c in election.credentials]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pending = pool.map_async(
            _keep_casting, [(str(election.directory.root), codes[i::2]) for i in range(2)]
        )
        while election.board.count("ballot") < 4:
            time.sleep(0.02)
        close_voting(election.board, election.context)
        accepted = sum(pending.get(timeout=300))
    close = next(election.board.entries_of("close")).payload
    assert close["ballots"] == election.board.count("ballot") == accepted
    election.close()


# `votecrypt result`: one transaction, and a rerun shows the published results


def test_result_publishes_shares_and_results_together(
    finished: FinishedElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of(finished, tmp_path)
    directory = ElectionDir(root)
    with sqlite3.connect(root / "board.sqlite") as db:  # back to "tallied"
        db.execute("DELETE FROM entries WHERE kind IN ('decryption-share', 'results')")
        db.execute("UPDATE state SET value = 'tallied'")
    board, context = load_board(directory, secp256k1())
    real_append = BulletinBoard.append

    def fail_on_results(self: BulletinBoard, kind: str, payload: Any) -> Any:
        if kind == "results":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_append(self, kind, payload)

    monkeypatch.setattr(BulletinBoard, "append", fail_on_results)
    with pytest.raises(OSError):
        counting.publish_results(directory, board, context)
    monkeypatch.undo()
    assert board.count("decryption-share") == 0 and board.phase() == "tallied"
    counting.publish_results(directory, board, context)
    assert board.count("decryption-share") == 2 and board.phase() == "published"
    board.close_connection()


def test_result_run_again_prints_the_published_results(
    finished: FinishedElection, tmp_path: Path
) -> None:
    root = copy_of(finished, tmp_path)
    first = invoke("result", root)
    assert first.exit_code == 0, first.output
    assert "already published" in first.output
    assert "Candidate 1" in first.output and "Decrypted with the shares of trustees 1, 3" in (
        first.output
    )
    assert invoke("verify", root / "record", "--jobs", "1").exit_code == 0


# Full disk


def _full_board(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every board connection may not grow its file: SQLite's "database or disk is full"."""
    real_connect = board_db.connect

    def connect(path: Path) -> sqlite3.Connection:
        db = real_connect(path)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return db

    monkeypatch.setattr(board_db, "connect", connect)  # opening a board
    monkeypatch.setattr(board_module, "connect", connect)  # building one


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file written fails to reach the disk: ENOSPC at its fsync."""

    def fsync(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)


def test_disk_full_while_casting(
    finished: FinishedElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Challenges (they use no credential) until the board's file cannot grow: that one
    fails with exit 9 and leaves the board as it was; every acknowledged one is there."""
    root = copy_of(finished, tmp_path, opened=True)
    _full_board(monkeypatch)
    acknowledged = 0
    for _ in range(30):
        result = invoke(
            "ballot", "challenge", root, "--credential-stdin", "--choices", "high,low",
            input=finished.codes[4] + "\n",
        )  # fmt: skip
        if result.exit_code != 0:
            break
        acknowledged += 1
    expect(result, exit_codes.STORAGE, "full")
    monkeypatch.undo()
    board, _ = load_board(ElectionDir(root), secp256k1())
    with board:
        assert board.count("challenge") == 1 + acknowledged
        assert board.count("ballot") == 3


def test_disk_full_while_opening_the_board(
    finished: FinishedElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of(finished, tmp_path)
    for name in ("board.sqlite", "record", "decryption"):
        path = root / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    _full_board(monkeypatch)
    expect(invoke("board", "open", root), exit_codes.STORAGE, "full")
    assert not (root / "board.sqlite").exists() and leftovers(root) == []
    monkeypatch.undo()
    assert invoke("board", "open", root).exit_code == 0


def test_disk_full_while_issuing_credentials(
    finished: FinishedElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of(finished, tmp_path)
    (root / "credentials.json").unlink()
    codes = tmp_path / "codes.txt"
    _full_disk(monkeypatch)
    expect(
        invoke("credentials", "issue", root, "--present", "5", "--codes-out", codes),
        exit_codes.STORAGE,
    )
    monkeypatch.undo()
    assert not codes.exists() and not (root / "credentials.json").exists()
    assert leftovers(root) == [] and leftovers(tmp_path) == []


def test_slips_only_issue_interrupted_after_publishing_keeps_the_codes(
    finished: FinishedElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With only --slips-out, the codes wait in an owner-only file beside the slips until the
    slips are written; a run stopped after publishing the list finishes on the next run."""
    from votecrypt_cli import credentials as credentials_cli

    root = copy_of(finished, tmp_path)
    for name in ("credentials.json", "board.sqlite"):
        (root / name).unlink()
    slips = tmp_path / "slips.html"

    def disk_full(*args: Any, **kwargs: Any) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(credentials_cli, "render_slips", disk_full)
    expect(
        invoke("credentials", "issue", root, "--present", "5", "--slips-out", slips),
        exit_codes.STORAGE,
    )
    monkeypatch.undo()
    pending = credentials_cli.pending_codes(slips)
    assert (root / "credentials.json").exists() and not slips.exists()
    assert pending.stat().st_mode & 0o777 == 0o600
    codes = [line.split()[1] for line in pending.read_text().splitlines()]
    rerun = invoke("credentials", "issue", root, "--present", "5", "--slips-out", slips)
    assert rerun.exit_code == 0, rerun.output
    assert "already issued" in rerun.output
    page = slips.read_text()
    assert all(code in page for code in codes) and not pending.exists()


def test_disk_full_while_decrypting(
    finished: FinishedElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of(finished, tmp_path)
    shutil.rmtree(root / "decryption")
    _full_disk(monkeypatch)
    secret = root / "private" / "t1.secret"
    expect(
        invoke(
            "trustee",
            "decrypt",
            root,
            "--secret",
            secret,
            "--board-hash",
            finished.board_hash,
            passphrase="pass-1",
        ),
        exit_codes.STORAGE,
        "No space left",
    )
    assert not (root / "decryption" / "share-1.json").exists()
    assert leftovers(root) == []


def test_disk_full_while_exporting_leaves_no_half_record(
    finished: FinishedElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of(finished, tmp_path)
    _full_disk(monkeypatch)
    expect(invoke("board", "export", root, "--out", tmp_path / "out"), exit_codes.STORAGE)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["election"]


# Read-only media


def test_a_read_only_board_refuses_writes_cleanly(
    finished: FinishedElection, tmp_path: Path
) -> None:
    root = copy_of(finished, tmp_path, opened=True)
    board, context = load_board(ElectionDir(root), secp256k1(), read_only=True)
    with board:
        assert board.count("ballot") == 3
        with pytest.raises(StorageError, match="readonly"):
            board.submit_ballot(finished.spare_ballot)
        with pytest.raises(StorageError):
            close_voting(board, context)


def _read_only_mount_works(tmp_path: Path) -> bool:
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind {tmp_path} {tmp_path}"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def test_read_only_media(finished: FinishedElection, tmp_path: Path) -> None:
    """The election directory on a read-only mount (a bind mount in a private namespace):
    the reading commands work; the writing ones fail with one line and exit 9."""
    if shutil.which("unshare") is None or not _read_only_mount_works(tmp_path):
        pytest.skip("no private mount namespace here to make a read-only mount")
    root = copy_of(finished, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    tracking = _a_tracking_code(root)
    commands = {
        "status": (["board", "status", root], 0),
        "track": (["ballot", "track", root, tracking], 0),
        "export": (["board", "export", root, "--out", out / "record"], 0),
        "verify": (["verify", root / "record", "--jobs", "1"], 0),
        "decrypt": (
            [
                "trustee",
                "decrypt",
                root,
                "--secret",
                out / "t1.secret",
                "--board-hash",
                finished.board_hash,
            ],
            9,
        ),
        "close": (["board", "close", root], 0),
        "result": (["result", root], 9),
    }
    shutil.copy2(root / "private" / "t1.secret", out / "t1.secret")
    (root / "decryption" / "share-1.json").unlink()  # decrypt reads the board, cannot write
    script = [f"mount --bind {root} {root} && mount -o remount,bind,ro {root}"]
    for name, (args, _) in commands.items():
        line = " ".join(f"'{a}'" for a in [*VOTECRYPT, *map(str, args)])
        script.append(f"echo '### {name}'; {line} 2>&1; echo \"### exit $?\"")
    env = {**os.environ, "VOTECRYPT_PASSPHRASE": "pass-1"}
    run = subprocess.run(
        ["unshare", "-m", "sh", "-c", "\n".join(script)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    sections = run.stdout.split("### ")[1:]
    outputs: dict[str, tuple[str, int]] = {}
    for number in range(0, len(sections), 2):
        name = sections[number].split("\n", 1)[0].strip()
        body = sections[number].split("\n", 1)[1]
        code = int(sections[number + 1].split()[1])
        outputs[name] = (body, code)
    for name, (_, expected) in commands.items():
        body, code = outputs[name]
        assert code == expected, f"{name}: exit {code}: {body}"
        assert "Traceback" not in body
        if expected:
            errors = [line for line in body.splitlines() if line.startswith("error")]
            assert len(errors) == 1 and "Read-only" in errors[0], body
    assert "Phase: published" in outputs["status"][0]
    assert "Found" in outputs["track"][0]
    assert (out / "record" / "log.jsonl").exists()


def _a_tracking_code(root: Path) -> str:
    from votecrypt.record.ballot_codec import ballot_from_plain

    board, context = load_board(ElectionDir(root), secp256k1(), read_only=True)
    with board:
        entry = next(board.entries_of("ballot"))
        return ballot_from_plain(entry.payload, context.group).tracking_code()


# Damaged boards


def _flip_last_hash(path: Path) -> None:
    with sqlite3.connect(path) as db:
        digest = db.execute("SELECT hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()[0]
    data = path.read_bytes()
    position = data.rindex(bytes(digest))
    path.write_bytes(data[:position] + bytes([data[position] ^ 1]) + data[position + 1 :])


def _flip_page_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size] ^= 0xFF  # page 2's b-tree page type
    path.write_bytes(bytes(data))


def _drop_table(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE ballot_ids")


DAMAGES = {
    "empty": lambda path: path.write_bytes(b""),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2]),
    "garbage": lambda path: path.write_bytes(os.urandom(8192)),
    "last entry bit-flipped": _flip_last_hash,
    "page header bit-flipped": _flip_page_header,
    "missing table": _drop_table,
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_board_is_detected(
    finished: FinishedElection, tmp_path: Path, damage: str
) -> None:
    root = copy_of(finished, tmp_path, opened=True)
    DAMAGES[damage](root / "board.sqlite")
    for command in (["board", "status", root], ["board", "close", root]):
        expect(invoke(*command), exit_codes.DAMAGED, "damaged")


# Hostile values in the record, in ballots and in files


def _tampered_record(finished: FinishedElection, tmp_path: Path, kind: str, change: Any) -> Path:
    record = tmp_path / "record"
    shutil.copytree(finished.record, record)
    entries = log_lines(record)
    index = next(i for i, e in enumerate(entries) if e["kind"] == kind)
    change(entries[index]["payload"])
    rechain(entries, index)
    write_log(record, entries)
    return record


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(payload: Any) -> None:
        for part in path[:-1]:
            payload = payload[part]
        payload[path[-1]] = value

    return change


HOSTILE = {
    "negative count": ("close", _set(("ballots",), -1), "log-format"),
    "5,000-digit integer": ("close", _set(("ballots",), "@@huge-integer@@"), "log-format"),
    "lone surrogate": ("manifest", _set(("title",), "\ud800"), "log-format"),
    "tally of 2^50 ballots": ("tally", _set(("ballots",), 2**50), "tally"),
    # the candidate lines belong to check 19 (spec 16.1, 16.2)
    "results of the wrong shape": ("results", _set(("candidates",), {"a": 1}), "result-counts"),
    "results with percentages of the wrong type": (
        "results",
        _set(("candidates", 0, "percentages"), 0),
        "result-percentages",
    ),
    "upper-case hex": ("tally", _set(("election",), "AB" * 32), "tally"),
    "hex with white space": ("tally", _set(("election",), " " + "ab" * 31 + " "), "tally"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_values_fail_their_check(
    finished: FinishedElection, tmp_path: Path, case: str
) -> None:
    kind, change, check = HOSTILE[case]
    record = _tampered_record(finished, tmp_path, kind, change)
    result = invoke("verify", record, "--jobs", "1", "--json")
    assert result.exit_code == exit_codes.VERIFY_FAILED, result.output
    report = json.loads(result.output.split("\nerror")[0])
    failed = {c["name"] for c in report["checks"] if c["status"] == "FAIL"}
    assert check in failed, failed


def test_json_nested_100000_deep_is_refused_without_a_crash(
    finished: FinishedElection, tmp_path: Path
) -> None:
    """py_ecc raises the recursion limit to 100,000; the process must not segfault."""
    record = tmp_path / "record"
    shutil.copytree(finished.record, record)
    with open(record / "log.jsonl", "ab") as log:
        log.write(b"[" * 100_000 + b"]" * 100_000 + b"\n")
    lines = tmp_path / "deep.jsonl"
    lines.write_bytes(b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n")
    election = copy_of(finished, tmp_path, opened=True)
    for args, code in (
        (["verify", record, "--jobs", "1"], exit_codes.VERIFY_FAILED),
        (["board", "import", election, lines, "--jobs", "1"], exit_codes.OK),
    ):
        run = subprocess.run(
            [*VOTECRYPT, *map(str, args)], capture_output=True, text=True, check=False
        )
        assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
        assert "nested too deeply" in run.stdout + run.stderr


def test_import_reports_each_bad_line_and_goes_on(
    finished: FinishedElection, tmp_path: Path
) -> None:
    election = copy_of(finished, tmp_path, opened=True)
    lines = tmp_path / "ballots.jsonl"
    good = json.dumps(finished.spare_ballot)
    bad = ["{broken", "-5", "", HUGE_DIGITS, '"\\udc00"', "[" * 1000 + "]" * 1000, "null"]
    lines.write_text("\n".join([*bad, good]) + "\n")
    result = invoke("board", "import", election, lines, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "Accepted: 1; rejected: 6" in result.output
    for number in (1, 2, 4, 5, 6, 7):  # line 3 is blank: skipped, still counted
        assert f"line {number}: malformed" in result.output


def test_file_errors_are_one_line(finished: FinishedElection, tmp_path: Path) -> None:
    election = copy_of(finished, tmp_path, opened=True)
    expect(
        invoke("board", "import", election, tmp_path / "missing.jsonl"),
        exit_codes.BAD_INPUT,
        "not found",
    )
    # A directory given for a file: click's usage error (exit 2) where the option says so.
    assert invoke("board", "import", election, tmp_path).exit_code == exit_codes.USAGE
    manifest = election / "manifest.json"
    manifest.write_text(
        manifest.read_text().replace('"credentials":5', f'"credentials":{HUGE_DIGITS}')
    )
    expect(invoke("ceremony", "status", election), exit_codes.BAD_INPUT, "too many digits")


def test_an_empty_passphrase_without_a_terminal(finished: FinishedElection, tmp_path: Path) -> None:
    root = copy_of(finished, tmp_path)
    secret = root / "private" / "t1.secret"
    expect(
        invoke(
            "trustee",
            "decrypt",
            root,
            "--secret",
            secret,
            "--board-hash",
            finished.board_hash,
            passphrase="",
        ),
        exit_codes.BAD_INPUT,
        "VOTECRYPT_PASSPHRASE is empty",
    )


# Secret files


def test_a_secret_file_header_cannot_demand_unbounded_work(
    finished: FinishedElection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t1.secret"
    document = parse_json(finished.secrets[1].read_bytes())
    derived: list[int] = []
    monkeypatch.setattr("votecrypt.primitives.passphrase.Argon2id", lambda **k: derived.append(1))
    for kdf in (
        {"iterations": 3, "lanes": 4, "memory_kib": 4 * 1024 * 1024},
        {"iterations": 64, "lanes": 4, "memory_kib": 64 * 1024},
        {"iterations": 8, "lanes": 4, "memory_kib": 256 * 1024},
        {"iterations": 1, "lanes": 64, "memory_kib": 64 * 1024},
    ):
        document["kdf"] = {"algorithm": "argon2id", **kdf}
        path.write_text(json.dumps(document))
        with pytest.raises(SecretStoreError):
            secret_file.load_trustee(path, "pass-1", secp256k1())
    assert derived == []


def test_saving_again_keeps_the_authenticated_parameters(
    finished: FinishedElection, tmp_path: Path
) -> None:
    path = tmp_path / "t1.secret"
    shutil.copy2(finished.secrets[1], path)
    trustee = secret_file.load_trustee(path, "pass-1", secp256k1())
    document = parse_json(path.read_bytes())
    assert document["kdf"]["memory_kib"] == FAST_KDF.memory_kib
    # Someone rewrites the header on disk while the step runs (a downgrade attempt).
    document["kdf"]["memory_kib"] = 8
    path.write_text(json.dumps(document))
    secret_file.save_trustee(path, trustee, "pass-1")
    saved = parse_json(path.read_bytes())["kdf"]
    assert (saved["iterations"], saved["lanes"], saved["memory_kib"]) == (
        FAST_KDF.iterations,
        FAST_KDF.lanes,
        FAST_KDF.memory_kib,
    )
    assert secret_file.load_trustee(path, "pass-1", secp256k1()).index == 1


# Strict decoding of single values


@pytest.mark.parametrize(
    "text",
    [
        '"ab  cd"',  # white space inside hex: bytes.fromhex would skip it
        '"ab\\tcd"',
        '"AB"',
        '"0xab"',
        '"abc"',
    ],
)
def test_hex_is_only_lower_case_digits(text: str) -> None:
    from votecrypt.errors import EncodingError
    from votecrypt.record.json_codec import decode_hex

    with pytest.raises(EncodingError):
        decode_hex(parse_json(text), "value")


@pytest.mark.parametrize(
    "text",
    ['"\\ud800"', '{"\\udfff": 1}', '["a\\udc00b"]', HUGE_DIGITS, "-" + HUGE_DIGITS],
)
def test_lone_surrogates_and_huge_integers_are_not_json_we_read(text: str) -> None:
    from votecrypt.errors import EncodingError

    with pytest.raises(EncodingError):
        parse_json(text)


def test_a_file_that_is_not_utf8_is_bad_input(tmp_path: Path) -> None:
    candidates = tmp_path / "candidates.csv"
    candidates.write_bytes(b"Nguy\xe1,Ch\xe1\n")
    result = invoke(
        "election", "create", tmp_path / "e", "--title", "T", "--body", "B",
        "--date", "2024-01-01", "--candidates", candidates, "--trustee", "A",
        "--threshold", "1", "--ballots", "3",
    )  # fmt: skip
    expect(result, exit_codes.BAD_INPUT, "not UTF-8")


def test_a_file_is_never_replaced_by_different_content(tmp_path: Path) -> None:
    from votecrypt.errors import FileError
    from votecrypt.storage.files import write_atomic

    path = tmp_path / "message.json"
    path.write_bytes(b"x" * 100)
    for data in (b"short", b"y" * 100, b"z" * 1000):
        with pytest.raises(FileError, match="different content"):
            write_atomic(path, data, overwrite=False)
    write_atomic(path, b"x" * 100, overwrite=False)  # the same content: a repeated step
    assert path.read_bytes() == b"x" * 100
    with pytest.raises(FileError, match="directory"):
        write_atomic(tmp_path, b"data")


def test_the_nesting_check_is_linear_on_hostile_strings() -> None:
    """Unterminated strings full of escaped quotes: a string pattern that restarts at every
    quote would take hours on a megabyte; counting must stay linear (run in a child process
    with a generous time limit, so a regression fails instead of hanging the suite)."""
    script = (
        "from votecrypt.record.json_codec import parse_json\n"
        "from votecrypt.errors import EncodingError\n"
        "escaped_quotes = (chr(92) + chr(34)) * 500_000\n"
        "for text in [chr(34) + escaped_quotes, '[' * 40 + chr(34) + escaped_quotes]:\n"
        "    try:\n"
        "        parse_json(text)\n"
        "    except EncodingError:\n"
        "        pass\n"
        "print('done')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.stdout.strip() == "done", run.stderr


def test_a_last_entry_with_columns_of_the_wrong_type_is_damage(
    finished: FinishedElection, tmp_path: Path
) -> None:
    root = copy_of(finished, tmp_path, opened=True)
    for change in ("payload = 7", "prev = 'text'", "hash = 1.5"):
        board = tmp_path / f"{change.split()[0]}.sqlite"
        shutil.copy2(root / "board.sqlite", board)
        db = sqlite3.connect(board, isolation_level=None)
        db.execute(f"UPDATE entries SET {change} WHERE seq = (SELECT MAX(seq) FROM entries)")
        db.close()  # the last connection folds the write-ahead log into the file
        shutil.copy2(board, root / "board.sqlite")
        expect(invoke("board", "status", root), exit_codes.DAMAGED, "damaged")
