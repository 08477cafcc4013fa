"""One ballot of 22 candidates x 4 outcomes (blank + three levels): prepare and verify; on
libsecp256k1 with the native prover helper built (spec 18.1), preparation on the pure path too,
in the same run."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks import fixtures
from benchmarks.timing import Measurement, measure
from votecrypt.math import Group, secp256k1
from votecrypt.protocol.ballot import check_ballot
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.credentials import issue_credentials

CANDIDATES = 22


def run(backends: list[str], quick: bool) -> list[Measurement]:
    rows = []
    for backend in backends:
        rows += _backend(backend, quick)
    return rows


def _backend(backend: str, quick: bool) -> list[Measurement]:
    group = secp256k1(backend)
    context = fixtures.context(group, CANDIDATES, 500)
    credential = issue_credentials(context.manifest_hash, 1)[0][0]
    outcomes = [i % 4 for i in range(CANDIDATES)]
    slow = backend == "py_ecc"
    reps = 1 if quick or slow else 10
    runs = 2 if quick or slow else 5
    ballot = prepare_ballot(context, credential, outcomes).ballot
    check_ballot(ballot, context)  # builds the key table once, as the board and verifier do

    def prepare() -> object:
        return prepare_ballot(context, credential, outcomes)

    return [
        measure(
            "ballot-22x4", "encrypt + prove + sign", backend, prepare, repetitions=reps, runs=runs
        ),
        *_pure_preparation(group, prepare, reps, runs),
        measure(
            "ballot-22x4",
            "verify (signature + 22 proofs)",
            backend,
            lambda: check_ballot(ballot, context),
            repetitions=reps,
            runs=runs,
        ),
    ]


def _pure_preparation(
    group: Group, prepare: Callable[[], object], reps: int, runs: int
) -> list[Measurement]:
    """Preparation with the native prover helper set aside (what VOTECRYPT_NATIVE=0 runs)."""
    backend = group._backend
    prover = getattr(backend, "_prover", None)
    if prover is None:
        return []
    backend._prover = None  # type: ignore[attr-defined]
    try:
        prepare()
        return [
            measure(
                "ballot-22x4",
                "encrypt + prove + sign, pure path",
                group.backend_name,
                prepare,
                repetitions=reps,
                runs=runs,
            )
        ]
    finally:
        backend._prover = prover  # type: ignore[attr-defined]
