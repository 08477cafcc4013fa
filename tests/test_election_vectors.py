"""The election-record vectors of spec 16.5: reproducible, and the verifier agrees with them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

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


def test_verifier_fails_exactly_the_expected_checks(generator: ModuleType) -> None:
    assert generator.check_expectations(VECTORS / "election") == []


def test_every_tampering_kind_of_issue_is_present() -> None:
    expected = json.loads((VECTORS / "election" / "expected.json").read_text(encoding="utf-8"))
    assert set(expected["tampered"]) == {
        "ballot-proof",
        "ballot-signature",
        "ciphertext",
        "removed-ballot",
        "inserted-ballot",
        "edited-entry",
        "reordered-entries",
        "commitment",
        "decryption-share",
        "announced-counts",
        "percentage",
        "bracket",
        "forged-outcome-first",
        "substituted-credentials",
        "second-tally",
        "whitespace-in-hex",
        "shorter-than-checkpoint",
    }
    assert all(case["failed"] for case in expected["tampered"].values())


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
    outcome = evaluate(secp256k1(), transcript, close=True)
    assert outcome_to_json(outcome) + b"\n" == (folder / "outcome.json").read_bytes()
    assert outcome.qualified == (1, 2, 4)
    assert len(rounds["answer"]) == 2  # dealer 2 answered correctly, dealer 3 wrongly
