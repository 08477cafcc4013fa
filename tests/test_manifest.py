"""Manifests: validation with clear errors, canonical form, the election id."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest
from election_helpers import manifest_for

from votecrypt.errors import EncodingError, ManifestError, RuleError
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.record.election_codec import manifest_from_plain, manifest_to_json
from votecrypt.record.json_codec import parse_json
from votecrypt.record.rule_presets import preset

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


# Text that cannot be shown safely, the quorum, the previous vote (spec 7.1)

HOSTILE_TEXTS = {
    "NUL byte": "Nguyễn\x00 A",
    "terminal escape": "Nguyễn A\x1b[2J\x1b[31mDISMISSED",
    "C1 control (CSI)": "Nguyễn A\x9b2J",
    "bidi override": "Nguyễn \u202eA nêyugN",
    "bidi isolate": "Nguyễn \u2067A",
    "newline": "Nguyễn\nA",
    "line separator": "Nguyễn\u2028A",
    "100,000 characters": "A" * 100_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
@pytest.mark.parametrize("field", ["title", "body", "name", "position", "trustee"])
def test_hostile_text_is_refused_with_a_reason(name: str, field: str) -> None:
    text = HOSTILE_TEXTS[name]
    change: dict[str, object] = {
        "title": {"title": text},
        "body": {"body": text},
        "name": {"candidates": [Candidate(text, "Chủ tịch")]},
        "position": {"candidates": [Candidate("Nguyễn A", text)]},
        "trustee": {"trustees": ["T1", text]},
    }[field]
    with pytest.raises(ManifestError, match=r"characters long|control|U\+"):
        Manifest.build(**{**GOOD, **change})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_a_hostile_manifest_file_is_refused_by_the_decoder(name: str) -> None:
    plain = Manifest.build(**GOOD).content()  # type: ignore[arg-type]
    plain["candidates"][0]["name"] = HOSTILE_TEXTS[name]
    with pytest.raises((ManifestError, EncodingError)):
        manifest_from_plain(plain)


def test_hostile_text_in_a_rule_set_is_refused() -> None:
    from votecrypt.protocol.rules import rule_set_from_plain, rule_set_to_plain

    plain = rule_set_to_plain(preset("nq96-2023"))
    plain["brackets"][0]["consequence"]["vi"] = "miễn nhiệm\x1b[8m"
    with pytest.raises(RuleError, match="U\\+001B"):
        rule_set_from_plain(plain)


def test_vietnamese_text_passes() -> None:
    manifest = Manifest.build(
        **{
            **GOOD,
            "candidates": [Candidate("Hoàng Thị Thúy Lan", "Chủ tịch HĐND tỉnh (khóa XVII)")],
        }  # type: ignore[arg-type]
    )
    assert manifest.candidates[0].name == "Hoàng Thị Thúy Lan"


def test_below_the_quorum_is_refused_unless_an_override_is_recorded() -> None:
    with pytest.raises(ManifestError, match="below the quorum of 2/3"):
        Manifest.build(**{**GOOD, "credentials": 33, "summoned": 50})  # type: ignore[arg-type]
    Manifest.build(**{**GOOD, "credentials": 34, "summoned": 51})  # type: ignore[arg-type]
    overridden = Manifest.build(
        **{**GOOD, "credentials": 33, "summoned": 50, "quorum_override": "Quyết định của kỳ họp"}  # type: ignore[arg-type]
    )
    assert overridden.content()["quorum_override"] == "Quyết định của kỳ họp"
    assert manifest_from_plain(parse_json(manifest_to_json(overridden))) == overridden
    # Without an override the field is absent, so earlier manifests keep their election id.
    assert "quorum_override" not in Manifest.build(**GOOD).content()  # type: ignore[arg-type]
    with pytest.raises(ManifestError, match="although the quorum is met"):
        Manifest.build(**{**GOOD, "quorum_override": "no reason"})  # type: ignore[arg-type]
    plain = overridden.content()
    del plain["quorum_override"]
    with pytest.raises(ManifestError, match="below the quorum"):
        manifest_from_plain(plain)


def test_previous_results_are_recorded_and_checked() -> None:
    from votecrypt.protocol.rules import PreviousResult

    base = {**GOOD, "rules": preset("nq35-2012"), "members": 50, "summoned": 50}
    manifest = Manifest.build(
        **{**base, "previous": [("Nguyễn A", PreviousResult({"low": 30}, 49))]}
    )  # type: ignore[arg-type]
    assert manifest_from_plain(parse_json(manifest_to_json(manifest))) == manifest
    assert manifest.content()["previous"] == [
        {"name": "Nguyễn A", "counts": {"low": 30}, "denominator": 49}
    ]
    bad = {
        "unknown name": [("Lê C", PreviousResult({"low": 1}, 49))],
        "twice": [("Nguyễn A", PreviousResult({"low": 1}, 49))] * 2,
        "count above D": [("Nguyễn A", PreviousResult({"low": 50}, 49))],
        "unknown option": [("Nguyễn A", PreviousResult({"lowest": 1}, 49))],
        "zero D": [("Nguyễn A", PreviousResult({"low": 0}, 0))],
    }
    for previous in bad.values():
        with pytest.raises(ManifestError, match="previous result"):
            Manifest.build(**{**base, "previous": previous})  # type: ignore[arg-type]


def test_invisible_characters_cannot_make_two_names_look_the_same() -> None:
    for invisible in ("\u200b", "\u200d", "\u00ad", "\ufeff", "\u2060"):
        with pytest.raises(ManifestError, match="invisible format character"):
            Manifest.build(
                **{
                    **GOOD,
                    "candidates": [
                        Candidate("Nguyễn A", "x"),
                        Candidate(f"Nguyễn{invisible} A", "x"),
                    ],
                }  # type: ignore[arg-type]
            )


def test_a_manifest_with_previous_results_is_an_immutable_hashable_value() -> None:
    from votecrypt.protocol.rules import PreviousResult

    counts = {"low": 30}
    result = PreviousResult(counts, 49)
    counts["low"] = 0
    assert result.counts["low"] == 30
    manifest = Manifest.build(
        **{**GOOD, "rules": preset("nq35-2012"), "members": 50, "summoned": 50},  # type: ignore[arg-type]
        previous=[("Nguyễn A", result)],
    )
    assert hash(manifest) == hash(manifest_from_plain(parse_json(manifest_to_json(manifest))))
