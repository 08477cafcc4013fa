"""Cross-implementation: ballots and challenges prepared by the JavaScript ballot library
(votecrypt/web/static) are accepted by the Python board and verifier, count as cast, and open
to the choices they were made from; what the JavaScript refuses to prepare is refused."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from election_helpers import OpenElection

from votecrypt.errors import BallotError
from votecrypt.math import Group
from votecrypt.protocol.manifest import BLANK
from votecrypt.service.counting import (
    compute_tally,
    publish_results,
    tally_to_decrypt,
    trustee_decrypt,
)
from votecrypt.service.export import export_record
from votecrypt.service.voting import close_voting
from votecrypt.verifier import verify_record

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def setup_entries(election: OpenElection) -> list[dict[str, Any]]:
    """The board's log up to `open`, from which a booth rebuilds and checks the election."""
    entries = []
    for entry in election.board.entries():
        entries.append({"kind": entry.kind, "payload": entry.payload})
        if entry.kind == "open":
            break
    return entries


def run_javascript(request: dict[str, Any]) -> dict[str, Any]:
    assert NODE is not None
    result = subprocess.run(
        [NODE, "tests/js/tools/prepare.mjs"],
        cwd=ROOT,
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    assert isinstance(answer, dict)
    return answer


def random_outcomes(rng: random.Random, rows: int, outcomes: int) -> list[int]:
    # Blank (outcome 0) often enough that many ballots have blank rows.
    return [0 if rng.random() < 0.3 else rng.randrange(outcomes) for _ in range(rows)]


def vote_in_javascript(
    election: OpenElection, outcome_lists: Sequence[Sequence[int]], challenge_every: int
) -> dict[str, Any]:
    ballots = [
        {
            "code": credential.code,
            "outcomes": list(outcomes),
            "challenge_first": index % challenge_every == 0,
        }
        for index, (credential, outcomes) in enumerate(
            zip(election.credentials, outcome_lists, strict=False)
        )
    ]
    rows = len(election.manifest.candidates)
    code = election.credentials[0].code
    invalid = [
        {"code": code, "outcomes": [1] * (rows - 1)},
        {"code": code, "outcomes": [1] * (rows + 1)},
        {"code": code, "outcomes": [len(election.manifest.outcomes())] * rows},
        {"code": code, "outcomes": [-1] * rows},
    ]
    return run_javascript(
        {"entries": setup_entries(election), "ballots": ballots, "invalid": invalid}
    )


def finish(election: OpenElection, root: Path) -> tuple[Any, Any]:
    """Close, tally, decrypt with t trustees, publish, export and verify the record."""
    board, context, group = election.board, election.context, election.group
    close_voting(board, context)
    compute_tally(board, context)
    verified = tally_to_decrypt(election.directory, group)
    for index in (1, 2):
        trustee_decrypt(
            election.directory,
            election.secrets[index],
            election.passphrases[index],
            group,
            verified,
            announced=verified.board_hash,
        )
    announcement = publish_results(election.directory, board, context)
    record = export_record(board, root / "record")
    report = verify_record(record, group=group, jobs=1)
    return announcement.results, report


def expected_counts(
    election: OpenElection, outcome_lists: Sequence[Sequence[int]]
) -> list[dict[str, int]]:
    keys = election.manifest.outcomes()
    counts = [dict.fromkeys(keys, 0) for _ in election.manifest.candidates]
    for outcomes in outcome_lists:
        for row, outcome in enumerate(outcomes):
            counts[row][keys[outcome]] += 1
    return counts


def check_election(
    election: OpenElection, outcome_lists: list[list[int]], root: Path, challenge_every: int
) -> None:
    answer = vote_in_javascript(election, outcome_lists, challenge_every)
    context = election.context
    # The booth recomputed the same context (and so the same fingerprint) as Python.
    assert answer["context_hash"] == context.hash.hex()
    assert answer["fingerprint"] == context.fingerprint
    # What the JavaScript refused to prepare.
    assert all(reason and reason.startswith("ChoiceError") for reason in answer["refused"])
    keys = election.manifest.outcomes()
    board = election.board
    for prepared, outcomes in zip(answer["prepared"], outcome_lists, strict=True):
        if prepared["challenge"] is not None:
            receipt = board.submit_challenge(prepared["challenge"])
            assert receipt.tracking_code == prepared["challenge_tracking_code"]
            assert prepared["opened"] == [keys[o] for o in outcomes]
            # An opened ballot can never be cast: the board refuses its ciphertexts.
        receipt = board.submit_ballot(prepared["ballot"])
        assert receipt.tracking_code == prepared["tracking_code"]
    # A second ballot under a used credential is refused.
    with pytest.raises(BallotError) as refused:
        board.submit_ballot(answer["prepared"][0]["ballot"])
    assert refused.value.reason in {"credential-used", "duplicate-ballot-id"}

    results, report = finish(election, root)
    assert report.complete, "\n".join(report.lines())
    expected = expected_counts(election, outcome_lists)
    for line, wanted in zip(results.candidates, expected, strict=True):
        counted = dict(line.counts)
        counted[BLANK] = line.blank
        assert {key: counted.get(key, 0) for key in keys} == wanted


def test_javascript_ballots_count_in_python(group: Group, tmp_path: Path) -> None:
    """Many random choice lists (blank rows included), every third voter challenging first."""
    rng = random.Random(13)
    election = OpenElection(tmp_path / "e", group, ballots=12, candidates=5)
    try:
        outcomes = len(election.manifest.outcomes())
        lists = [random_outcomes(rng, 5, outcomes) for _ in range(12)]
        lists[1] = [0] * 5  # a ballot left entirely blank
        check_election(election, lists, tmp_path, challenge_every=3)
    finally:
        election.close()


def test_javascript_ballots_in_a_two_lane_election(group: Group, tmp_path: Path) -> None:
    """10,321 credentials: three levels and blank no longer fit one lane (spec 6.2)."""
    rng = random.Random(14)
    election = OpenElection(tmp_path / "e", group, ballots=10_321, candidates=2)
    try:
        assert election.context.packing.lanes == 2
        outcomes = len(election.manifest.outcomes())
        lists = [[1, 3], [3, 0], [2, 2], [0, 0], random_outcomes(rng, 2, outcomes)]
        check_election(election, lists, tmp_path, challenge_every=2)
    finally:
        election.close()


def test_a_ballot_the_javascript_refuses_to_prepare_is_refused_by_the_board(
    group: Group, tmp_path: Path
) -> None:
    """Invalid choices: the library refuses them (ChoiceError); a ballot made anyway with the
    library's lower-level functions (a double mark, or a value that is no outcome, proven
    against another allowed list) is refused by the board, and nothing is appended."""
    election = OpenElection(tmp_path / "e", group, ballots=3, candidates=2)
    try:
        code = election.credentials[0].code
        answer = run_javascript(
            {
                "entries": setup_entries(election),
                "ballots": [],
                "invalid": [
                    {"code": code, "outcomes": [1, 4]},
                    {"code": code, "outcomes": [1]},
                    {"code": code, "outcomes": [0.5, 1]},
                ],
                "forged": [
                    {"code": code, "row": 0, "value": 2},
                    {"code": code, "row": 1, "value": 1 + election.context.packing.base},
                    {"code": code, "row": 1, "value": 7},
                ],
            }
        )
        assert len(answer["refused"]) == 3
        assert all(reason.startswith("ChoiceError") for reason in answer["refused"])
        assert len(answer["forged"]) == 3
        before = election.board.head()
        for forged in answer["forged"]:
            with pytest.raises(BallotError) as refused:
                election.board.submit_ballot(forged)
            assert refused.value.reason == "invalid-proof"
        assert election.board.head() == before
        assert election.board.count("ballot") == 0
    finally:
        election.close()


def test_a_tampered_javascript_ballot_is_refused(group: Group, tmp_path: Path) -> None:
    """The board does not take the JavaScript's word: a changed ciphertext or another row's
    proof is refused."""
    election = OpenElection(tmp_path / "e", group, ballots=3, candidates=2)
    try:
        answer = vote_in_javascript(election, [[1, 2], [3, 0]], challenge_every=99)
        first = answer["prepared"][0]["ballot"]
        swapped = json.loads(json.dumps(first))
        swapped["rows"].reverse()
        with pytest.raises(BallotError) as refused:
            election.board.submit_ballot(swapped)
        assert refused.value.reason in {"bad-signature", "invalid-proof"}
        second = json.loads(json.dumps(answer["prepared"][1]["ballot"]))
        second["credential"] = first["credential"]
        with pytest.raises(BallotError):
            election.board.submit_ballot(second)
        assert election.board.count("ballot") == 0
    finally:
        election.close()
