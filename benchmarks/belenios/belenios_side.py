"""Belenios' side: the installed `belenios-tool` (Debian's package of Belenios 2.0), each
step its own process, as Belenios' own demo script (examples/demo-threshold.sh) runs an
election.

Group BELENIOS-2048, the faster of the two the tool offers (a 2048-bit prime field with a
256-bit prime-order subgroup; the other, RFC-3526-2048, has 2047-bit exponents; 2.0 has no
elliptic-curve group). One homomorphic question per candidate, three answers, min 0 and
max 1: an empty answer is the blank line. Threshold decryption, 3 of 5 trustees (Pedersen
key generation, the tool's six steps); no server key.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.belenios.processes import StepFailed, Timed, run

TOOL = "belenios-tool"
GROUP = "BELENIOS-2048"
TRUSTEES, THRESHOLD = 5, 3
#: votecrypt's outcome keys as Belenios answers (high, medium, low); blank selects none.
ANSWERS = {"high": [1, 0, 0], "medium": [0, 1, 0], "low": [0, 0, 1], "blank": [0, 0, 0]}


def tool() -> str | None:
    """The installed belenios-tool, if it runs and is version 2.x."""
    path = shutil.which(TOOL)
    if path is None:
        return None
    try:
        version = run("belenios-tool --version", [path, "--version"]).strip()
    except (OSError, StepFailed):
        return None
    return path if version.startswith("2.") else None


def version() -> str:
    return run("belenios-tool --version", [TOOL, "--version"]).strip()


@dataclass(frozen=True)
class Boxes:
    """Election directories (each holds only the archive `UUID.bel`) and the secrets."""

    empty: Path  # set up, no ballot: where single ballots are prepared
    ten: Path  # the first 10 ballots (or fewer): one ballot's verification
    closed: Path  # every ballot, then EndBallots
    keys: Path  # the trustees' and voters' secret files
    ballots_in_ten: int
    decrypting: tuple[tuple[int, Path, Path], ...]  # (trustee id, key, decryption key)
    credentials: tuple[str, ...]


def build(root: Path, choices: Sequence[Sequence[str]]) -> Boxes:
    """Set up an election and cast one ballot per list of `choices` (not timed)."""
    keys, box = root / "keys", root / "filling"
    keys.mkdir(parents=True)
    box.mkdir()
    uuid = _tool("setup generate-token", "setup", "generate-token").strip()
    group = ["--group", GROUP]
    _tool("generate-credentials", "setup", "generate-credentials", "--uuid", uuid, *group,
          "--count", str(len(choices)), "--dir", keys)  # fmt: skip
    (public,) = keys.glob("*.pubcreds")
    (private,) = keys.glob("*.privcreds")
    shutil.move(public, box / "public_creds.json")
    credentials = tuple(line.split()[1] for line in private.read_text().splitlines() if line)

    def keygen(*args: str | Path, stdin: str | None = None) -> str:
        return run("generate-trustee-key-threshold",
                   [TOOL, "setup", "generate-trustee-key-threshold", *group, *args],
                   cwd=keys, stdin=stdin)  # fmt: skip

    for _ in range(TRUSTEES):
        keygen("--step", "1")
    certs = sorted(keys.glob("*.cert"))  # the trustees' order in threshold.json: their ids
    (keys / "certs.jsons").write_text("".join(c.read_text() for c in certs))
    keygen("--certs", "certs.jsons", "--step", "2")
    trustee_keys = [cert.with_suffix(".key") for cert in certs]
    polynomials = "".join(
        keygen("--certs", "certs.jsons", "--key", key.name, "--step", "3",
               "--threshold", str(THRESHOLD))
        for key in trustee_keys
    )  # fmt: skip
    (keys / "polynomials.jsons").write_text(polynomials)
    keygen("--certs", "certs.jsons", "--step", "4", "--polynomials", "polynomials.jsons")
    outputs = "".join(
        keygen("--certs", "certs.jsons", "--key", key.name, "--step", "5",
               stdin=key.with_suffix(".vinput").read_text())
        for key in trustee_keys
    )  # fmt: skip
    (box / "threshold.json").write_text(
        keygen("--certs", "certs.jsons", "--step", "6", "--polynomials", "polynomials.jsons",
               stdin=outputs)
    )  # fmt: skip
    (box / "public_keys.jsons").write_text("")  # no server key: the trustees alone decrypt
    _tool("make-trustees", "setup", "make-trustees", "--dir", box)
    (box / "threshold.json").unlink()
    (box / "public_keys.jsons").unlink()
    template = keys / "template.json"
    template.write_text(json.dumps(questions(len(choices[0]))))
    _tool("make-election", "setup", "make-election", "--uuid", uuid, *group,
          "--template", template, "--dir", box)  # fmt: skip
    run("archive init", [TOOL, "archive", "init"], cwd=box)  # reads ./election.json etc.
    for name in ("election.json", "trustees.json", "public_creds.json"):
        (box / name).unlink()
    empty, ten, closed = root / "empty", root / "ten", root / "closed"
    shutil.copytree(box, empty)
    ballots_in_ten = min(10, len(choices))
    for number, (credential, wanted) in enumerate(zip(credentials, choices, strict=True)):
        made = generate_ballot(box, keys, credential, wanted)
        add_event(box, "Ballot", made)
        if number + 1 == ballots_in_ten:
            shutil.copytree(box, ten)
    add_event(box, "EndBallots", "")
    shutil.copytree(box, closed)
    decrypting = tuple(
        (i, key, key.with_suffix(".dkey")) for i, key in enumerate(trustee_keys, start=1)
    )
    return Boxes(empty, ten, closed, keys, ballots_in_ten, decrypting[:THRESHOLD], credentials)


def questions(candidates: int) -> dict[str, object]:
    return {
        "description": "Benchmark",
        "name": "Benchmark",
        "questions": [
            {"question": f"Candidate {i + 1}", "answers": ["high", "medium", "low"],
             "min": 0, "max": 1}
            for i in range(candidates)
        ],
    }  # fmt: skip


def generate_ballot(
    box: Path,
    keys: Path,
    credential: str,
    wanted: Sequence[str],
    timings: list[Timed] | None = None,
) -> str:
    (keys / "credential").write_text(credential + "\n")
    (keys / "choices.json").write_text(json.dumps([ANSWERS[w] for w in wanted]) + "\n")
    return run("generate-ballot", [TOOL, "election", "generate-ballot", "--dir", box,
               "--privcred", keys / "credential", "--ballot", keys / "choices.json"],
               timings=timings)  # fmt: skip


def add_event(box: Path, kind: str, payload: str, timings: list[Timed] | None = None) -> None:
    run(f"add-event {kind}", [TOOL, "archive", "add-event", "--dir", box, "--type", kind],
        stdin=payload, timings=timings)  # fmt: skip


def verify(box: Path, timings: list[Timed], name: str = "verify") -> None:
    """`election verify`: every check of the archive; exits non-zero when one fails."""
    _tool(name, "election", "verify", "--dir", box, timings=timings)


def count_to_verified_result(boxes: Boxes, box: Path) -> tuple[list[Timed], list[list[int]]]:
    """From the closed box (EndBallots) to the verified result, as demo-threshold.sh runs it;
    each trustee's `decrypt-threshold` checks every ballot and recomputes the tally first.
    Returns the steps' times and the counts per candidate (high, medium, low)."""
    steps: list[Timed] = []
    tally = _tool("compute-encrypted-tally", "election", "compute-encrypted-tally",
                  "--dir", box, timings=steps)  # fmt: skip
    add_event(box, "EncryptedTally", tally, steps)
    for trustee, key, decryption_key in boxes.decrypting:
        share = _tool(f"decrypt-threshold ({trustee})", "election", "decrypt-threshold",
                      "--dir", box, "--key", key, "--decryption-key", decryption_key,
                      "--trustee-id", str(trustee), timings=steps)  # fmt: skip
        add_event(box, "PartialDecryption", share, steps)
    result = _tool("compute-result", "election", "compute-result", "--dir", box, timings=steps)
    add_event(box, "Result", result, steps)
    verify(box, steps)
    return steps, [list(map(int, row)) for row in json.loads(result)["result"]]


def _tool(name: str, *args: str | Path, timings: list[Timed] | None = None) -> str:
    return run(name, [TOOL, *args], timings=timings)
