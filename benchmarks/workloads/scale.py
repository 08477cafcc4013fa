"""A large electorate end to end (default 100,000 voters x 10 candidates, blank + three
levels, so two lanes per candidate): ballot preparation, board ingestion with full
validation, tally, decryption, results, and streaming verification with its peak memory.
Everything runs on a local process pool of every core."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks import fixtures
from benchmarks.timing import Measurement, human, once
from votecrypt.math import secp256k1
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.ceremony.runner import run_ceremony
from votecrypt.protocol.ceremony.trustee import Trustee
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import credential_from_code
from votecrypt.protocol.decryption_trustee import decrypt_share
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.record.ceremony_codec import outcome_to_json
from votecrypt.record.election_codec import endorsement_plain
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.record.tally_codec import share_to_json
from votecrypt.service.counting import compute_tally, publish_results, published_tally
from votecrypt.service.election_dir import (
    ElectionDir,
    create_election,
    load_credentials,
    publish_message,
)
from votecrypt.service.export import export_record
from votecrypt.service.ingest import ingest_ballots
from votecrypt.service.voting import close_voting, issue, open_board
from votecrypt.storage.files import write_atomic
from votecrypt.verifier.engines import LocalEngine

VOTERS, CANDIDATES = 100_000, 10
CHUNK = 200


def run(backends: list[str], quick: bool, voters: int | None = None) -> list[Measurement]:
    if "coincurve" not in backends:
        return []
    voters = voters or (300 if quick else VOTERS)
    cores = os.cpu_count() or 1
    label = f"{voters} voters x {CANDIDATES} candidates"
    group = secp256k1()
    rows = _Rows()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "election"
        manifest = fixtures.manifest(CANDIDATES, voters, trustees=3, threshold=2)
        directory = create_election(root, manifest)
        trustees, outcome, transcript = run_ceremony(
            group, manifest.ceremony_parameters(), list(manifest.trustees)
        )
        for _, messages in transcript.rounds():
            for signed in messages.values():
                publish_message(directory, signed)
        write_atomic(directory.outcome, outcome_to_json(outcome))
        started = time.perf_counter()
        codes = [credential.code for credential in issue(directory)]
        _endorse(directory, trustees, outcome.qualified)
        rows.append(
            once("scale", f"{label}: issue credentials", "coincurve", time.perf_counter() - started)
        )
        board, context = open_board(directory, group)
        lanes = context.packing.lanes

        ballots_file = Path(folder) / "ballots.jsonl"
        started = time.perf_counter()
        _prepare_all(context, codes, ballots_file, cores)
        seconds = time.perf_counter() - started
        rows.append(
            once(
                "scale",
                f"{label}: prepare ballots ({lanes} lanes), {cores} processes",
                "coincurve",
                seconds,
                ballots_per_second=voters / seconds,
            )
        )

        with board:
            started = time.perf_counter()
            with open(ballots_file, "rb") as lines:
                report = ingest_ballots(
                    board, context, (parse_json(line) for line in lines), jobs=cores
                )
            seconds = time.perf_counter() - started
            if report.accepted != voters:
                raise RuntimeError(f"only {report.accepted} of {voters} ballots accepted")
            rows.append(
                once(
                    "scale",
                    f"{label}: board ingestion, full checks, {cores} processes",
                    "coincurve",
                    seconds,
                    ballots_per_second=voters / seconds,
                    ballots_per_second_per_core=voters / seconds / cores,
                )
            )
            close_voting(board, context)
            started = time.perf_counter()
            compute_tally(board, context, LocalEngine(cores))
            rows.append(
                once(
                    "scale",
                    f"{label}: tally, {cores} processes",
                    "coincurve",
                    time.perf_counter() - started,
                )
            )
            started = time.perf_counter()
            tally = published_tally(board, context)
            for trustee in trustees[: manifest.threshold]:
                share = decrypt_share(group, trustee.key_share(), tally)
                write_atomic(directory.share_path(trustee.index), share_to_json(share))
            publish_results(directory, board, context)
            rows.append(
                once(
                    "scale",
                    f"{label}: decryption shares + combine + decode + results",
                    "coincurve",
                    time.perf_counter() - started,
                )
            )
            record = export_record(board, directory.record)
        for jobs in sorted({1, cores}) if voters <= 20_000 else [cores]:
            seconds, peak = _verify_in_child(record, jobs)
            rows.append(
                once(
                    "scale",
                    f"{label}: verify record, {jobs} process(es)",
                    "coincurve",
                    seconds,
                    peak_memory_mib=peak,
                    ballots_per_second=voters / seconds,
                )
            )
    return rows


def _endorse(directory: ElectionDir, trustees: list[Trustee], qualified: Iterable[int]) -> None:
    """Each qualified trustee endorses the issued list (spec 9.4), as `credentials sign`
    writes it: the board opens only with t endorsements."""
    credentials = load_credentials(directory)
    for trustee in trustees:
        if trustee.index in qualified:
            endorsement = trustee.endorse_credentials(credentials)
            write_atomic(
                directory.endorsement_path(trustee.index),
                canonical_json(endorsement_plain(credentials, endorsement)),
            )


class _Rows(list[Measurement]):
    """Measurements, each also printed as soon as it is taken (the run is long)."""

    def append(self, row: Measurement) -> None:
        super().append(row)
        print(f"  {row.operation}: {human(row.median)}", file=sys.stderr, flush=True)


def _prepare_chunk(context: ElectionContext, seed: int, codes: list[str]) -> bytes:
    rng = random.Random(seed)
    outcomes = context.packing.outcomes
    lines = []
    for code in codes:
        credential = credential_from_code(context.manifest_hash, code)
        choice = [rng.randrange(outcomes) for _ in range(context.rows)]
        lines.append(ballot_to_json(prepare_ballot(context, credential, choice).ballot) + b"\n")
    return b"".join(lines)


def _chunks(codes: list[str]) -> Iterator[tuple[int, list[str]]]:
    for start in range(0, len(codes), CHUNK):
        yield start, codes[start : start + CHUNK]


def _prepare_all(context: ElectionContext, codes: list[str], path: Path, cores: int) -> None:
    with open(path, "wb") as output, ProcessPoolExecutor(cores) as pool:
        pending = []
        for seed, chunk in _chunks(codes):
            pending.append(pool.submit(_prepare_chunk, context, seed, chunk))
            if len(pending) >= 4 * cores:
                output.write(pending.pop(0).result())
        for future in pending:
            output.write(future.result())


def _verify_in_child(record: Path, jobs: int) -> tuple[float, float]:
    """Verify in a fresh process and report its time and the peak memory of any of its
    processes (MiB), so the numbers are those of `votecrypt verify` alone."""
    script = (
        "import json, resource, sys, time\n"
        "from votecrypt.verifier import verify_record\n"
        "started = time.perf_counter()\n"
        f"report = verify_record({str(record)!r}, jobs={jobs})\n"
        "seconds = time.perf_counter() - started\n"
        # VmHWM, not RUSAGE_SELF: Linux carries ru_maxrss over exec, so it would report the
        # benchmark's own peak when that is larger.
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "hwm = int(status.split()[0])\n"
        "peak = max(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024\n"
        "print(json.dumps({'ok': report.complete, 'seconds': seconds, 'peak': peak,"
        " 'report': report.lines()}))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    result = json.loads(output.stdout.strip().splitlines()[-1])
    if not result["ok"]:
        raise RuntimeError("the record did not verify:\n" + "\n".join(result["report"]))
    return result["seconds"], result["peak"]
