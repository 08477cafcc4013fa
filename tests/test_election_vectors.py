"""The election-record vectors of spec 16.5: reproducible, and the verifier agrees with them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parent.parent / "spec" / "vectors"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_election", VECTORS / "generate_election.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vectors_are_reproduced_byte_for_byte(generator: ModuleType) -> None:
    files = generator.build()
    for path, data in files.items():
        assert (VECTORS / "election" / path).read_bytes() == data, path
    assert generator.stray_files(VECTORS / "election", files) == []


def test_verifier_fails_exactly_the_expected_checks(generator: ModuleType) -> None:
    assert generator.check_expectations(VECTORS / "election") == []


def test_every_tampering_kind_of_issue_is_present() -> None:
    expected = json.loads((VECTORS / "election" / "expected.json").read_text(encoding="utf-8"))
    assert set(expected["tampered"]) == {
        "ballot-proof",
        "forged-commitments",
        "ballot-signature",
        "ciphertext",
        "removed-ballot",
        "inserted-ballot",
        "edited-entry",
        "reordered-entries",
        "commitment",
        "forged-evidence",
        "decryption-share",
        "announced-counts",
        "percentage",
        "bracket",
        "forged-outcome-first",
        "substituted-credentials",
        "second-tally",
        "whitespace-in-hex",
        "shorter-than-checkpoint",
        "tally-ballots-above-issued",
        "results-without-shares",
        "boolean-count",
        "non-canonical-line",
        "missing-final-newline",
        "rewritten-before-checkpoint",
        "forged-checkpoint",
        "results-copy-reformatted",
        "manifest-copy-without-newline",
        "outcome-after-credentials",
        "ceremony-messages-out-of-order",
        "small-order-credential",
        "invalid-manifest",
        "single-outcome-manifest",
        "reordered-endorsements",
        "results-extra-field",
        "results-without-decrypted-by",
        "outcome-extra-field",
        "lax-close",
        "nfd-rewrite",
        "witnessed-dropped-ballot",
        "witnessed-forged-cosignature",
        "witnessed-other-signer",
        "witnessed-split-view",
    }
    assert all(case["failed"] for case in expected["tampered"].values())
    assert all(case["verdict"] == "not verified" for case in expected["tampered"].values())


def _expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (VECTORS / "election" / "expected.json").read_text(encoding="utf-8")
    )
    return data


def test_every_path_of_the_issue_has_a_complete_record() -> None:
    """blank_allowed false, the members denominator, several lanes, zero ballots and the
    resign-or-vote bracket each have a record that verifies (spec 16.5)."""
    records = _expected()["records"]
    folder = VECTORS / "election"

    def results(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((folder / "records" / name / "results.json").read_text())
        return data

    def manifest(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((folder / "records" / name / "manifest.json").read_text())
        return data

    assert all(case["verdict"] == "verified" for case in records.values())
    assert manifest("no-blank")["blank_allowed"] is False
    assert results("no-blank")["candidates"][0]["bracket"] == "resign-or-vote"
    assert results("no-blank")["candidates"][0]["counts"]["blank"] == 0
    assert manifest("members-denominator")["rules"]["denominator"] == "members"
    assert results("members-denominator")["denominator"] == 7
    assert results("members-denominator")["collected"] == 4
    tally = json.loads((folder / "records" / "multi-lane" / "tally.json").read_text())
    assert all(len(row) == 2 for row in tally["rows"])
    zero = results("zero-ballots")
    assert zero["collected"] == 0 and zero["denominator"] == 0
    assert all(c["bracket"] is None for c in zero["candidates"])
    assert all(set(c["percentages"].values()) == {"—"} for c in zero["candidates"])
    fractions = [
        condition["fraction"]
        for bracket in manifest("multi-lane")["rules"]["brackets"]
        for condition in bracket["when"]
    ]
    assert "3/2" in fractions


def test_checkpoint_files_are_the_cases_checkpoints() -> None:
    """Each case's checkpoint file reads (as `votecrypt verify --since` reads it) to the
    checkpoint the case states."""
    from cli.verify import read_checkpoint

    for name, case in {**_expected()["records"], **_expected()["tampered"]}.items():
        if "checkpoint" not in case:
            continue
        checkpoint = read_checkpoint(VECTORS / "election" / case["checkpoint_file"])
        assert (checkpoint.seq, checkpoint.hash.hex()) == (
            case["checkpoint"]["seq"],
            case["checkpoint"]["hash"],
        ), name


def test_prefixes_verify_so_far_with_their_skipped_checks() -> None:
    prefixes = _expected()["prefixes"]
    assert prefixes and all(p["verdict"] == "verified so far" for p in prefixes.values())
    assert all(p["skipped"] and not p["failed"] for p in prefixes.values())


def test_ceremony_with_complaints_evaluates_to_its_outcome() -> None:
    from votecrypt.math import secp256k1
    from votecrypt.protocol.ceremony.messages import ROUNDS, CeremonyParameters
    from votecrypt.protocol.ceremony.transcript import Transcript, evaluate
    from votecrypt.record.ceremony_codec import message_from_json, outcome_to_json

    folder = VECTORS / "election" / "ceremony"
    parameters = json.loads((folder / "parameters.json").read_text())
    rounds: dict[str, dict[int, object]] = {name: {} for name in ROUNDS}
    for path in folder.glob("*-*.json"):
        round_name, _, sender = path.stem.rpartition("-")
        rounds[round_name][int(sender)] = message_from_json(
            path.read_bytes(), secp256k1(), round_name
        )
    transcript = Transcript(
        CeremonyParameters(
            bytes.fromhex(parameters["election"]), parameters["trustees"], parameters["threshold"]
        ),
        announcements=rounds["announce"],  # type: ignore[arg-type]
        commits=rounds["commit"],  # type: ignore[arg-type]
        openings=rounds["open"],  # type: ignore[arg-type]
        checks=rounds["check"],  # type: ignore[arg-type]
        answers=rounds["answer"],  # type: ignore[arg-type]
    )
    outcome = evaluate(secp256k1(), transcript)
    assert outcome_to_json(outcome) == (folder / "outcome.json").read_bytes()
    assert outcome.qualified == (1, 2, 4)
    assert len(rounds["answer"]) == 2  # dealer 2 answered correctly, dealer 3 wrongly


def test_every_check_fails_in_some_case_and_is_skipped_in_a_prefix() -> None:
    """A foreign verifier meets every numbered check failing at least once (spec 16.2)."""
    from votecrypt.verifier.report import CHECKS

    expected = _expected()
    failed = {
        name
        for section in ("records", "tampered", "prefixes")
        for case in expected[section].values()
        for name in case["failed"]
    }
    assert failed == {name for _, name, _, _ in CHECKS}
    skipped = {name for case in expected["prefixes"].values() for name in case["skipped"]}
    assert {"ceremony-outcome", "ballot-proofs", "close", "tally", "result-totals"} <= skipped


PROBES = (
    "reordered-endorsements",
    "results-extra-field",
    "results-without-decrypted-by",
    "outcome-extra-field",
    "lax-close",
    "nfd-rewrite",
    "whitespace-in-hex",
    "forged-outcome-first",
    "witnessed-split-view",
)


@pytest.mark.parametrize("name", PROBES)
def test_votecrypt_verify_reports_the_expected_failures_on_the_probes(name: str) -> None:
    """`votecrypt verify --json`, run as people run it, fails exactly the checks that
    expected.json (and the tables of spec 16.1, tests/test_spec_reading.py) give."""
    import shutil
    import subprocess

    command = shutil.which("votecrypt")
    assert command is not None
    run = subprocess.run(
        [command, "verify", str(VECTORS / "election" / "tampered" / name), "--json", "--jobs", "1"],
        capture_output=True,
        check=False,
    )
    assert run.returncode != 0 and len(run.stderr.splitlines()) == 1  # one clear line
    report = json.loads(run.stdout)
    failed = sorted(c["name"] for c in report["checks"] if c["status"] == "FAIL")
    skipped = sorted(c["name"] for c in report["checks"] if c["status"] == "SKIP")
    case = _expected()["tampered"][name]
    assert (failed, skipped) == (sorted(case["failed"]), sorted(case["skipped"]))
