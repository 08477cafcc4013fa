"""The meeting's day through the `votecrypt` command, each command a separate process: the
ceremony done before the session; at the roll call the ballots issued set by `credentials
issue --present` (refused below the quorum); a late member's code and a spoiled slip
cancelled and replaced by supplements that t trustees sign (spec 9.6); the record and the
results with the final count, verified. The operator's mistakes and attacks each give one
line and their documented exit code, and change nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from election_helpers import FAST_KDF, manifest_for
from votecrypt_cli import exit_codes

from votecrypt.math import secp256k1

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
SUMMONED = 5


def votecrypt(
    *args: str | Path, code: int = exit_codes.OK, passphrase: str = "", stdin: str = ""
) -> str:
    env = {**os.environ, "VOTECRYPT_PASSPHRASE": passphrase}
    done = subprocess.run(
        [*VOTECRYPT, *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == code, f"{args}: exit {done.returncode}\n{output}"
    assert "Traceback" not in output
    if code != exit_codes.OK:
        errors = [line for line in output.splitlines() if line.startswith("error")]
        assert len(errors) == 1, output
    return output


def _codes(path: Path) -> list[str]:
    return [line.split()[1] for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def ceremony_done(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An election whose key ceremony was held before the session (two of three trustees
    needed); no credential yet."""
    from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
    from votecrypt.service.election_dir import create_election

    root = tmp_path_factory.mktemp("day")
    group = secp256k1()
    manifest = manifest_for([("Hoàng Thị Thúy Lan", "Chủ tịch"), ("Lê Duy Thành", "Phó")], SUMMONED)
    directory = create_election(root / "election", manifest)
    for i in (1, 2, 3):
        trustee_init(directory, root / f"t{i}.secret", i, f"pw{i}", group, FAST_KDF)
    for step in ("commit", "open", "check", "answer"):
        for i in (1, 2, 3):
            ceremony_step(directory, root / f"t{i}.secret", f"pw{i}", group, step)
    for i in (1, 2, 3):
        ceremony_finalize(directory, root / f"t{i}.secret", f"pw{i}", group)
    return root


