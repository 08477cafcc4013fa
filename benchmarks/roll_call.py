"""The meeting's day at the roll call: `python -m benchmarks.roll_call`.

The People's Council of issue 23: 60 summoned, 56 present, 11 office holders, 5 trustees of
whom 3 endorse. The key ceremony is held before (in this process, with the real Argon2id cost
of every secret file, as the command line uses it) and is not part of the roll call. Then,
each as its own `votecrypt` process, as a secretary and three trustees run them: the codes
issued for the members present (with the printable slips), three endorsements, the board
opened; and, for a member who arrives late, a supplement prepared, endorsed by three
trustees and published. Wall-clock seconds per command and in all; the machine is shared,
so compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.machine import machine
from votecrypt.math import secp256k1
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.record.rule_presets import preset
from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
from votecrypt.service.election_dir import create_election

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
SUMMONED, PRESENT, TRUSTEES, THRESHOLD, PEOPLE = 60, 56, 5, 3, 11


def _ceremony(root: Path) -> float:
    group = secp256k1()
    manifest = Manifest.build(
        title="Lấy phiếu tín nhiệm năm 2026",
        body="Hội đồng nhân dân tỉnh",
        date="2026-12-10",
        candidates=[Candidate(f"Người {i}", "Chức vụ") for i in range(1, PEOPLE + 1)],
        rules=preset("nq96-2023"),
        trustees=[f"Thành viên {i}" for i in range(1, TRUSTEES + 1)],
        threshold=THRESHOLD,
        credentials=SUMMONED,
        summoned=SUMMONED,
    )
    directory = create_election(root / "election", manifest)
    started = time.perf_counter()
    for i in range(1, TRUSTEES + 1):
        trustee_init(directory, root / f"t{i}.secret", i, f"passphrase {i}", group)
    for step in ("commit", "open", "check", "answer"):
        for i in range(1, TRUSTEES + 1):
            ceremony_step(directory, root / f"t{i}.secret", f"passphrase {i}", group, step)
    for i in range(1, TRUSTEES + 1):
        ceremony_finalize(directory, root / f"t{i}.secret", f"passphrase {i}", group)
    return time.perf_counter() - started


def _run(
    timings: list[tuple[str, float]], name: str, *args: str | Path, passphrase: str = ""
) -> str:
    env = {**os.environ, "VOTECRYPT_PASSPHRASE": passphrase}
    started = time.perf_counter()
    done = subprocess.run(
        [*VOTECRYPT, *map(str, args)], capture_output=True, text=True, env=env, check=False
    )
    timings.append((name, time.perf_counter() - started))
    if done.returncode != 0:
        raise SystemExit(f"{name}: exit {done.returncode}\n{done.stdout}{done.stderr}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the timings and the machine here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        ceremony = _ceremony(root)
        election = root / "election"
        roll_call: list[tuple[str, float]] = []
        issued = _run(
            roll_call, "credentials issue --present 56 (with slips)", "credentials", "issue",
            election, "--present", str(PRESENT), "--slips-out", root / "slips.html",
        )  # fmt: skip
        found = re.search(r"sign with it\): (\S+)", issued)
        assert found is not None, issued
        for i in range(1, THRESHOLD + 1):
            _run(
                roll_call, f"credentials sign (trustee {i})", "credentials", "sign", election,
                "--secret", root / f"t{i}.secret", "--fingerprint", found[1],
                passphrase=f"passphrase {i}",
            )  # fmt: skip
        _run(roll_call, "board open", "board", "open", election)
        late: list[tuple[str, float]] = []
        _run(
            late, "credentials supplement --add 1 (with slip)", "credentials", "supplement",
            election, "--add", "1", "--slips-out", root / "late.html",
        )  # fmt: skip
        for i in range(1, THRESHOLD + 1):
            _run(
                late, f"credentials sign-supplement (trustee {i})", "credentials",
                "sign-supplement", election, "--secret", root / f"t{i}.secret", "--number", "1",
                "--added", "1", "--cancelled", "0", passphrase=f"passphrase {i}",
            )  # fmt: skip
        _run(late, "credentials publish-supplement", "credentials", "publish-supplement",
             election, "--number", "1")  # fmt: skip
    print(
        f"Key ceremony before the session ({TRUSTEES} trustees, in one process): {ceremony:.1f} s"
    )
    for title, timings in (("At the roll call", roll_call), ("A late member", late)):
        print(f"\n{title}:")
        for name, seconds in timings:
            print(f"  {name:<48} {seconds:6.2f} s")
        print(f"  {'in all (commands only; copying files and typing not included)':<48} "
              f"{sum(s for _, s in timings):6.2f} s")  # fmt: skip
    if options.json:
        options.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "ceremony_seconds": ceremony,
                    "roll_call": roll_call,
                    "late_member": late,
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
