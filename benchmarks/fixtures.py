"""Elections built in memory for the benchmarks."""

from __future__ import annotations

from votecrypt.math import Group
from votecrypt.protocol.board_setup import BoardSetup
from votecrypt.protocol.ceremony.runner import run_ceremony
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import CredentialList, issue_credentials
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.record.rule_presets import preset


def manifest(
    candidates: int,
    voters: int,
    trustees: int = 5,
    threshold: int = 3,
    board: BoardSetup | None = None,
) -> Manifest:
    return Manifest.build(
        title="Benchmark",
        body="Benchmark body",
        date="2026-12-10",
        candidates=[Candidate(f"Candidate {i + 1}", "Position") for i in range(candidates)],
        rules=preset("nq96-2023"),
        trustees=[f"Trustee {i + 1}" for i in range(trustees)],
        threshold=threshold,
        credentials=voters,
        board=board,
    )


def context(
    group: Group, candidates: int, voters: int, trustees: int = 5, threshold: int = 3
) -> ElectionContext:
    """An election context after an honest in-process ceremony."""
    election = manifest(candidates, voters, trustees, threshold)
    _, outcome, _ = run_ceremony(group, election.ceremony_parameters(), list(election.trustees))
    return ElectionContext.build(group, election, outcome, credential_list(election))


def credential_list(election: Manifest) -> CredentialList:
    """A list of the manifest's number of fresh public credentials (their codes unused)."""
    _, keys = issue_credentials(election.manifest_hash(), election.credentials)
    return CredentialList.of(election.manifest_hash(), keys)
