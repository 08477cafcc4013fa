"""Manifests: validation with clear errors, canonical form, the election id."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest
from election_helpers import manifest_for

from votecrypt.errors import EncodingError, ManifestError, RuleError
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.protocol.rules import preset
from votecrypt.record.election_codec import manifest_from_plain, manifest_to_json
from votecrypt.record.json_codec import parse_json

GOOD = {
    "title": "Lấy phiếu tín nhiệm",
    "body": "Hội đồng nhân dân tỉnh",
    "date": "2023-12-13",
    "candidates": [Candidate("Nguyễn A", "Chủ tịch"), Candidate("Trần B", "Phó Chủ tịch")],
    "rules": preset("nq96-2023"),
    "trustees": ["T1", "T2", "T3"],
    "threshold": 2,
    "credentials": 47,
}

BAD = {
    "empty title": {"title": "  "},
    "bad date": {"date": "13/12/2023"},
    "no candidates": {"candidates": []},
    "duplicate candidate": {"candidates": [Candidate("Nguyễn A", "x"), Candidate("Nguyễn A", "y")]},
    "nameless candidate": {"candidates": [Candidate("", "x")]},
    "threshold above trustees": {"threshold": 4},
    "threshold zero": {"threshold": 0},
    "no trustees": {"trustees": []},
    "duplicate trustee": {"trustees": ["T1", "T1"]},
    "no ballots": {"credentials": 0},
    "more ballots than summoned": {"credentials": 60, "summoned": 50},
    "cannot be packed": {"credentials": 2**41, "summoned": 2**41},
    "unknown policy": {"second_ballot": "replace"},
    "legacy denominator below ballots": {"rules": preset("nq85-2014"), "members": 40},
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_invalid_manifests_are_refused(name: str) -> None:
    with pytest.raises(ManifestError):
        Manifest.build(**{**GOOD, **BAD[name]})  # type: ignore[arg-type]


def test_unknown_rule_set() -> None:
    with pytest.raises(RuleError, match="unknown rule set"):
        preset("nq96-2024")


def test_round_trip_and_identity() -> None:
    manifest = Manifest.build(**GOOD)  # type: ignore[arg-type]
    decoded = manifest_from_plain(parse_json(manifest_to_json(manifest)))
    assert decoded == manifest
    assert decoded.manifest_hash() == manifest.manifest_hash()
    assert manifest.outcomes() == ("blank", "high", "medium", "low")
    assert manifest.packing().allowed() == ((0,), (1,), (48,), (48 * 48,))


def test_names_are_normalised_so_the_election_id_is_stable() -> None:
    decomposed = {
        **GOOD,
        "candidates": [
            Candidate(unicodedata.normalize("NFD", "Nguyễn A"), "Chủ tịch"),
            GOOD["candidates"][1],
        ],
    }  # type: ignore[index]
    assert Manifest.build(**decomposed).manifest_hash() == Manifest.build(**GOOD).manifest_hash()  # type: ignore[arg-type]


def test_every_field_changes_the_election_id() -> None:
    base = manifest_for([("A", "x")], 10)
    for change in (
        {"title": "Other"},
        {"threshold": 3},
        {"credentials": 9},
        {"blank_allowed": False},
    ):
        assert dataclasses.replace(base, **change).manifest_hash() != base.manifest_hash()  # type: ignore[arg-type]


def test_non_canonical_manifest_files_are_refused() -> None:
    plain = Manifest.build(**GOOD).content()  # type: ignore[arg-type]
    with pytest.raises(ManifestError, match="leading or trailing"):
        manifest_from_plain({**plain, "title": " Lấy phiếu tín nhiệm"})
    with pytest.raises(EncodingError, match="unknown field"):
        manifest_from_plain({**plain, "extra": 1})
    with pytest.raises(ManifestError):
        manifest_from_plain({**plain, "threshold": 9})


def test_without_blank_the_first_level_is_encoded_zero() -> None:
    manifest = Manifest.build(**GOOD, blank_allowed=False)  # type: ignore[arg-type]
    assert manifest.outcomes() == ("high", "medium", "low")
    assert manifest.packing().allowed() == ((0,), (1,), (48,))