def test_the_day_runs_with_a_late_member_and_a_spoiled_slip(ceremony_done: Path) -> None:
    root = ceremony_done
    election = root / "election"

    def sign_supplement(number: int, added: int, cancelled: int, i: int, code: int = 0) -> str:
        return votecrypt(
            "credentials", "sign-supplement", election, "--secret", root / f"t{i}.secret",
            "--number", str(number), "--added", str(added), "--cancelled", str(cancelled),
            code=code, passphrase=f"pw{i}",
        )  # fmt: skip

    # The roll call: 3 of 5 present is below 2/3; the vote may not proceed, nothing is issued.
    below = votecrypt(
        "credentials", "issue", election, "--present", "3", "--codes-out", root / "c.txt",
        code=exit_codes.BAD_INPUT,
    )  # fmt: skip
    assert "below the quorum of 2/3" in below
    assert not (election / "credentials.json").exists() and not (root / "c.txt").exists()
    issued = votecrypt(
        "credentials", "issue", election, "--present", "4", "--codes-out", root / "codes.txt"
    )
    assert "4 credentials issued" in issued
    fingerprint = re.search(r"sign with it\): (\S+)", issued)
    assert fingerprint is not None
    for i in (1, 2):
        signed = votecrypt(
            "credentials", "sign", election, "--secret", root / f"t{i}.secret",
            "--fingerprint", fingerprint[1], passphrase=f"pw{i}",
        )  # fmt: skip
        assert "4 public credentials" in signed
    votecrypt("board", "open", election)
    codes = _codes(root / "codes.txt")

    # A late member: supplement 1 adds one code. Published without t endorsements: refused.
    prepared = votecrypt(
        "credentials", "supplement", election, "--add", "1", "--codes-out", root / "late.txt"
    )
    assert "Supplement 1 prepared: adds 1, cancels 0; ballots issued once it is published: 5" in (
        prepared
    )
    refused = votecrypt(
        "credentials", "publish-supplement", election, "--number", "1", code=exit_codes.INVALID
    )
    assert "endorsed by 0 qualified trustee(s); 2 are needed" in refused
    # A trustee told of one late member refuses a supplement adding two.
    wrong = sign_supplement(1, 2, 0, 1, code=exit_codes.INVALID)
    assert "not the supplement the meeting decided" in wrong
    sign_supplement(1, 1, 0, 1)
    refused = votecrypt(
        "credentials", "publish-supplement", election, "--number", "1", code=exit_codes.INVALID
    )
    assert "endorsed by 1 qualified trustee(s); 2 are needed" in refused
    sign_supplement(1, 1, 0, 2)
    published = votecrypt("credentials", "publish-supplement", election, "--number", "1")
    assert "Ballots issued (số phiếu phát ra): 5" in published
    again = votecrypt("credentials", "publish-supplement", election, "--number", "1")
    assert "already published" in again

    # Voting: a ballot of a roll-call code; its credential can no longer be cancelled.
    cast = ("ballot", "cast", election, "--credential-stdin", "--choices", "high,blank")
    votecrypt(*cast, stdin=codes[0] + "\n")
    used = votecrypt(
        "credentials", "supplement", election, "--cancel", "1",
        stdin=codes[0] + "\n", code=exit_codes.BAD_INPUT,
    )  # fmt: skip
    assert "a cast ballot stays in the count" in used
    # A spoiled slip handed back: cancelled and replaced in supplement 2.
    votecrypt(
        "credentials", "supplement", election, "--cancel", "1", "--add", "1",
        "--codes-out", root / "replacement.txt", stdin=codes[1] + "\n",
    )  # fmt: skip
    for i in (1, 3):
        sign_supplement(2, 1, 1, i)
    published = votecrypt("credentials", "publish-supplement", election, "--number", "2")
    assert "Ballots issued (số phiếu phát ra): 5" in published
    spoiled = votecrypt(*cast, stdin=codes[1] + "\n", code=exit_codes.REJECTED)
    assert "The counting board cancelled this code" in spoiled
    for code in (*_codes(root / "replacement.txt"), *_codes(root / "late.txt")):
        votecrypt(*cast, stdin=code + "\n")
    # Never more credentials in force than the members summoned (the packing's base).
    over = votecrypt(
        "credentials", "supplement", election, "--add", "1", "--codes-out", root / "x.txt",
        code=exit_codes.BAD_INPUT,
    )  # fmt: skip
    assert "at most 5" in over and not (root / "x.txt").exists()

    status = votecrypt("board", "status", election)
    assert "Ballots cast: 3 of 5 issued" in status
    assert "Credential supplements published: 2" in status
    votecrypt("board", "close", election)
    closed = votecrypt(
        "credentials", "supplement", election, "--add", "1", "--codes-out", root / "y.txt",
        code=exit_codes.NOT_READY,
    )  # fmt: skip
    assert "only while voting is open" in closed
    tallied = votecrypt("tally", election, "--jobs", "1")
    board_hash = re.search(r"Board hash at the tally .*: ([0-9a-f]{64})", tallied)
    assert board_hash is not None
    for i in (1, 2):
        votecrypt(
            "trustee", "decrypt", election, "--secret", root / f"t{i}.secret",
            "--board-hash", board_hash[1], passphrase=f"pw{i}",
        )  # fmt: skip
    votecrypt("result", election)
    votecrypt("board", "export", election, "--out", root / "record")
    assert "VERIFIED" in votecrypt("verify", root / "record", "--jobs", "1")
    results = json.loads((root / "record" / "results.json").read_text())
    # 4 at the roll call, 1 late, 1 spoiled replaced: 5 issued; 3 voted.
    assert (results["issued"], results["collected"]) == (5, 3)
    log = [json.loads(line) for line in (root / "record" / "log.jsonl").open()]
    kinds = [entry["kind"] for entry in log]
    assert kinds.count("credential-supplement") == 2
    assert kinds.index("credential-supplement") > kinds.index("open")
