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
    }
    assert all(case["failed"] for case in expected["tampered"].values())
