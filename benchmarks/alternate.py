"""This tree against another checkout, alternating, in one run:
`python -m benchmarks.alternate OTHER_TREE [--rounds 3]`.

OTHER_TREE is a checkout of an earlier commit (`git worktree add --detach /tmp/old main`).
Each round measures, in a fresh process with the tree's own code first on the path, the CPU
time of checking one 22 x 4 ballot as the board server does (`check_submission`: the JSON
body to the checked entry), of `check_ballot` alone and of preparing one such ballot
(`prepare_ballot`: encrypt, prove, sign) (best of --runs runs of --checks each, and their
median), then the final decode of 10,000 voters x 5 rows (CPU time and
the growth of the process's peak memory), first in OTHER_TREE, then in this tree. The
machine is shared and noisy: compare within a round, and look at every round.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.workloads.decode import SCRIPT as decode_script

HERE = Path(__file__).resolve().parent.parent

_CHECK = """
import json, sys, time
from benchmarks import fixtures
from votecrypt.math import secp256k1
from votecrypt.protocol.ballot import check_ballot
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.credentials import issue_credentials
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.web.checking import check_submission
group = secp256k1()
context = fixtures.context(group, 22, 500)
credential = issue_credentials(context.manifest_hash, 1)[0][0]
outcomes = [i % 4 for i in range(22)]
ballot = prepare_ballot(context, credential, outcomes).ballot
body = ballot_to_json(ballot)
check_submission(context, "ballot", body)
def cpu_ms(f, n=int(sys.argv[1]), runs=int(sys.argv[2])):
    out = []
    for _ in range(runs):
        started = time.process_time()
        for _ in range(n):
            f()
        out.append((time.process_time() - started) / n * 1e3)
    return min(out), sorted(out)[runs // 2]
print(json.dumps({
    "submission": cpu_ms(lambda: check_submission(context, "ballot", body)),
    "check_ballot": cpu_ms(lambda: check_ballot(ballot, context)),
    "prepare": cpu_ms(lambda: prepare_ballot(context, credential, outcomes)),
}))
"""


def _run(tree: Path, script: str, *arguments: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    output = subprocess.run(
        [sys.executable, "-c", script, *map(str, arguments)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if output.returncode:
        raise RuntimeError(f"{tree}: {output.stderr.strip().splitlines()[-1]}")
    result: dict[str, object] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("other", type=Path, help="a checkout of the earlier commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checks", type=int, default=20, help="ballot checks per timed run")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (best and median)")
    parser.add_argument("--json", type=Path, default=None, help="write every round here")
    args = parser.parse_args(argv)
    trees = {"other": args.other.resolve(), "this": HERE}
    rounds = []
    print(
        f"{'round':<6} {'tree':<6} {'submission ms':>15} {'check_ballot ms':>16} "
        f"{'prepare ms':>16} {'decode 10,000 x 5':>24}"
    )
    for number in range(1, args.rounds + 1):
        for name, tree in trees.items():
            check = _run(tree, _CHECK, args.checks, args.runs)
            decode = _run(tree, decode_script, 10_000, 5)
            rounds.append({"round": number, "tree": name, "check": check, "decode": decode})
            sub, chk, pre = check["submission"], check["check_ballot"], check["prepare"]
            assert isinstance(sub, list) and isinstance(chk, list) and isinstance(pre, list)
            print(
                f"{number:<6} {name:<6} {sub[0]:>7.2f} ({sub[1]:>5.2f}) {chk[0]:>8.2f} "
                f"({chk[1]:>5.2f}) {pre[0]:>8.2f} ({pre[1]:>5.2f}) "
                f"{decode['cpu']:>8.3f} s, {decode['growth']:>6.1f} MiB, "
                f"{decode['lanes']} lane(s)"
            )
    if args.json:
        args.json.write_text(
            json.dumps({"trees": {k: str(v) for k, v in trees.items()}, "rounds": rounds}, indent=2)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
