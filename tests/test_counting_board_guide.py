"""Every command of docs/counting-board.md runs, in order, and does what the guide says.

All the members' computers are one directory here (copying over USB is the identity); the
passphrase of thanh-vien-N.secret comes from the environment, the booth's questions from
standard input (a voter's code from the slips printed for them, the code of the spoiled
slip handed back); <fingerprint> is what `credentials issue` printed (read aloud),
<board-hash> what `tally` printed, <tracking-code> the code the booth printed.

The board server and the voting station run as processes on loopback (the room's network is
this computer: `--host 0.0.0.0` and the server's address 192.168.1.10 become 127.0.0.1 and a
free port), and before the board closes a member votes at the station in Debian's Chromium
(when installed), and the spoiled slip's code is refused there as cancelled. /media/usb is
a directory of the test.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from votecrypt_cli.main import main

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "counting-board.md"
PEOPLE = [
    ("Họ và tên", "Chức vụ"),
    ("Phạm Thị Dung", "Chủ tịch Hội đồng nhân dân xã"),
    ("Hoàng Văn Em", "Phó Chủ tịch Hội đồng nhân dân xã"),
    ("Vũ Thị Gấm", "Chủ tịch Ủy ban nhân dân xã"),
]


def guide_commands() -> list[str]:
    """The `votecrypt` lines of the guide's sh blocks, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [
        line for block in blocks for line in block.splitlines() if line.startswith("votecrypt ")
    ]


