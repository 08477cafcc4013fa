"""Key ceremonies end to end, in one process: 3 of 5 and 7 of 15."""

from __future__ import annotations

import time

from benchmarks.timing import Measurement, once
from votecrypt.math import secp256k1
from votecrypt.protocol.ceremony.messages import CeremonyParameters
from votecrypt.protocol.ceremony.runner import run_ceremony

SIZES = ((3, 5), (7, 15))


def run(backends: list[str], quick: bool) -> list[Measurement]:
    rows = []
    for backend in backends:
        if backend == "py_ecc" and not quick:
            continue  # minutes on the reference backend; the ratio is in the core table
        group = secp256k1(backend)
        for t, n in SIZES:
            parameters = CeremonyParameters(bytes(32), n, t)
            started = time.perf_counter()
            run_ceremony(group, parameters, [f"T{i}" for i in range(n)])
            seconds = time.perf_counter() - started
            rows.append(once("ceremony", f"{t} of {n}, every trustee's steps", backend, seconds))
    return rows
