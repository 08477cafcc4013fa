"""`ballot track`: one lookup by tracking code on the board and in a published record, with
the indexes (board table, tracking-index.txt) and without them (decoding every ballot, what
every lookup did before the indexes, and what a miss still does to be sure)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from benchmarks import fixtures
from benchmarks.timing import Measurement, measure, once
from votecrypt.math import Group, secp256k1
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import Credential
from votecrypt.record.reader import RecordSource
from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
from votecrypt.service.election_dir import create_election
from votecrypt.service.endorsing import endorse, endorsement_view
from votecrypt.service.export import export_record
from votecrypt.service.tracking import TRACKING_INDEX, track_in_record, track_on_board
from votecrypt.service.voting import issue, open_board
from votecrypt.storage.board import BulletinBoard

FAST_KDF = KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024)
MISSING = "AAAA-AAAA-AAAA"


def run(backends: list[str], quick: bool, voters: int | None = None) -> list[Measurement]:
    count = voters or (500 if quick else 5000)
    group = secp256k1(backends[0])
    backend = backends[0]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        board, context, credentials = _open_board(root / "election", group, count)
        started = time.perf_counter()
        codes = []
        for credential in credentials:
            ballot = prepare_ballot(context, credential, [1, 2]).ballot
            codes.append(board.accept_checked_ballot(ballot).tracking_code)
        filling = time.perf_counter() - started
        record = export_record(board, root / "record")
        bare = root / "bare"
        shutil.copytree(record, bare)
        (bare / TRACKING_INDEX).unlink()
        wanted = codes[len(codes) // 2]
        manifest = context.manifest
        source, bare_source = RecordSource(record), RecordSource(bare)
        rows = [
            once("tracking", f"prepare and append {count} ballots", backend, filling),
            measure(
                "tracking", f"board, indexed hit ({count} ballots)", backend,
                lambda: track_on_board(board, group, manifest, wanted), repetitions=20, runs=3,
            ),
            measure(
                "tracking", f"board, miss = full scan ({count} ballots)", backend,
                lambda: track_on_board(board, group, manifest, MISSING), repetitions=1, runs=3,
            ),
            measure(
                "tracking", f"record, tracking-index.txt hit ({count} ballots)", backend,
                lambda: track_in_record(source, group, wanted), repetitions=5, runs=3,
            ),
            measure(
                "tracking", f"record without index, full scan ({count} ballots)", backend,
                lambda: track_in_record(bare_source, group, wanted), repetitions=1, runs=3,
            ),
        ]  # fmt: skip
        board.close_connection()
    return rows


def _open_board(
    root: Path, group: Group, count: int
) -> tuple[BulletinBoard, ElectionContext, list[Credential]]:
    """A board open for voting with `count` credentials (2 candidates, 2 of 3 trustees)."""
    manifest = fixtures.manifest(2, count, trustees=3, threshold=2)
    directory = create_election(root, manifest)
    secrets = {i: root.parent / f"t{i}.secret" for i in (1, 2, 3)}
    for i, path in secrets.items():
        trustee_init(directory, path, i, f"pass-{i}", group, FAST_KDF)
    for step in ("commit", "open", "check", "answer"):
        for i, path in secrets.items():
            ceremony_step(directory, path, f"pass-{i}", group, step)
    for i, path in secrets.items():
        ceremony_finalize(directory, path, f"pass-{i}", group)
    credentials = issue(directory)
    view = endorsement_view(directory, group)
    for i, path in secrets.items():
        endorse(directory, view, path, f"pass-{i}", group, view.fingerprint)
    board, context = open_board(directory, group)
    return board, context, credentials
