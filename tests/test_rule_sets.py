"""Rule sets and the exact results arithmetic, on plain counts (spec 13)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from election_helpers import VINH_PHUC, VINH_PHUC_PERCENT
from hypothesis import given
from hypothesis import strategies as st

from votecrypt.errors import RuleError
from votecrypt.protocol.results import compute_results, format_percent, percent_hundredths
from votecrypt.protocol.rules import (
    PRESETS,
    preset,
    rule_set_from_json,
    rule_set_from_plain,
    rule_set_to_json,
    rule_set_to_plain,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "spec" / "examples" / "rules-qd41-2021.json"


def results_for(rules_id: str, rows: list[tuple[int, ...]], collected: int, **totals: int):  # type: ignore[no-untyped-def]
    rules = preset(rules_id)
    keys = rules.option_keys
    counts = [{**dict(zip(keys, row, strict=True)), "blank": collected - sum(row)} for row in rows]
    return compute_results(
        rules,
        [(f"P{i}", "x") for i in range(len(rows))],
        counts,
        issued=totals.get("issued", collected),
        collected=collected,
        summoned=totals.get("summoned", collected),
        members=totals.get("members", collected),
    )


def bracket_of(rules_id: str, row: tuple[int, ...], collected: int, **totals: int) -> str | None:
    line = results_for(rules_id, [row], collected, **totals).candidates[0]
    return line.bracket.id if line.bracket else None


def test_vinh_phuc_2023_percentages() -> None:
    rows = [row for _, _, row in VINH_PHUC]
    results = results_for("nq96-2023", rows, 47)
    for line, expected in zip(results.candidates, VINH_PHUC_PERCENT, strict=True):
        assert tuple(value for _, value in line.percentages) == expected
    assert [format_percent(v) for _, v in results.candidates[3].percentages] == [
        "40.43",
        "4.26",
        "53.19",
    ]
    assert results.candidates[3].blank == 1
    assert bracket_of("nq96-2023", (19, 2, 25), 47) == "resign-or-vote"


HCMC_2023 = [
    (73, 6, 2),
    (67, 12, 2),
    (66, 12, 3),
    (66, 15, 0),
    (70, 9, 2),
    (69, 10, 2),
    (69, 12, 0),
    (64, 14, 3),
    (59, 17, 5),
    (66, 14, 1),
    (52, 16, 13),
]


def test_hcmc_2023_rows_sum_to_81_and_none_reaches_a_bracket() -> None:
    assert all(sum(row) == 81 for row in HCMC_2023)
    results = results_for("nq96-2023", HCMC_2023, 81)
    assert all(line.bracket is None and line.blank == 0 for line in results.candidates)


def test_national_assembly_2018_legacy_denominator() -> None:
    # 485 deputies, 475 voted; the legacy rule divides by all 485.
    results = results_for(
        "nq85-2014", [(437, 34, 4), (140, 194, 137)], 475, members=485, summoned=485, issued=475
    )
    assert results.denominator == 485
    assert [format_percent(v) for _, v in results.candidates[0].percentages] == [
        "90.10",
        "7.01",
        "0.82",
    ]
    assert [format_percent(v) for _, v in results.candidates[1].percentages] == [
        "28.87",
        "40.00",
        "28.25",
    ]
    assert all(line.bracket is None for line in results.candidates)


@pytest.mark.parametrize("rules_id", ["nq96-2023", "qd96-2023"])
def test_three_level_boundaries(rules_id: str) -> None:
    top = "dismissal"
    middle = "resign-or-vote" if rules_id == "nq96-2023" else "removed-from-planning"
    assert bracket_of(rules_id, (3, 0, 3), 6) is None  # exactly 1/2
    assert bracket_of(rules_id, (3, 0, 4), 7) == middle  # just above 1/2
    assert bracket_of(rules_id, (2, 0, 4), 6) == top  # exactly 2/3
    assert bracket_of(rules_id, (3, 0, 5), 8) == middle  # just below 2/3 (5/8 < 2/3)
    assert bracket_of(rules_id, (100, 0, 199), 299) == middle  # 199/299 < 2/3 by a hair
    assert bracket_of(rules_id, (100, 0, 200), 300) == top


def test_vote_of_confidence_boundaries() -> None:
    assert bracket_of("nq96-2023-vote", (5, 5), 10) is None
    assert bracket_of("nq96-2023-vote", (5, 6), 11) == "dismissal"


def test_legacy_brackets_use_members() -> None:
    assert bracket_of("nq85-2014", (0, 0, 6), 9, members=12) is None  # 6/12 is exactly half
    assert bracket_of("nq85-2014", (0, 0, 7), 9, members=12) == "may-resign"
    assert bracket_of("nq85-2014", (0, 0, 8), 9, members=12) == "vote-of-confidence"


def test_custom_strict_rule_at_exactly_two_thirds() -> None:
    rules = rule_set_from_json(EXAMPLE.read_text(encoding="utf-8"))
    counts = {"high": 2, "medium": 0, "low": 4, "blank": 0}
    assert rules.bracket_for(counts, 6).id == "removed-from-planning"  # type: ignore[union-attr]
    assert rules.bracket_for({**counts, "low": 5, "high": 1}, 6).id == "dismissal"  # type: ignore[union-attr]


def test_quorum_is_inclusive_at_two_thirds() -> None:
    assert results_for("nq96-2023", [(4, 0, 0)], 4, summoned=6).quorum_met
    assert not results_for("nq96-2023", [(3, 0, 0)], 3, issued=3, summoned=5).quorum_met


def test_zero_ballots_give_no_percentage() -> None:
    results = results_for("nq96-2023", [(0, 0, 0)], 0, summoned=1)
    line = results.candidates[0]
    assert line.percentage("high") is None and format_percent(None) == "—"
    assert line.bracket is None


@given(count=st.integers(0, 10**6), extra=st.integers(0, 10**6))
def test_half_up_matches_a_decimal_reference(count: int, extra: int) -> None:
    denominator = count + extra
    if denominator == 0:
        return
    reference = (Decimal(100) * count / denominator).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    exact = Fraction(100 * count, denominator)
    expected = int((exact * 100 + Fraction(1, 2)) // 1)
    assert percent_hundredths(count, denominator) == expected
    assert format_percent(percent_hundredths(count, denominator)) == f"{reference:.2f}"


@given(low=st.integers(0, 500), others=st.integers(0, 500))
def test_brackets_match_a_fraction_reference(low: int, others: int) -> None:
    collected = low + others
    if collected == 0:
        return
    share = Fraction(low, collected)
    expected = (
        "dismissal"
        if share >= Fraction(2, 3)
        else "resign-or-vote"
        if share > Fraction(1, 2)
        else None
    )
    assert bracket_of("nq96-2023", (others, 0, low), collected) == expected


def test_presets_round_trip() -> None:
    for rules in PRESETS.values():
        assert rule_set_from_json(rule_set_to_json(rules)) == rules


BAD_RULE_FILES = {
    "unknown key": lambda d: d.update(extra=1),
    "missing quorum": lambda d: d.pop("quorum"),
    "fraction not reduced": lambda d: d.update(quorum="4/6"),
    "fraction zero": lambda d: d.update(quorum="0/3"),
    "fraction text": lambda d: d.update(quorum="two thirds"),
    "unknown comparison": lambda d: d["brackets"][0]["when"][0].update(comparison="=>"),
    "unknown option": lambda d: d["brackets"][0]["when"][0].update(option="lowest"),
    "duplicate bracket id": lambda d: d["brackets"].append(d["brackets"][0]),
    "no options": lambda d: d.update(options=[]),
    "duplicate option": lambda d: d["options"].append(d["options"][0]),
    "blank as option": lambda d: d["options"][0].update(key="blank"),
    "unknown denominator": lambda d: d.update(denominator="present"),
    "missing English": lambda d: d["brackets"][0]["consequence"].pop("en"),
    "wrong type": lambda d: d.update(type="votecrypt/manifest"),
}


@pytest.mark.parametrize("name", sorted(BAD_RULE_FILES))
def test_bad_rule_files(name: str) -> None:
    document = json.loads(json.dumps(rule_set_to_plain(preset("nq96-2023"))))
    BAD_RULE_FILES[name](document)
    with pytest.raises(RuleError):
        rule_set_from_plain(document)


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(RuleError, match="nq96-2023"):
        preset("nq99")


def test_texts_are_nfc() -> None:
    import unicodedata

    for rules in PRESETS.values():
        for bracket in rules.brackets:
            assert unicodedata.is_normalized("NFC", bracket.consequence_vi)
