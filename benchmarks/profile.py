"""Where verifying a ballot spends its time: `python -m benchmarks.profile [--ballots N]`.

Runs the board's and verifier's check of one 22-candidate x 4-option ballot (signature and 22
set-membership proofs) under cProfile and splits the time into the calls into libsecp256k1
and everything else (Python: parsing, serialising, wrappers, hashing), then lists the
functions with the most time of their own. With the native accelerator built (spec 18.2), its
multi-scalar multiplication is the function `_secp256k1_ecmult_multi_var` (the C call alone)
and counts as the library's time. cProfile slows Python code down more than C
calls, so read the split as an upper bound on the Python share, and compare two profiles
taken in the same way (before and after a change).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/profile.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import fixtures
from votecrypt.math import secp256k1
from votecrypt.protocol.ballot import check_ballot
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.credentials import issue_credentials

CANDIDATES = 22
TOP = 12


def profile(ballots: int) -> pstats.Stats:
    group = secp256k1()
    context = fixtures.context(group, CANDIDATES, 500)
    credential = issue_credentials(context.manifest_hash, 1)[0][0]
    ballot = prepare_ballot(context, credential, [i % 4 for i in range(CANDIDATES)]).ballot
    check_ballot(ballot, context)  # builds the key table, as the board and verifier do once
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(ballots):
        check_ballot(ballot, context)
    profiler.disable()
    return pstats.Stats(profiler)


def report(stats: pstats.Stats, ballots: int) -> str:
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(own for (_, _, own, _, _) in entries.values())
    library = sum(
        own for (_, _, name), (_, _, own, _, _) in entries.items() if "secp256k1_" in name
    )
    lines = [
        f"one 22 x 4 ballot, {ballots} checks under cProfile: "
        f"{total / ballots * 1e3:.2f} ms per ballot",
        f"  in libsecp256k1: {library / ballots * 1e3:.2f} ms ({library / total:.0%})",
        f"  everything else: {(total - library) / ballots * 1e3:.2f} ms "
        f"({(total - library) / total:.0%})",
        "",
        f"{'own ms/ballot':>13} {'calls/ballot':>12}  function",
    ]
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    for (filename, line, name), (_, calls, own, _, _) in ranked[:TOP]:
        where = name if filename == "~" else f"{Path(filename).name}:{line} {name}"
        lines.append(f"{own / ballots * 1e3:>13.3f} {calls / ballots:>12.0f}  {where}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ballots", type=int, default=100)
    args = parser.parse_args(argv)
    print(report(profile(args.ballots), args.ballots))
    return 0


if __name__ == "__main__":
    sys.exit(main())
