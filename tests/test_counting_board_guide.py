"""Every command of docs/counting-board.md runs, in order, and does what the guide says.

All the members' computers are one directory here (copying over USB is the identity); the
passphrase of thanh-vien-N.secret comes from the environment, the booth's questions from
standard input (a voter's code from the slips printed for them, the code of the spoiled
slip handed back); <fingerprint> is what `credentials issue` printed (read aloud),
<board-hash> what `tally` printed, <tracking-code> the code the booth printed.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

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


def test_every_command_of_the_guide_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.chdir(tmp_path)
    workbook = openpyxl.Workbook()
    for row in PEOPLE:
        workbook.active.append(row)
    workbook.save(tmp_path / "danh-sach.xlsx")

    heard = {"<tracking-code>": "", "<fingerprint>": "", "<board-hash>": ""}
    outputs: dict[str, str] = {}
    slips = ["phieu-ma.html", "phieu-ma-bo-sung-1.html"]
    for line in guide_commands():
        args = shlex.split(line)[1:]
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
    # 25 issued at the roll call, one late member, one spoiled slip replaced: 26 issued, in
    # the record and on the sheet; the spoiled slip's credential is cancelled on the board.
    assert "25 credentials issued" in outputs["credentials issue"]
    assert "Ballots issued (số phiếu phát ra): 26" in outputs["credentials publish-supplement"]
    record = [json.loads(line) for line in (tmp_path / "ho-so" / "log.jsonl").open()]
    supplements = [e["payload"] for e in record if e["kind"] == "credential-supplement"]
    assert [(len(p["added"]), len(p["cancelled"])) for p in supplements] == [(1, 0), (1, 1)]
    results = next(e["payload"] for e in record if e["kind"] == "results")
    assert (results["issued"], results["collected"]) == (26, 2)
    assert len(codes_on(tmp_path / "phieu-ma-bo-sung-2.html")) == 1
    # The sheet's ballots issued and its quorum line use that final count.
    assert "(ballots issued)</span>:</td>\n<td><b>26</b>" in sheet
    assert "26/30" in sheet
    assert f"Found: ballot {heard['<tracking-code>']}, cast" in outputs["ballot track"]
