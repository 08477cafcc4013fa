"""Rule sets as data: presets, exact bracket evaluation, the strict rule-file decoder (spec 13).

Thresholds and boundaries are those of DOMAIN.md's table: "quá nửa" is strictly more than
half, "dưới 2/3" strictly less, "từ 2/3 trở lên" two thirds or more; the 2021 Party rule in
spec/examples wrote "trên 2/3", strictly more.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import unicodedata
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from votecrypt.errors import RuleError
from votecrypt.protocol.rules import (
    COMPARISONS,
    Bracket,
    Condition,
    Option,
    RuleSet,
    format_fraction,
    parse_fraction,
    rule_set_from_plain,
    rule_set_to_plain,
)
from votecrypt.record.rule_presets import PRESETS, preset
from votecrypt.record.rules_codec import rule_set_from_json, rule_set_to_json

SPEC = Path(__file__).resolve().parent.parent / "spec"
EXAMPLE = SPEC / "examples" / "rules-qd41-2021.json"


def bracket_of(rules: RuleSet, low: int, denominator: int, key: str = "low") -> str | None:
    """The bracket id for `low` of the given option out of D (the other options take 0)."""
    counts = dict.fromkeys(rules.option_keys, 0)
    counts[key] = low
    bracket = rules.bracket_for(counts, denominator)
    return None if bracket is None else bracket.id


def example() -> RuleSet:
    return rule_set_from_json(EXAMPLE.read_bytes())


# The presets (DOMAIN.md, "Thresholds")


def test_the_presets_are_those_of_the_domain_table() -> None:
    assert sorted(PRESETS) == ["nq35-2012", "nq85-2014", "nq96-2023", "nq96-2023-vote", "qd96-2023"]
    for rule_set_id in ("nq96-2023", "qd96-2023", "nq85-2014", "nq35-2012"):
        assert preset(rule_set_id).option_keys == ("high", "medium", "low")
    assert preset("nq96-2023-vote").option_keys == ("confidence", "no_confidence")
    labels = {o.key: (o.label_vi, o.label_en) for o in preset("nq96-2023-vote").options}
    assert labels["no_confidence"] == ("Không tín nhiệm", "No confidence")
    assert {r.id: r.denominator for r in PRESETS.values()} == {
        "nq96-2023": "collected",
        "qd96-2023": "collected",
        "nq96-2023-vote": "collected",
        "nq85-2014": "members",
        "nq35-2012": "members",
    }
    assert all(r.quorum == Fraction(2, 3) for r in PRESETS.values())


def test_preset_ids_match_their_keys_and_presets_are_read_only() -> None:
    assert all(preset(key).id == key for key in PRESETS)
    with pytest.raises(TypeError):
        PRESETS["mine"] = preset("nq96-2023")  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        preset("nq96-2023").denominator = "members"  # type: ignore[misc]


def test_an_unknown_preset_is_a_rule_error_listing_the_known_ones() -> None:
    with pytest.raises(RuleError, match="nq96-2023-vote"):
        preset("nq99-2030")


def test_citations_name_the_articles_that_fix_the_denominator() -> None:
    assert "Điều 19.3" in preset("nq96-2023").reference
    assert "Điều 6.3" in preset("qd96-2023").reference
    assert "85/2014" in preset("nq85-2014").reference


def test_texts_are_nfc_with_vietnamese_diacritics() -> None:
    for rules in PRESETS.values():
        texts = [rules.title_vi, rules.title_en, rules.reference]
        texts += [t for o in rules.options for t in (o.label_vi, o.label_en)]
        texts += [t for b in rules.brackets for t in (b.consequence_vi, b.consequence_en)]
        assert all(unicodedata.is_normalized("NFC", text) and text.strip() for text in texts)
    consequences = [b.consequence_vi for b in preset("nq96-2023").brackets]
    assert "miễn nhiệm" in consequences[0] and "từ chức" in consequences[1]


def test_construction_normalises_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Tín nhiệm thấp")
    assert decomposed != "Tín nhiệm thấp"
    option = Option("low", decomposed, "Low confidence")
    assert option.label_vi == "Tín nhiệm thấp"
    bracket = Bracket("x", (Condition("low", ">", Fraction(1, 2)),), decomposed, "Low")
    assert bracket.consequence_vi == "Tín nhiệm thấp"
    document = rule_set_to_plain(preset("nq96-2023"))
    document["title"]["vi"] = unicodedata.normalize("NFD", document["title"]["vi"])
    assert rule_set_from_plain(document) == preset("nq96-2023")


# Boundaries, one preset at a time (exact integers: count * q <op> p * D)


@pytest.mark.parametrize(
    ("rule_set_id", "middle"),
    [("nq96-2023", "resign-or-vote"), ("qd96-2023", "removed-from-planning")],
)
def test_three_level_boundaries(rule_set_id: str, middle: str) -> None:
    rules = preset(rule_set_id)
    assert bracket_of(rules, 24, 48) is None  # exactly 1/2 is not "quá nửa"
    assert bracket_of(rules, 24, 49) is None  # just below 1/2
    assert bracket_of(rules, 25, 48) == middle  # just above 1/2
    assert bracket_of(rules, 31, 47) == middle  # 31/47 < 2/3 by 1/141
    assert bracket_of(rules, 199, 299) == middle  # just below 2/3
    assert bracket_of(rules, 32, 48) == "dismissal"  # exactly 2/3 is "từ 2/3 trở lên"
    assert bracket_of(rules, 200, 300) == "dismissal"
    assert bracket_of(rules, 47, 47) == "dismissal"
    assert bracket_of(rules, 0, 47) is None


def test_vote_of_confidence_boundaries() -> None:
    rules = preset("nq96-2023-vote")
    assert bracket_of(rules, 240, 480, "no_confidence") is None  # exactly 1/2
    assert bracket_of(rules, 241, 480, "no_confidence") == "dismissal"  # just above
    assert bracket_of(rules, 240, 481, "no_confidence") is None  # just below
    assert bracket_of(rules, 480, 480, "confidence") is None


def test_legacy_boundaries_and_severity_order() -> None:
    rules = preset("nq85-2014")
    assert [b.id for b in rules.brackets] == ["vote-of-confidence", "may-resign"]
    assert bracket_of(rules, 242, 485) is None  # 242/485 < 1/2
    assert bracket_of(rules, 243, 486) is None  # exactly 1/2
    assert bracket_of(rules, 243, 485) == "may-resign"  # just above 1/2
    assert bracket_of(rules, 323, 485) == "may-resign"  # just below 2/3
    assert bracket_of(rules, 324, 486) == "vote-of-confidence"  # exactly 2/3
    assert bracket_of(rules, 324, 485) == "vote-of-confidence"


def test_the_2021_strict_rule_at_exactly_two_thirds() -> None:
    rules = example()
    assert rules.id == "qd41-2021"
    assert bracket_of(rules, 32, 48) == "resignation"  # exactly 2/3: not "trên 2/3"
    assert bracket_of(rules, 33, 48) == "dismissal"  # just above 2/3
    assert bracket_of(rules, 24, 48) is None  # exactly 1/2
    assert bracket_of(rules, 25, 48) == "resignation"
    # The same counts under the 2023 rule, inclusive: the difference is the point of the data.
    assert bracket_of(preset("qd96-2023"), 32, 48) == "dismissal"


def test_no_bracket_without_ballots() -> None:
    # With D = 0 every "<" condition would hold vacuously; spec 13.1 says no bracket.
    only_below = RuleSet(
        id="below",
        title_vi="Thử",
        title_en="Test",
        reference="",
        options=(Option("low", "Thấp", "Low"),),
        denominator="collected",
        quorum=Fraction(2, 3),
        brackets=(Bracket("few", (Condition("low", "<=", Fraction(1, 3)),), "Ít", "Few"),),
    )
    assert only_below.bracket_for({"low": 0}, 0) is None
    assert only_below.bracket_for({"low": 0}, 3) is not None


def test_quorum_is_inclusive() -> None:
    rules = preset("nq96-2023")
    assert rules.quorum_met(34, 51)  # exactly 2/3
    assert not rules.quorum_met(33, 50)  # 99 < 100
    assert rules.quorum_met(34, 50)


# Exact evaluation against a Fraction-based reference

REFERENCE: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
fractions = st.builds(Fraction, st.integers(1, 50), st.integers(1, 50))


@given(
    comparison=st.sampled_from(COMPARISONS),
    fraction=fractions,
    count=st.integers(0, 10**6),
    denominator=st.integers(1, 10**6),
)
def test_conditions_match_fraction_arithmetic(
    comparison: str, fraction: Fraction, count: int, denominator: int
) -> None:
    condition = Condition("low", comparison, fraction)
    expected = REFERENCE[comparison](Fraction(count, denominator), fraction)
    assert condition.holds(count, denominator) is expected


@given(
    rule_set_id=st.sampled_from(sorted(PRESETS)),
    data=st.data(),
    denominator=st.integers(1, 600),
)
def test_preset_brackets_match_a_fraction_reference(
    rule_set_id: str, data: st.DataObject, denominator: int
) -> None:
    rules = preset(rule_set_id)
    key = "no_confidence" if rule_set_id == "nq96-2023-vote" else "low"
    count = data.draw(st.integers(0, denominator))
    share = Fraction(count, denominator)
    top, half = Fraction(2, 3), Fraction(1, 2)
    expected: str | None
    if rule_set_id == "nq96-2023-vote":
        expected = "dismissal" if share > half else None
    elif rule_set_id == "nq85-2014":
        expected = "vote-of-confidence" if share >= top else "may-resign" if share > half else None
    elif rule_set_id == "nq35-2012":
        # "trên 2/3" is strict; without a previous year the two-year bracket never holds.
        expected = "vote-of-confidence" if share > top else None
    else:
        middle = "resign-or-vote" if rule_set_id == "nq96-2023" else "removed-from-planning"
        expected = "dismissal" if share >= top else middle if half < share < top else None
    assert bracket_of(rules, count, denominator, key) == expected


# Fractions


def test_fractions_are_written_and_read_in_lowest_terms() -> None:
    assert parse_fraction("2/3") == Fraction(2, 3)
    assert format_fraction(Fraction(4, 6)) == "2/3"
    for text in ("4/6", "0/3", "2/0", "-1/2", "2/3 ", "1.5/2", "2", "", "⅔", "02/3"):
        with pytest.raises(RuleError):
            parse_fraction(text)
    with pytest.raises(RuleError):
        parse_fraction(Fraction(2, 3))


# Rule files: round trips, the example, schema


@pytest.mark.parametrize("rule_set_id", sorted(PRESETS))
def test_presets_round_trip_through_json(rule_set_id: str) -> None:
    rules = preset(rule_set_id)
    text = rule_set_to_json(rules)
    assert rule_set_from_json(text) == rules
    assert rule_set_from_json(text.encode("utf-8")) == rules
    assert rule_set_to_json(rule_set_from_json(text)) == text


def test_the_example_rule_file_loads_and_round_trips_byte_for_byte() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    rules = rule_set_from_json(text)
    assert rules.denominator == "collected"
    assert [c.comparison for b in rules.brackets for c in b.conditions] == [">", ">"]
    assert rule_set_to_json(rules) == text


def _rules_validator() -> Draft202012Validator:
    schema = json.loads((SPEC / "schema" / "rules.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_presets_and_the_example_validate_against_the_schema() -> None:
    validator = _rules_validator()
    for rules in PRESETS.values():
        validator.validate(json.loads(rule_set_to_json(rules)))
    validator.validate(json.loads(EXAMPLE.read_text(encoding="utf-8")))


# Every way a rule file can be wrong: a named table of invalid inputs.


def _edit(change: Callable[[dict[str, Any]], object]) -> Callable[[], str]:
    def make() -> str:
        document = json.loads(rule_set_to_json(preset("nq96-2023")))
        change(document)
        return json.dumps(document, ensure_ascii=False)

    return make


def _when(document: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = document["brackets"][1]["when"][0]
    return first


def _text(text: str) -> Callable[[], str]:
    return lambda: text


VALID = rule_set_to_json(preset("nq96-2023"))

BAD_RULE_FILES: dict[str, tuple[Callable[[], str | bytes], str]] = {
    # structure
    "not JSON": (_text("{"), "not valid JSON"),
    "not an object": (_text("[]"), "expected an object"),
    "not UTF-8": (lambda: VALID.encode("utf-16"), "UTF-8"),
    "duplicate key": (
        _text(VALID.replace('"version": 1,', '"version": 1, "version": 1,')),
        "twice",
    ),
    "unknown key": (_edit(lambda d: d.update(extra=1)), "unknown key"),
    "unknown nested key": (_edit(lambda d: d["title"].update(fr="Vote")), "unknown key"),
    "unknown condition key": (_edit(lambda d: _when(d).update(weight=2)), "unknown key"),
    "missing quorum": (_edit(lambda d: d.pop("quorum")), "missing 'quorum'"),
    "missing reference": (_edit(lambda d: d.pop("reference")), "missing 'reference'"),
    "missing English consequence": (
        _edit(lambda d: d["brackets"][0]["consequence"].pop("en")),
        "missing 'en'",
    ),
    "missing conditions": (_edit(lambda d: d["brackets"][0].pop("when")), "missing 'when'"),
    "wrong type marker": (_edit(lambda d: d.update(type="votecrypt/manifest")), "rules.type"),
    "wrong version": (_edit(lambda d: d.update(version=2)), "version"),
    # wrong types
    "version as text": (_edit(lambda d: d.update(version="1")), "version"),
    "version as boolean": (_edit(lambda d: d.update(version=True)), "version"),
    "version as float": (_text(VALID.replace('"version": 1', '"version": 1.0')), "number 1.0"),
    "NaN": (_text(VALID.replace('"version": 1', '"version": NaN')), "NaN"),
    "options not a list": (_edit(lambda d: d.update(options={"high": "x"})), "expected a list"),
    "option not an object": (_edit(lambda d: d["options"].append("low")), "expected an object"),
    "title as text": (_edit(lambda d: d.update(title="Lấy phiếu")), "expected an object"),
    "id as number": (_edit(lambda d: d.update(id=96)), "rules.id"),
    "empty label": (_edit(lambda d: d["options"][0].update(vi=" ")), "non-empty text"),
    "fraction as number": (_edit(lambda d: _when(d).update(fraction=1)), "fraction"),
    "fraction as list": (_edit(lambda d: _when(d).update(fraction=[1, 2])), "fraction"),
    # values
    "fraction not in lowest terms": (_edit(lambda d: _when(d).update(fraction="2/4")), "lowest"),
    "quorum not in lowest terms": (_edit(lambda d: d.update(quorum="4/6")), "lowest terms"),
    "fraction zero": (_edit(lambda d: _when(d).update(fraction="0/2")), "positive"),
    "fraction negative": (_edit(lambda d: _when(d).update(fraction="-1/2")), "positive"),
    "fraction in words": (_edit(lambda d: d.update(quorum="two thirds")), "fraction"),
    "quorum above one": (_edit(lambda d: d.update(quorum="3/2")), "quorum"),
    "unknown comparison": (_edit(lambda d: _when(d).update(comparison="=>")), "comparison"),
    "equality comparison": (_edit(lambda d: _when(d).update(comparison="==")), "comparison"),
    "unknown option in a condition": (
        _edit(lambda d: _when(d).update(option="lowest")),
        "does not have",
    ),
    "duplicate bracket id": (
        _edit(lambda d: d["brackets"].append(d["brackets"][0])),
        "bracket ids must be distinct",
    ),
    "bracket without conditions": (
        _edit(lambda d: d["brackets"][0].update(when=[])),
        "no condition",
    ),
    "bad bracket id": (_edit(lambda d: d["brackets"][0].update(id="Dismissal!")), "bracket id"),
    "empty option list": (_edit(lambda d: d.update(options=[])), "at least one option"),
    "duplicate option": (
        _edit(lambda d: d["options"].append(d["options"][0])),
        "option keys must be distinct",
    ),
    "blank as an option": (_edit(lambda d: d["options"][0].update(key="blank")), "not allowed"),
    "upper-case option key": (_edit(lambda d: d["options"][0].update(key="High")), "not allowed"),
    "unknown denominator": (_edit(lambda d: d.update(denominator="present")), "denominator"),
    "bad rule set id": (_edit(lambda d: d.update(id="NQ 96")), "rule set id"),
}


@pytest.mark.parametrize("name", sorted(BAD_RULE_FILES))
def test_bad_rule_files_are_rule_errors(name: str) -> None:
    make, message = BAD_RULE_FILES[name]
    with pytest.raises(RuleError, match=message):
        rule_set_from_json(make())


def test_the_unedited_base_of_the_table_is_valid() -> None:
    assert rule_set_from_json(_edit(lambda d: None)()) == preset("nq96-2023")


BAD_VALUES: dict[str, Callable[[], object]] = {
    "option key": lambda: Option("Low", "Thấp", "Low"),
    "option label": lambda: Option("low", "", "Low"),
    "comparison": lambda: Condition("low", "≥", Fraction(2, 3)),
    "zero fraction": lambda: Condition("low", ">", Fraction(0)),
    "bracket without condition": lambda: Bracket("x", (), "vi", "en"),
    "rule set quorum": lambda: dataclasses.replace(preset("nq96-2023"), quorum=Fraction(0)),
    "rule set options": lambda: dataclasses.replace(preset("nq96-2023"), options=()),
    "rule set denominator": lambda: dataclasses.replace(preset("nq96-2023"), denominator="all"),
}


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_invalid_values_cannot_be_constructed(name: str) -> None:
    with pytest.raises(RuleError):
        BAD_VALUES[name]()


def test_spec_13_3_quotes_every_preset_text_exactly() -> None:
    # An independent verifier checks a record naming a preset against spec 13.3.
    from pathlib import Path

    spec = (Path(__file__).resolve().parent.parent / "spec" / "13-results.md").read_text()
    for rules in PRESETS.values():
        assert f"**`{rules.id}`: {rules.title_en}**" in spec
        assert f"- reference: {rules.reference}\n" in spec
        for bracket in rules.brackets:
            assert f"  - vi: {bracket.consequence_vi}\n" in spec
            assert f"  - en: {bracket.consequence_en}\n" in spec


def test_only_confirmed_articles_are_cited() -> None:
    # DOMAIN.md confirms NQ 96/2023 Điều 12 and 19.3, QĐ 96 Điều 6.3, NQ 35/2012 Điều 11.
    confirmed = {
        "nq96-2023": {"12", "19.3"},
        "qd96-2023": {"6.3"},
        "nq96-2023-vote": set(),
        "nq85-2014": set(),
        "nq35-2012": {"11"},
    }
    import re

    for rules in PRESETS.values():
        texts = [rules.reference, *(b.consequence_vi for b in rules.brackets)]
        cited = {m for text in texts for m in re.findall(r"Điều (\d+(?:\.\d+)?)", text)}
        assert cited <= confirmed[rules.id], rules.id
        assert "Điều 14" not in rules.reference and "Điều 11" not in preset("qd96-2023").reference


def test_the_wording_the_law_uses() -> None:
    nq96 = {b.id: b for b in preset("nq96-2023").brackets}
    assert "phê chuẩn đề nghị miễn nhiệm" in nq96["dismissal"].consequence_vi
    assert "tại kỳ họp đó hoặc kỳ họp gần nhất" in nq96["dismissal"].consequence_vi
    assert "at that sitting or the next" in nq96["dismissal"].consequence_en
    qd96 = {b.id: b for b in preset("qd96-2023").brackets}
    assert "sẽ bị miễn nhiệm" in qd96["dismissal"].consequence_vi
    assert "thấp hơn" in qd96["dismissal"].consequence_vi
    assert "xem xét cho thôi giữ chức vụ," not in qd96["dismissal"].consequence_vi
    planning = qd96["removed-from-planning"].consequence_vi
    assert "không chờ đến hết nhiệm kỳ" in planning
    assert "bổ nhiệm, giới thiệu ứng cử" not in planning and "miễn nhiệm" not in planning
    nq85 = {b.id: b for b in preset("nq85-2014").brackets}
    assert "có thể xin từ chức" in nq85["vote-of-confidence"].consequence_vi
    assert "tổng số đại biểu" in nq85["vote-of-confidence"].consequence_vi
