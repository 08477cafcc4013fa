"""votecrypt side by side with ElectionGuard's Python SDK (electionguard 1.4.0).

    python -m benchmarks.electionguard.compare [--ballots 20] [--json PATH]

ElectionGuard 1.4.0 does not import on Python 3.11, so it runs in its own virtual
environment on Python 3.10 (found on PATH or under pyenv; without one the comparison is
skipped with a message). The same confidence vote is timed in both, in the same run:
22 office holders with three levels (ElectionGuard: 22 contests x 3 selections, one vote;
votecrypt: 22 rows, blank + three levels), 5 trustees with threshold 3.
"""

from __future__ import annotations

import argparse
import glob
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import fixtures
from benchmarks.machine import machine
from benchmarks.timing import human
from votecrypt.math import secp256k1
from votecrypt.protocol.ballot import check_ballot
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.ceremony.runner import run_ceremony
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import CredentialList, issue_credentials
from votecrypt.protocol.decryption import combine_shares, decode_counts, select_shares
from votecrypt.protocol.decryption_trustee import decrypt_share
from votecrypt.protocol.tally import TallyAccumulator

HERE = Path(__file__).resolve().parent
ENVIRONMENT = HERE.parent / ".cache" / "electionguard-venv"
CANDIDATES = 22


def find_python310() -> str | None:
    """A Python 3.10 that runs: on PATH (a pyenv shim may exist without working) or pyenv's."""
    candidates = [shutil.which("python3.10")]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.10*/bin/python3.10")))
    for candidate in candidates:
        if candidate and _runs_python310(candidate):
            return candidate
    return None


def _runs_python310(python: str) -> bool:
    probe = subprocess.run(
        [python, "-c", "import sys; assert sys.version_info[:2] == (3, 10)"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def electionguard_python() -> Path | None:
    """The environment's Python, creating the environment first if needed (an environment
    left half-built by an interrupted run is rebuilt: only a completed one has READY)."""
    python = ENVIRONMENT / "bin" / "python"
    ready = ENVIRONMENT / "READY"
    if ready.exists():
        return python
    base = find_python310()
    if base is None:
        return None
    shutil.rmtree(ENVIRONMENT, ignore_errors=True)
    subprocess.run([base, "-m", "venv", str(ENVIRONMENT)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "electionguard==1.4.0", "hypothesis"],
        check=True,
    )
    ready.write_text("electionguard==1.4.0\n")
    return python


def run_electionguard(python: Path, ballots: int) -> dict[str, float]:
    result = subprocess.run(
        [str(python), str(HERE / "eg_workload.py"), str(ballots)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_votecrypt(ballots: int) -> dict[str, float]:
    group = secp256k1()
    results: dict[str, float] = {}
    manifest = fixtures.manifest(CANDIDATES, max(ballots, 500))
    started = time.perf_counter()
    trustees, outcome, _ = run_ceremony(
        group, manifest.ceremony_parameters(), list(manifest.trustees)
    )
    results["key ceremony 3 of 5"] = time.perf_counter() - started
    credentials, keys = issue_credentials(manifest.manifest_hash(), manifest.credentials)
    context = ElectionContext.build(
        group, manifest, outcome, CredentialList.of(manifest.manifest_hash(), keys)
    )
    credentials = credentials[:ballots]
    prepared, encrypt_times, verify_times = [], [], []
    for number, credential in enumerate(credentials):
        outcomes = [1 + (number + i) % 3 for i in range(CANDIDATES)]  # one of the three levels
        started = time.perf_counter()
        ballot = prepare_ballot(context, credential, outcomes).ballot
        encrypt_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        check_ballot(ballot, context)
        verify_times.append(time.perf_counter() - started)
        prepared.append(ballot)
    results["encrypt one ballot"] = min(encrypt_times)
    results["verify one ballot"] = min(
        verify_times[1:] or verify_times
    )  # first builds the key table
    started = time.perf_counter()
    tally = (
        TallyAccumulator(group, context.rows, context.packing.lanes)
        .add_all(prepared)
        .result(context.hash)
    )
    results[f"tally {ballots} ballots"] = time.perf_counter() - started
    keys = dict(outcome.verification_keys)
    for label, count in (("all 5 guardians", 5), ("3 of 5 guardians", 3)):
        started = time.perf_counter()
        shares = [decrypt_share(group, t.key_share(), tally) for t in trustees[:count]]
        selection = select_shares(group, tally, shares, keys, outcome.threshold)
        by_trustee = {s.trustee: s for s in shares}
        decode_counts(
            group, tally, combine_shares(group, tally, by_trustee, selection.used), context.packing
        )
        results[f"decrypt tally, {label}"] = time.perf_counter() - started
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ballots", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    python = electionguard_python()
    if python is None:
        print("skipped: no Python 3.10 found for electionguard 1.4.0 (install one with pyenv)")
        return 0
    print(
        f"running ElectionGuard 1.4.0 ({args.ballots} ballots; this takes minutes)...",
        file=sys.stderr,
    )
    theirs = run_electionguard(python, args.ballots)
    print("running votecrypt...", file=sys.stderr)
    ours = run_votecrypt(args.ballots)
    about = machine()
    print(f"{about['cpu']}, {about['cores']} cores; ElectionGuard on Python 3.10, ", end="")
    print(f"votecrypt on Python {about['python']}")
    print(f"{'operation':<36} {'ElectionGuard':>14} {'votecrypt':>12} {'ratio':>9}")
    for operation, seconds in theirs.items():
        mine = ours[operation]
        print(f"{operation:<36} {human(seconds):>14} {human(mine):>12} {seconds / mine:>8.0f}x")
    if args.json:
        args.json.write_text(
            json.dumps({"machine": about, "electionguard": theirs, "votecrypt": ours}, indent=2)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
