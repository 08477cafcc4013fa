"""Local process pools and a Dask cluster give the same verification and tally as one
process; bulk ingestion checks ballots on a pool and keeps every rejection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from election_helpers import OpenElection, run_counts

from votecrypt.math import secp256k1
from votecrypt.record.ballot_codec import ballot_plain
from votecrypt.record.tally_codec import tally_plain
from votecrypt.service.counting import compute_tally, published_tally
from votecrypt.service.demo import DemoOutcome
from votecrypt.service.export import export_record
from votecrypt.service.ingest import ingest_ballots
from votecrypt.service.voting import close_voting, prepare
from votecrypt.verifier import verify_record
from votecrypt.verifier.engines import DaskEngine, LocalEngine


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> DemoOutcome:
    root = tmp_path_factory.mktemp("engines") / "election"
    counts = [(3, 2, 1), (1, 1, 4), (6, 0, 0)]
    return run_counts(
        root, secp256k1(), [("A", "x"), ("B", "y"), ("C", "z")], counts, 6, challenges=1
    )


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def _report(record: Path, engine: object) -> str:
    report = verify_record(record, engine=engine)  # type: ignore[arg-type]
    assert report.complete, "\n".join(report.lines())
    return json.dumps([(c.name, c.status, c.checked) for c in report.checks.values()])


def test_local_pool_matches_one_process(election: DemoOutcome) -> None:
    assert _report(election.record, LocalEngine(1)) == _report(election.record, LocalEngine(2))


def test_dask_cluster_matches_one_process(election: DemoOutcome, dask_scheduler: str) -> None:
    assert _report(election.record, DaskEngine(dask_scheduler)) == _report(
        election.record, LocalEngine(1)
    )


def test_compute_tally_on_every_engine_is_the_sum_the_verifier_finds(
    tmp_path: Path, dask_scheduler: str
) -> None:
    for index, engine in enumerate((LocalEngine(1), LocalEngine(2), DaskEngine(dask_scheduler))):
        opened = OpenElection(tmp_path / f"t{index}", secp256k1(), ballots=5, candidates=2)
        try:
            for i, credential in enumerate(opened.credentials):
                choice = ["high", "medium", "low", "blank"][i % 4]
                prepared = prepare(opened.context, credential.code, [choice, "low"])
                opened.board.submit_ballot(ballot_plain(prepared.ballot))
            close_voting(opened.board, opened.context)
            compute_tally(opened.board, opened.context, engine)
            record = export_record(opened.board, tmp_path / f"record{index}")
        finally:
            opened.close()
        report = verify_record(record, jobs=1)
        assert report["tally"].status == "PASS", "\n".join(report.lines())


def test_tree_reduction_equals_the_sequential_sum(
    election: DemoOutcome, dask_scheduler: str
) -> None:
    from votecrypt.service.voting import load_board

    board, context = load_board(election.directory, secp256k1())
    with board:
        entries = [(e.seq, e.kind, e.payload) for e in board.entries_of("ballot")]
        published = published_tally(board, context)
    chunks = [entries[i : i + 1] for i in range(len(entries))]  # one ballot per task: a deep tree
    for engine in (LocalEngine(1), DaskEngine(dask_scheduler)):
        engine.start(context)
        try:
            total = engine.tally(chunks).result(context.hash)
        finally:
            engine.close()
        assert tally_plain(total) == tally_plain(published)


def test_ingestion_on_a_pool_reports_every_rejection(tmp_path: Path) -> None:
    opened = OpenElection(tmp_path / "ingest", secp256k1(), ballots=4, candidates=2)
    try:
        ballots = [
            ballot_plain(prepare(opened.context, c.code, ["high", "low"]).ballot)
            for c in opened.credentials
        ]
        broken = dict(ballots[1])
        broken["signature"] = "00" * 64
        documents = [ballots[0], broken, ballots[2], ballots[2], {"type": "nonsense"}, ballots[3]]
        report = ingest_ballots(opened.board, opened.context, documents, jobs=2)
        assert report.accepted == 3
        assert [(position, reason) for position, reason, _ in report.rejected] == [
            (1, "bad-signature"),
            (3, "credential-used"),
            (4, "malformed"),
        ]
        assert opened.board.count("ballot") == 3
    finally:
        opened.close()
