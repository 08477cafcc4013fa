"""The rehearsal of docs/counting-board.md's key ceremony with an absent and a late member,
through the `votecrypt` command as a separate process (spec 8.8, 8.9).

Each member has their own copy of the election directory and their own secret file; files
travel between the copies as on the USB stick. Member 3 is absent: the board's decision is
the guide's `sh absent` block, run by members 1 and 2 (t = 2). Member 3 arrives after the
ceremony ended: its files are ignored on every computer and its own steps say why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from votecrypt_cli import exit_codes

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "counting-board.md"
VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]


def votecrypt(*args: object, passphrase: str = "", code: int = 0) -> str:
    env = {**os.environ, "VOTECRYPT_PASSPHRASE": passphrase}
    done = subprocess.run(
        [*VOTECRYPT, *map(str, args)], capture_output=True, text=True, env=env, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == code, f"{args}: exit {done.returncode}\n{output}"
    assert "Traceback" not in output
    return output


def usb(copies: list[Path]) -> None:
    """Copy every ceremony file one member has to the members lacking it (the USB stick)."""
    for source in copies:
        for path in (source / "ceremony").iterdir():
            for target in copies:
                if not (target / "ceremony" / path.name).exists():
                    shutil.copy2(path, target / "ceremony" / path.name)


def absent_block() -> list[str]:
    """The guide's commands for an absent member (its `sh absent` block)."""
    block = re.search(r"```sh absent\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.startswith("votecrypt ")]


def test_rehearsal_with_an_absent_and_a_late_member(tmp_path: Path) -> None:
    admin = tmp_path / "secretary" / "bau-cu"
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("Phạm Thị Dung,Chủ tịch\n", encoding="utf-8")
    members = [arg for i in (1, 2, 3) for arg in ("--trustee", f"Thành viên {i}")]
    votecrypt(
        "election", "create", admin, "--title", "Lấy phiếu tín nhiệm", "--body", "HĐND xã",
        "--date", "2026-12-10", "--candidates", candidates, *members, "--threshold", "2",
        "--ballots", "3",
    )  # fmt: skip
    own = {i: tmp_path / f"member-{i}" / "bau-cu" for i in (1, 2, 3)}
    for i in (1, 2):  # member 3 is absent
        shutil.copytree(admin, own[i])
        secret = own[i].parent / f"thanh-vien-{i}.secret"
        votecrypt("trustee", "init", own[i], "--index", i, "--secret", secret, passphrase=f"pw {i}")
    present = [own[1], own[2]]
    usb(present)

    def step(i: int, *args: str, code: int = 0) -> str:
        secret = own[i].parent / f"thanh-vien-{i}.secret"
        return votecrypt(
            "ceremony", *args, own[i], "--secret", secret, passphrase=f"pw {i}", code=code
        )

    status = votecrypt("ceremony", "status", own[1])
    assert "Waiting for: trustee 3 to announce its keys" in status
    assert "ceremony decide" in status
    step(1, "commit")
    refused = step(1, "open", code=exit_codes.NOT_READY)
    assert "trustee 3 to announce its keys" in refused and "at least 2 trustees" in refused

    # The board's decision: the guide's block, each member on their own computer.
    for line in absent_block():
        words = line.split()[1:]
        if words[:2] == ["ceremony", "decide"]:
            i = int(re.search(r"thanh-vien-(\d)", line).group(1))  # type: ignore[union-attr]
            assert words[words.index("--without") + 1] == "3"
            step(i, "decide", "--without", "3")
            usb(present)
        else:
            assert words == ["ceremony", "status", "bau-cu"]
            status = votecrypt("ceremony", "status", own[1])
    assert "The board went on without trustee 3 (decided by trustees 1, 2)" in status

    step(2, "commit")
    usb(present)
    for name in ("open", "check", "answer"):
        for i in (1, 2):
            step(i, name)
        usb(present)
    first = step(1, "finalize")
    assert "Left out: trustee 3: the board went on without it" in first
    assert "Any 2 of trustees 1, 2 can decrypt the result." in first
    usb(present)
    assert step(2, "finalize") == first

    # Member 3 arrives late: its announcement reaches everyone, and changes nothing.
    shutil.copytree(own[1], own[3])
    secret = own[3].parent / "thanh-vien-3.secret"
    votecrypt("trustee", "init", own[3], "--index", 3, "--secret", secret, passphrase="pw 3")
    late = step(3, "commit", code=exit_codes.NOT_READY)
    assert "the board went on without trustee 3" in late
    usb([*present, own[3]])
    assert (own[1] / "ceremony" / "announce-3.json").exists()
    assert step(1, "finalize") == first
    status = votecrypt("ceremony", "status", own[2])
    assert "its messages are ignored, whenever they come" in status
    assert "The ceremony is finalized" in status
