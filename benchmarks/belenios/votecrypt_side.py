"""votecrypt's side: a closed ballot box, then the count as the command line runs it.

The box is filled through the services the command line itself calls (the key ceremony
with each trustee's secret file under the default Argon2id, as `votecrypt trustee init`
writes it; credentials issued and endorsed; every ballot prepared and accepted by the board
with its full checks), which is not timed. From the closed box on, each step is its own
`votecrypt` process: `tally`, `trustee decrypt` by 3 of the 5 trustees (each verifies the
whole board and recomputes the tally first, spec 12.2), `result`, `verify` of the record.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import fixtures
from benchmarks.belenios.processes import StepFailed, Timed, run
from votecrypt.math import secp256k1
from votecrypt.protocol.ballot import check_ballot
from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
from votecrypt.service.election_dir import ElectionDir, create_election
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.voting import cast, issue, load_board, open_board, prepare

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
TRUSTEES, THRESHOLD = 5, 3
BOARD_HASH = re.compile(r"Board hash at the tally[^:]*: ([0-9a-f]{16,})")


def passphrase(trustee: int) -> str:
    return f"benchmark passphrase {trustee}"


def secret(root: Path, trustee: int) -> Path:
    return root / f"trustee-{trustee}.secret"


@dataclass(frozen=True)
class Boxes:
    """Closed boxes to copy for each run, and what the ballots need."""

    plain: Path  # closed; no trustee checked the board before
    checked: Path  # closed after 3 trustees ran `votecrypt trustee check` on the full board
    codes: tuple[str, ...]


def build(root: Path, choices: Sequence[Sequence[str]], candidates: int) -> Boxes:
    """Fill a ballot box with one ballot per list of `choices` and close it (not timed)."""
    group = secp256k1()
    filling = root / "filling"
    directory = create_election(
        filling / "election", fixtures.manifest(candidates, len(choices), TRUSTEES, THRESHOLD)
    )
    for i in range(1, TRUSTEES + 1):
        trustee_init(directory, secret(filling, i), i, passphrase(i), group)
    for step in ("commit", "open", "check", "answer"):
        for i in range(1, TRUSTEES + 1):
            ceremony_step(directory, secret(filling, i), passphrase(i), group, step)
    for i in range(1, TRUSTEES + 1):
        outcome = ceremony_finalize(directory, secret(filling, i), passphrase(i), group)
    credentials = issue(directory)
    view = endorsement_view(directory, group)
    for i in outcome.qualified:
        endorse(directory, view, secret(filling, i), passphrase(i), group, view.fingerprint)
    board, context = open_board(directory, group)
    with board:
        for credential, wanted in zip(credentials, choices, strict=True):
            cast(board, prepare(context, credential.code, wanted))
    plain, checked = root / "closed", root / "closed-checked"
    shutil.copytree(filling, plain)
    shutil.copytree(filling, checked)
    for i in range(1, THRESHOLD + 1):
        command(checked, f"trustee check ({i})", "trustee", "check", "--secret",
                secret(checked, i), trustee=i)  # fmt: skip
    for box in (plain, checked):
        command(box, "board close", "board", "close")
    return Boxes(plain, checked, tuple(c.code for c in credentials))


def command(
    box: Path,
    name: str,
    *args: str | Path,
    trustee: int | None = None,
    timings: list[Timed] | None = None,
) -> str:
    """`votecrypt ARGS... BOX/election` (the election directory goes after the subcommand)."""
    subcommand = 2 if args[0] in ("trustee", "board") else 1
    arguments = [*args[:subcommand], box / "election", *args[subcommand:]]
    env = dict(os.environ)
    if trustee is not None:
        env["VOTECRYPT_PASSPHRASE"] = passphrase(trustee)
    return run(name, [*VOTECRYPT, *arguments], env=env, timings=timings)


def count_to_verified_result(box: Path) -> tuple[list[Timed], list[list[int]]]:
    """From the closed box to the verified result, every step a `votecrypt` process. Returns
    the steps' times and the announced counts per candidate (high, medium, low)."""
    steps: list[Timed] = []
    said = command(box, "tally", "tally", timings=steps)
    found = BOARD_HASH.search(said)
    if found is None:
        raise StepFailed("votecrypt tally: no board hash in its output")
    for i in range(1, THRESHOLD + 1):
        command(box, f"trustee decrypt ({i})", "trustee", "decrypt", "--secret", secret(box, i),
                "--board-hash", found[1], trustee=i, timings=steps)  # fmt: skip
    command(box, "result", "result", "--place", "Benchmark", timings=steps)
    verify_record(box, steps, "verify")
    sheet = json.loads((ElectionDir(box / "election").record / "result-sheet.json").read_text())
    wanted = ("high", "medium", "low")
    return steps, [[row["counts"][key] for key in wanted] for row in sheet["candidates"]]


def verify_record(box: Path, steps: list[Timed], name: str, *options: str) -> None:
    """`votecrypt verify [OPTIONS] BOX/election/record`: exit 0 only for a finished election
    whose every check passed."""
    run(name, [*VOTECRYPT, "verify", *options, ElectionDir(box / "election").record],
        timings=steps)  # fmt: skip


def ballot_times(
    box: Path, codes: Sequence[str], choices: Sequence[Sequence[str]], repetitions: int
) -> tuple[list[Timed], list[Timed]]:
    """Prepare (encrypt, prove, sign) and check (signature and row proofs, as the board does
    before accepting) ballots in this process, with its CPU time; the election context is
    the board's, verified as a booth verifies it."""
    board, context = load_board(ElectionDir(box / "election"), secp256k1(), read_only=True)
    board.close_connection()
    prepared, checked = [], []
    for n in range(repetitions + 1):  # the first one builds the key tables: left out
        code, wanted = codes[n % len(codes)], choices[n % len(choices)]
        cpu, wall = time.process_time(), time.perf_counter()
        ballot = prepare(context, code, wanted).ballot
        made = Timed("prepare", time.perf_counter() - wall, time.process_time() - cpu)
        cpu, wall = time.process_time(), time.perf_counter()
        check_ballot(ballot, context)
        done = Timed("check", time.perf_counter() - wall, time.process_time() - cpu)
        if n:
            prepared.append(made)
            checked.append(done)
    return prepared, checked