def guide_block(kind: str) -> list[str]:
    """The lines of the guide's one ```sh KIND block (run by the test that KIND names)."""
    (block,) = re.findall(rf"```sh {kind}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [line for line in block.splitlines() if line]


def inline_commands() -> list[str]:
    """The `votecrypt ...` commands the guide's text names outside its sh blocks."""
    text = re.sub(r"```.*?```", "", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    return re.findall(r"`(votecrypt [^`]+)`", text)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _running(args: list[str], port: int, log: Path) -> Iterator[None]:
    """`votecrypt ARGS` as its own process, until it listens on `port`."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from votecrypt_cli.main import main; main()", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _vote_at_the_station(url: str, code: str, cancelled: str) -> bool:
    """A member votes in the browser booth of the station at `url`; the code of a cancelled
    slip is refused there in its own words. False when Chromium is not installed."""
    try:
        from playwright.sync_api import sync_playwright
        from test_browser import CHROMIUM, CHROMIUM_ARGS, LAPTOP, Booth
    except ImportError:
        return False
    if not CHROMIUM.exists():
        return False
    import httpx

    deadline = time.monotonic() + 120
    while httpx.get(f"{url}/station/status", timeout=60).json()["state"] != "ready":
        assert time.monotonic() < deadline, "the station never verified the board"
        time.sleep(0.2)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "guide")
            booth.enter_code(cancelled)
            booth.page.wait_for_selector("#code-message:has-text('cancelled this code')")
            assert "Ban kiểm phiếu đã huỷ mã này" in booth.page.inner_text("#code-message")
            booth.vote(code, ["high", "medium", "low"])
        finally:
            browser.close()
    return True


def codes_on(slips: Path) -> list[str]:
    """The codes printed on a page of slips."""
    return re.findall(r"<div class=code>([0-9A-Z-]+)</div>", slips.read_text(encoding="utf-8"))


def passphrase_of(secret: str) -> str:
    return f"mật khẩu dài của {secret.removesuffix('.secret')}"


def test_the_guide_has_the_whole_election() -> None:
    commands = [" ".join(line.split()[1:3]) for line in guide_commands()]
    for step in (
        "election create", "trustee init", "ceremony finalize", "credentials issue",
        "credentials sign", "board open", "ballot cast", "board close", "tally bau-cu",
        "trustee decrypt", "result bau-cu", "board export", "verify ho-so", "trustee passphrase",
    ):  # fmt: skip
        assert step in commands, step
    # The trustees sign the credential list between issuing it and opening the board.
    assert commands.index("credentials issue") < commands.index("credentials sign")
    assert commands.index("credentials sign") < commands.index("board open")
    # The ceremony is done before the roll call; supplements while voting is open.
    assert commands.index("ceremony finalize") < commands.index("credentials issue")
    for step in ("credentials supplement", "credentials sign-supplement"):
        assert commands.index("board open") < commands.index(step) < commands.index("board close")
    assert commands.index("credentials publish-supplement") < commands.index("board close")
    # Stations: the server, a station checked and then run, while voting is open.
    for step in ("serve bau-cu", "station --check", "station http://192.168.1.10:8000"):
        assert commands.index("board open") < commands.index(step) < commands.index("board close")
    assert commands.index("station --check") < commands.index("station http://192.168.1.10:8000")


def test_every_command_the_guide_names_is_one_it_runs() -> None:
    """A command named in the text is one of the sh blocks' (which the tests run)."""
    run = [" ".join(shlex.split(line)[:3]) for line in guide_commands()]
    # run by test_ceremony_rehearsal, test_ceremony_channel, test_ceremony_equivocation,
    # test_ceremony_late
    for kind in ("absent", "channel", "evidence", "late"):
        block = guide_block(kind)
        run += [" ".join(line.split()[:3]) for line in block]
    named = inline_commands()
    assert named
    for command in named:
        words = shlex.split(command.replace("ELECTION", "bau-cu"))
        assert any(
            " ".join(words[:3]).startswith(r) or r.startswith(" ".join(words[:3])) for r in run
        ), command


def test_every_command_of_the_guide_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ExitStack() as processes:
        _run_the_guide(tmp_path, monkeypatch, processes)


def _run_the_guide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: ExitStack) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.chdir(tmp_path)
    workbook = openpyxl.Workbook()
    for row in PEOPLE:
        workbook.active.append(row)
    workbook.save(tmp_path / "danh-sach.xlsx")

    heard = {"<tracking-code>": "", "<fingerprint>": "", "<board-hash>": ""}
    outputs: dict[str, str] = {}
    slips = ["phieu-ma.html", "phieu-ma-bo-sung-1.html"]
    board_port, station_port = _free_port(), _free_port()
    board_url = f"http://127.0.0.1:{board_port}"
    station: dict[str, Any] = {}
    for line in guide_commands():
        line = line.replace("http://192.168.1.10:8000", board_url)
        line = line.replace("/media/usb/", f"{tmp_path / 'usb'}/")
        args = shlex.split(line)[1:]
        if args[0] == "serve":  # the board server, until the end of the day
            args = [a if a != "0.0.0.0" else "127.0.0.1" for a in args]
            processes.enter_context(
                _running([*args, "--port", str(board_port)], board_port, tmp_path / "serve.log")
            )
            continue
        if args[0] == "station" and "--check" not in args:
            processes.enter_context(
                _running([*args, "--port", str(station_port)], station_port, tmp_path / "st.log")
            )
            station["url"] = f"http://127.0.0.1:{station_port}"
            continue
        if args[:2] == ["board", "close"]:
            # Before the close: a member votes at the station, in the browser booth.
            roll_call = codes_on(tmp_path / "phieu-ma.html")
            station["voted"] = _vote_at_the_station(station["url"], roll_call[2], roll_call[1])
        if args[:2] == ["board", "snapshot"]:
            Path(args[args.index("--out") + 1]).parent.mkdir(parents=True)
        env = {"VOTECRYPT_PASSPHRASE": "", "VOTECRYPT_NEW_PASSPHRASE": ""}
        if "--secret" in args:
            secret = args[args.index("--secret") + 1]
            env["VOTECRYPT_PASSPHRASE"] = passphrase_of(secret)
            if args[:2] == ["trustee", "passphrase"]:
                env["VOTECRYPT_NEW_PASSPHRASE"] = "mật khẩu mới sau khi đổi"
        stdin = None
        if args[:2] == ["ballot", "cast"]:
            # The first voter holds a slip of the roll call, the second the late member's.
            code = codes_on(tmp_path / slips.pop(0))[0]
            stdin = f"{code}\n1\n2\n3\nc\n"
        if args[:2] == ["credentials", "supplement"] and "--cancel" in args:
            spoiled = codes_on(tmp_path / "phieu-ma.html")[1]
            stdin = f"{spoiled}\n"
        args = [heard.get(arg, arg) for arg in args]
        assert "" not in args, f"{line}: a placeholder was not printed by an earlier step"
        result = CliRunner().invoke(main, args, env=env, input=stdin)
        assert result.exit_code == 0, f"{line}\n{result.output}"
        assert "Traceback" not in result.output and "warning" not in result.output
        outputs[" ".join(args[:2])] = outputs.get(" ".join(args[:2]), "") + result.output
        if args[:2] == ["ballot", "cast"]:
            match = re.search(
                r"Tracking code:? ([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})", result.output
            )
            assert match is not None, result.output
            heard["<tracking-code>"] = match[1]
        if args[:2] == ["credentials", "issue"]:
            found = re.search(r"sign with it\): (\S+)", result.output)
            assert found is not None, result.output
            heard["<fingerprint>"] = found[1]
        if args[0] == "tally":
            found = re.search(r"Board hash at the tally .*: ([0-9a-f]{64})", result.output)
            assert found is not None, result.output
            heard["<board-hash>"] = found[1]

    assert "header row skipped" in outputs["election create"]
    assert "  1. Phạm Thị Dung — Chủ tịch Hội đồng nhân dân xã" in outputs["election create"]
    # One fingerprint everywhere: board open, the slips, the sheet.
    fingerprint = re.search(
        r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", outputs["board open"]
    )
    assert fingerprint is not None
    assert fingerprint[0] in (tmp_path / "phieu-ma.html").read_text(encoding="utf-8")
    sheet = (tmp_path / "ho-so" / "results.html").read_text(encoding="utf-8")
    assert fingerprint[0] in sheet and "Hội trường UBND xã Tân Phú" not in sheet  # export: no place
    assert "https://tanphu.example.gov.vn/tin-nhiem-2026" in (
        tmp_path / "bau-cu" / "record" / "results.html"
    ).read_text(encoding="utf-8")
    assert "100,00%" in outputs["result bau-cu"]
    assert "VERIFIED" in outputs["verify ho-so"]
    assert "This station would serve the approved booth" in outputs["station --check"]
    assert (tmp_path / "usb" / "bau-cu" / "board.sqlite").stat().st_size > 0
    # 25 issued at the roll call, one late member, one spoiled slip replaced: 26 issued, in
    # the record and on the sheet; the spoiled slip's credential is cancelled on the board.
    assert "25 credentials issued" in outputs["credentials issue"]
    assert "Ballots issued (số phiếu phát ra): 26" in outputs["credentials publish-supplement"]
    record = [json.loads(line) for line in (tmp_path / "ho-so" / "log.jsonl").open()]
    supplements = [e["payload"] for e in record if e["kind"] == "credential-supplement"]
    assert [(len(p["added"]), len(p["cancelled"])) for p in supplements] == [(1, 0), (1, 1)]
    results = next(e["payload"] for e in record if e["kind"] == "results")
    at_the_station = 1 if station["voted"] else 0
    assert (results["issued"], results["collected"]) == (26, 2 + at_the_station)
    assert len(codes_on(tmp_path / "phieu-ma-bo-sung-2.html")) == 1
    # The sheet's ballots issued and its quorum line use that final count.
    assert "(ballots issued)</span>:</td>\n<td><b>26</b>" in sheet
    assert "26/30" in sheet
    assert f"Found: ballot {heard['<tracking-code>']}, cast" in outputs["ballot track"]
