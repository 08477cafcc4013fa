"""A trustee's check before decrypting (spec 12.2), 200 voters x 22 candidates: the whole
board, and after the trustee checked it while voting was open (`votecrypt trustee check`
after the last ballot: the proofs are not checked again), each on one process as
`votecrypt trustee decrypt` runs it."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from benchmarks import fixtures
from benchmarks.timing import Measurement, measure
from votecrypt.math import secp256k1
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.service.counting import tally_to_decrypt
from votecrypt.service.demo import run_election
from votecrypt.service.trustee_state import read_state, state_path
from votecrypt.verifier.engines import LocalEngine

VOTERS, CANDIDATES = 200, 22
#: The trustees' secret files are not what is measured: a cheap Argon2id.
KDF = KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024)


def run(backends: list[str], quick: bool, voters: int | None = None) -> list[Measurement]:
    if "coincurve" not in backends:
        return []
    voters = voters or (20 if quick else VOTERS)
    candidates = 5 if quick else CANDIDATES
    group = secp256k1()
    manifest = fixtures.manifest(candidates, voters)
    rng = random.Random(5)
    options = manifest.outcomes()
    choices = [[rng.choice(options) for _ in range(candidates)] for _ in range(voters)]
    label = f"{voters} x {candidates}"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "election"
        outcome = run_election(root, group, manifest, choices, kdf=KDF)
        # Decrypting noted the board up to the tally beside each secret file, as `trustee
        # check` run after the last ballot would have.
        secret = root / "trustees" / f"trustee-{outcome.decrypted_by[0]}.secret"
        state = read_state(state_path(secret))
        if state is None:
            raise RuntimeError("the trustee's verification state was not written")
        runs = 1 if quick else 3
        whole = lambda: tally_to_decrypt(outcome.directory, group, LocalEngine(1))  # noqa: E731
        rest = lambda: tally_to_decrypt(  # noqa: E731
            outcome.directory, group, LocalEngine(1), state=state
        )
        rows = [
            measure(
                "trustee",
                f"{label}: trustee's check before decrypting, whole board",
                "coincurve",
                whole,
                repetitions=1,
                runs=runs,
                warmup=0,
            ),
            measure(
                "trustee",
                f"{label}: the same after `trustee check` during voting",
                "coincurve",
                rest,
                repetitions=1,
                runs=runs,
                warmup=0,
            ),
        ]
        # The machine may be shared: the CPU time of one more run of each (one process).
        for row, function in zip(rows, (whole, rest), strict=True):
            started = time.process_time()
            function()
            row.extra["cpu_seconds"] = time.process_time() - started
        return rows
