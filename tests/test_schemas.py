"""Every published item validates against its JSON Schema in spec/schema/ (spec 15.3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from election_helpers import run_counts
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from votecrypt.math import secp256k1
from votecrypt.protocol.rules import rule_set_to_plain
from votecrypt.record.log import entry_from_line, entry_to_line
from votecrypt.record.rule_presets import PRESETS
from votecrypt.record.rules_codec import rule_set_from_json

SPEC = Path(__file__).resolve().parent.parent / "spec"
SCHEMAS = {
    path.name.removesuffix(".schema.json"): json.loads(path.read_text())
    for path in (SPEC / "schema").glob("*.schema.json")
}
REGISTRY = (
    Registry()
    .with_resources(
        (f"{name}.schema.json", Resource.from_contents(schema)) for name, schema in SCHEMAS.items()
    )
    .with_resources((schema["$id"], Resource.from_contents(schema)) for schema in SCHEMAS.values())
)


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name], registry=REGISTRY)


def test_schemas_are_valid() -> None:
    for schema in SCHEMAS.values():
        Draft202012Validator.check_schema(schema)


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("schemas") / "election"
    outcome = run_counts(
        root, secp256k1(), [("A", "x"), ("B", "y")], [(2, 1, 0), (0, 1, 2)], 3, challenges=1
    )
    return outcome.record


def _entries(record: Path) -> list[tuple[dict[str, Any], Any]]:
    lines = (record / "log.jsonl").read_bytes().splitlines()
    return [(json.loads(line), entry_from_line(line, n + 1)) for n, line in enumerate(lines)]


def test_every_log_line_and_payload_validates(record: Path) -> None:
    kinds = set()
    for raw, entry in _entries(record):
        validator("log-entry").validate(raw)
        name = (
            "ceremony-message"
            if entry.kind == "ceremony"
            else {"ballot": "ballot", "challenge": "challenged-ballot"}.get(entry.kind, entry.kind)
        )
        validator(name).validate(entry.payload)
        kinds.add(entry.kind)
    assert kinds == {
        "manifest",
        "ceremony",
        "ceremony-outcome",
        "credentials",
        "open",
        "ballot",
        "challenge",
        "close",
        "tally",
        "decryption-share",
        "results",
    }


def test_presets_and_the_example_rule_file_validate() -> None:
    for rules in PRESETS.values():
        validator("rules").validate(rule_set_to_plain(rules))
    example = (SPEC / "examples" / "rules-qd41-2021.json").read_text(encoding="utf-8")
    validator("rules").validate(json.loads(example))
    assert rule_set_from_json(example).id == "qd41-2021"


def test_schema_rejects_a_malformed_ballot(record: Path) -> None:
    for _, entry in _entries(record):
        if entry.kind == "ballot":
            broken = dict(entry.payload)
            broken["ballot_id"] = "zz"
            assert list(validator("ballot").iter_errors(broken))
            return
    raise AssertionError("no ballot in the record")


def test_a_credential_supplement_and_its_endorsement_validate(tmp_path: Path) -> None:
    """spec 9.6: the board's credential-supplement entry and a trustee's endorsement file."""
    from election_helpers import OpenElection

    from votecrypt.service.supplements import (
        endorse_supplement,
        prepare_supplement,
        publish_supplement,
        supplement_view,
    )

    opened = OpenElection(tmp_path / "election", secp256k1(), ballots=4, present=3)
    try:
        context = opened.context
        spoiled = opened.credentials[0].code
        prepare_supplement(
            opened.directory, opened.board, context, 1, [spoiled], lambda codes: None
        )
        view = supplement_view(opened.directory, opened.group, 1)
        for i in (1, 2):
            path = endorse_supplement(
                opened.directory, view, opened.secrets[i], opened.passphrases[i],
                opened.group, added=1, cancelled=1,
            )  # fmt: skip
            validator("supplement-endorsement").validate(json.loads(path.read_text()))
        entry, _ = publish_supplement(opened.directory, opened.board, context, 1)
        validator("credential-supplement").validate(entry.payload)
        validator("log-entry").validate(json.loads(entry_to_line(entry)))
        broken = {**entry.payload, "number": 0}
        assert list(validator("credential-supplement").iter_errors(broken))
    finally:
        opened.close()
