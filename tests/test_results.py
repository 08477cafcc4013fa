"""The announced results from plain counts: exact percentages, brackets, quorum (spec 13.2).

Known answers are published results (DOMAIN.md, "Published results to test against"): the
People's Council of Vĩnh Phúc (13 Dec 2023), of Ho Chi Minh City (7 Dec 2023), and the
National Assembly (25 Oct 2018, legacy rule with D = all 485 deputies).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from votecrypt.errors import RuleError
from votecrypt.protocol.results import (
    BLANK,
    ElectionResults,
    compute_results,
    format_percent,
    percent_hundredths,
)
from votecrypt.protocol.rules import PreviousResult
from votecrypt.record.rule_presets import PRESETS, preset


def results_for(
    rule_set_id: str,
    rows: Sequence[tuple[int, ...]],
    collected: int,
    *,
    issued: int | None = None,
    summoned: int | None = None,
    members: int | None = None,
    names: Sequence[tuple[str, str]] | None = None,
) -> ElectionResults:
    """Results where every line not marked with an option is blank."""
    rules = preset(rule_set_id)
    counts = [
        {**dict(zip(rules.option_keys, row, strict=True)), BLANK: collected - sum(row)}
        for row in rows
    ]
    return compute_results(
        rules,
        names or [(f"Người {n}", "Chức vụ") for n in range(1, len(rows) + 1)],
        counts,
        issued=collected if issued is None else issued,
        collected=collected,
        summoned=collected if summoned is None else summoned,
        members=collected if members is None else members,
    )


def texts(results: ElectionResults, number: int) -> list[str]:
    line = results.candidates[number]
    return [line.percent_text(key) for key in results.rules.option_keys]


# Vĩnh Phúc, 13 Dec 2023: 47 ballots collected, D = 47. Published percentages; None where the
# press printed the count without a percentage.
VINH_PHUC = (
    ("Hoàng Thị Thúy Lan", "Chủ tịch HĐND tỉnh", (46, 0, 1), ("97.87", None, "2.13")),
    ("Nguyễn Trung Hải", "Phó Chủ tịch HĐND tỉnh", (33, 8, 6), ("70.21", "17.02", "12.77")),
    ("Phạm Quang Nguyên", "Phó Chủ tịch HĐND tỉnh", (44, 3, 0), ("93.62", "6.38", None)),
    ("Lê Duy Thành", "Chủ tịch UBND tỉnh", (19, 2, 25), ("40.43", "4.26", "53.19")),
    ("Vũ Việt Văn", "Phó Chủ tịch UBND tỉnh", (35, 9, 3), ("74.47", None, "6.38")),
)


def vinh_phuc() -> ElectionResults:
    return results_for(
        "nq96-2023",
        [row for _, _, row, _ in VINH_PHUC],
        47,
        summoned=50,
        members=50,
        names=[(name, position) for name, position, _, _ in VINH_PHUC],
    )


def test_vinh_phuc_2023_every_published_percentage() -> None:
    results = vinh_phuc()
    assert (results.issued, results.collected, results.valid, results.denominator) == (47,) * 4
    assert results.denominator_kind == "collected"
    for number, (name, _, _, published) in enumerate(VINH_PHUC):
        assert results.candidates[number].name == name
        for computed, announced in zip(texts(results, number), published, strict=True):
            if announced is not None:
                assert computed == announced, name


def test_vinh_phuc_2023_the_unpublished_percentages_and_hundredths() -> None:
    results = vinh_phuc()
    assert texts(results, 4) == ["74.47", "19.15", "6.38"]  # Vũ Việt Văn: 9 of 47
    assert results.candidates[4].percentage("medium") == 1915
    assert texts(results, 0) == ["97.87", "0.00", "2.13"]
    assert results.candidates[0].percentages == (("high", 9787), ("medium", 0), ("low", 213))


def test_vinh_phuc_2023_the_person_whose_counts_add_to_46() -> None:
    results = vinh_phuc()
    incomplete = [line for line in results.candidates if sum(c for _, c in line.counts) == 46]
    assert [line.name for line in incomplete] == ["Lê Duy Thành"]
    thanh = incomplete[0]
    assert thanh.blank == 1 and thanh.count(BLANK) == 1
    assert thanh.blank_percentage == 213 and thanh.percent_text(BLANK) == "2.13"


def test_vinh_phuc_2023_le_duy_thanh_may_resign_or_face_a_vote() -> None:
    results = vinh_phuc()
    brackets = [line.bracket_id for line in results.candidates]
    assert brackets == [None, None, None, "resign-or-vote", None]
    thanh = results.candidates[3]
    assert thanh.consequence_vi is not None and thanh.consequence_vi.startswith("Có quá nửa")
    assert "từ chức" in thanh.consequence_vi and "bỏ phiếu tín nhiệm" in thanh.consequence_vi
    assert thanh.consequence_en is not None and "may resign" in thanh.consequence_en
    assert results.candidates[0].consequence_vi is None


# Ho Chi Minh City, 7 Dec 2023: 81 deputies voting, raw counts high / confidence / low.
HCMC_2023 = (
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
)


def test_hcmc_2023_counts_sum_to_81_and_none_reaches_a_bracket() -> None:
    assert all(sum(row) == 81 for row in HCMC_2023)
    results = results_for("nq96-2023", HCMC_2023, 81)
    assert all(line.blank == 0 for line in results.candidates)
    assert all(line.bracket is None for line in results.candidates)
    assert texts(results, 10) == ["64.20", "19.75", "16.05"]  # 52, 16, 13 of 81
    assert texts(results, 0) == ["90.12", "7.41", "2.47"]


def test_national_assembly_2018_under_the_legacy_denominator() -> None:
    results = results_for(
        "nq85-2014",
        [(437, 34, 4), (140, 194, 137)],
        475,
        issued=475,
        summoned=485,
        members=485,
        names=[("Nguyễn Thị Kim Ngân", "Chủ tịch Quốc hội"), ("Phùng Xuân Nhạ", "Bộ trưởng")],
    )
    assert results.denominator == 485 and results.denominator_kind == "members"
    assert results.collected == 475
    assert texts(results, 0) == ["90.10", "7.01", "0.82"]
    assert texts(results, 1) == ["28.87", "40.00", "28.25"]
    # Published percentages of D = members do not add up to 100 (10 deputies did not vote).
    assert sum(h for _, h in results.candidates[0].percentages if h is not None) == 9793
    assert all(line.bracket is None for line in results.candidates)


# Quorum (DOMAIN.md: 3 * present >= 2 * summoned, inclusive)


def test_quorum_at_exactly_two_thirds() -> None:
    results = results_for("nq96-2023", [(30, 4, 0)], 34, issued=34, summoned=51)
    assert results.quorum_met and results.quorum.met
    assert results.present == 34
    assert results.quorum.inequality == "3*34 = 102 >= 102 = 2*51"


def test_quorum_just_below_two_thirds() -> None:
    results = results_for("nq96-2023", [(30, 3, 0)], 33, issued=33, summoned=50)
    assert not results.quorum_met
    assert results.quorum.inequality == "3*33 = 99 < 100 = 2*50"
    # The results are still computed; whether the meeting was valid is shown beside them.
    assert texts(results, 0) == ["90.91", "9.09", "0.00"]


def test_quorum_uses_ballots_issued_not_collected() -> None:
    results = results_for("nq96-2023", [(30, 0, 0)], 30, issued=34, summoned=51)
    assert results.quorum_met


# Edge cases


def test_no_ballots_give_no_percentage_and_no_bracket() -> None:
    results = results_for("nq96-2023", [(0, 0, 0)], 0, summoned=3)
    line = results.candidates[0]
    assert results.denominator == 0
    assert line.percentages == (("high", None), ("medium", None), ("low", None))
    assert line.blank_percentage is None and line.percent_text("low") == "—"
    assert line.bracket is None
    assert not results.quorum_met


def test_results_are_immutable() -> None:
    results = vinh_phuc()
    with pytest.raises(dataclasses.FrozenInstanceError):
        results.collected = 48  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        results.candidates[0].blank = 3  # type: ignore[misc]


def test_the_two_option_vote_of_confidence() -> None:
    results = results_for("nq96-2023-vote", [(230, 241), (240, 240)], 480)
    assert [line.bracket_id for line in results.candidates] == ["dismissal", None]
    assert results.candidates[0].percent_text("no_confidence") == "50.21"
    assert results.candidates[1].blank == 0


# Invalid inputs: a named table


def _row(**change: object) -> dict[str, object]:
    return {"high": 40, "medium": 5, "low": 2, BLANK: 0, **change}


def _compute(
    rows: Sequence[dict[str, object]],
    *,
    rule_set_id: str = "nq96-2023",
    people: int | None = None,
    names: Sequence[tuple[str, str]] | None = None,
    **totals: object,
) -> Callable[[], ElectionResults]:
    """compute_results on Vĩnh Phúc-sized totals, deferred so a test can expect the error."""
    arguments: dict[str, object] = {"issued": 47, "collected": 47, "summoned": 50, "members": 50}
    arguments.update(totals)
    if names is None:
        names = [(f"P{n}", "x") for n in range(len(rows) if people is None else people)]
    return lambda: compute_results(preset(rule_set_id), names, rows, **arguments)  # type: ignore[arg-type]


BAD_INPUTS: dict[str, tuple[Callable[[], ElectionResults], str]] = {
    "negative count": (_compute([_row(low=-1, blank=1)]), "non-negative integer"),
    "boolean count": (_compute([_row(low=True, blank=1)]), "non-negative integer"),
    "text count": (_compute([_row(low="2")]), "non-negative integer"),
    "missing option": (_compute([{"high": 47, "medium": 0, BLANK: 0}]), "exactly high"),
    "missing blank": (_compute([{"high": 40, "medium": 5, "low": 2}]), "exactly high"),
    "unknown option": (_compute([_row(lowest=0)]), "exactly high"),
    "counts add up to less": (_compute([_row(high=39)]), "add up to 46, not 47"),
    "counts add up to more": (_compute([_row(blank=1)]), "add up to 48, not 47"),
    "more collected than issued": (_compute([_row()], issued=46), "only 46 issued"),
    "more issued than summoned": (_compute([_row()], summoned=46), "only 46 people summoned"),
    "more collected than members": (
        _compute([_row()], rule_set_id="nq85-2014", members=46),
        "body of 46 members",
    ),
    "negative total": (_compute([_row()], members=-1), "non-negative integer"),
    "boolean total": (
        _compute([{"high": 1, "medium": 0, "low": 0, BLANK: 0}], collected=True, issued=1),
        "non-negative integer",
    ),
    "fewer names than rows": (_compute([_row(), _row()], people=1), "1 candidates but 2"),
    "empty name": (_compute([_row()], names=[(" ", "x")]), "needs a name"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_impossible_counts_are_refused(name: str) -> None:
    compute, message = BAD_INPUTS[name]
    with pytest.raises(RuleError, match=message):
        compute()


def test_the_valid_base_of_the_table() -> None:
    assert _compute([_row()])().candidates[0].percent_text("high") == "85.11"


def test_fewer_members_than_collected_is_fine_when_d_is_collected() -> None:
    # The members count only matters as a denominator.
    assert _compute([_row()], members=10)().denominator == 47


# Exactness against references that use no integer shortcut


def half_up_reference(count: int, denominator: int) -> int:
    """round_half_up(100 * X / D, 2) in hundredths, straight from the definition."""
    return math.floor(Fraction(10000 * count, denominator) + Fraction(1, 2))


@given(data=st.data(), denominator=st.integers(1, 10**7))
def test_percentages_equal_fraction_half_up(data: st.DataObject, denominator: int) -> None:
    count = data.draw(st.integers(0, denominator))
    hundredths = percent_hundredths(count, denominator)
    assert hundredths == half_up_reference(count, denominator)
    decimal = (Decimal(100 * count) / Decimal(denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    # Decimal's default 28 digits are exact enough for these sizes; format the same way.
    assert format_percent(hundredths) == f"{decimal:.2f}"


@given(odd=st.integers(0, 9999).map(lambda n: 2 * n + 1), scale=st.integers(1, 1000))
def test_exact_half_hundredths_round_up(odd: int, scale: int) -> None:
    # X / D = odd / 20000 lies exactly halfway between two hundredths: half-up goes up.
    share = Fraction(odd, 20000)
    count, denominator = scale * share.numerator, scale * share.denominator
    assert percent_hundredths(count, denominator) == (odd + 1) // 2


def test_boundary_values_that_floats_get_wrong() -> None:
    assert format_percent(percent_hundredths(5, 160)) == "3.13"  # exactly 3.125%
    assert f"{100 * 5 / 160:.2f}" == "3.12"  # what a float formatting would announce
    assert format_percent(percent_hundredths(1, 32)) == "3.13"
    assert format_percent(percent_hundredths(1, 3)) == "33.33"
    assert format_percent(percent_hundredths(2, 3)) == "66.67"
    assert format_percent(percent_hundredths(47, 47)) == "100.00"


def test_format_percent_always_has_two_decimals() -> None:
    assert [format_percent(h) for h in (0, 5, 50, 100, 9787, 10000)] == [
        "0.00",
        "0.05",
        "0.50",
        "1.00",
        "97.87",
        "100.00",
    ]
    assert format_percent(None) == "—"


@given(
    rule_set_id=st.sampled_from(sorted(PRESETS)),
    data=st.data(),
    collected=st.integers(1, 500),
)
def test_brackets_in_results_match_a_fraction_reference(
    rule_set_id: str, data: st.DataObject, collected: int
) -> None:
    rules = preset(rule_set_id)
    keys = rules.option_keys
    members = data.draw(st.integers(collected, collected + 50))
    split = data.draw(
        st.lists(st.integers(0, collected), min_size=len(keys), max_size=len(keys)).map(sorted)
    )
    # Cut [0, collected] at the sorted points: option counts, and the remainder blank.
    counts = [b - a for a, b in zip([0, *split], split, strict=False)]
    row = dict(zip(keys, counts, strict=True))
    row[BLANK] = collected - sum(counts)
    results = compute_results(
        rules,
        [("A", "")],
        [row],
        issued=collected,
        collected=collected,
        summoned=collected,
        members=members,
    )
    denominator = members if rules.denominator == "members" else collected
    assert results.denominator == denominator
    expected = None
    for bracket in rules.brackets:
        # No previous vote is given here, so a condition on it never holds.
        if all(
            c.year == "current"
            and _reference(c.comparison, Fraction(row[c.option], denominator), c.fraction)
            for c in bracket.conditions
        ):
            expected = bracket.id
            break
    assert results.candidates[0].bracket_id == expected
    for key in (*keys, BLANK):
        assert results.candidates[0].percentage(key) == half_up_reference(row[key], denominator)


def _reference(comparison: str, share: Fraction, threshold: Fraction) -> bool:
    return {
        ">": share > threshold,
        ">=": share >= threshold,
        "<": share < threshold,
        "<=": share <= threshold,
    }[comparison]


# Quorum and the previous vote (spec 13.1, 13.2)


def test_below_the_quorum_no_consequence_is_announced_for_anyone() -> None:
    # 25 of 33 low would be "two thirds or more"; with 33 present of 50 the vote is not valid.
    results = results_for("nq96-2023", [(5, 3, 25)], 33, issued=33, summoned=50)
    assert not results.quorum_met
    assert results.candidates[0].bracket is None
    met = results_for("nq96-2023", [(5, 3, 26)], 34, issued=34, summoned=50)
    assert met.quorum_met and met.candidates[0].bracket_id == "dismissal"


def _nq35(low: int, previous: PreviousResult | None) -> str | None:
    rules = preset("nq35-2012")
    counts = [{"high": 400 - low, "medium": 0, "low": low, BLANK: 0}]
    results = compute_results(
        rules,
        [("Người 1", "Bộ trưởng")],
        counts,
        issued=400,
        collected=400,
        summoned=493,
        members=493,
        previous={} if previous is None else {"Người 1": previous},
    )
    return results.candidates[0].bracket_id


def test_nq35_2012_strictly_above_two_thirds_of_all_deputies() -> None:
    # 2/3 of 492 is exactly 328: "trên 2/3" is strict.
    rules = preset("nq35-2012")
    assert rules.bracket_for({"high": 0, "medium": 0, "low": 328}, 492) is None
    assert rules.bracket_for({"high": 0, "medium": 0, "low": 329}, 492) is not None


def test_nq35_2012_more_than_half_two_years_running_needs_the_previous_vote() -> None:
    last_year_high = PreviousResult({"low": 250}, 493)  # 250 > 246.5
    last_year_low = PreviousResult({"low": 246}, 493)
    assert _nq35(247, None) is None
    assert _nq35(247, last_year_low) is None
    assert _nq35(247, last_year_high) == "two-years-running"
    assert _nq35(246, last_year_high) is None  # this year not above half of 493
    assert _nq35(330, None) == "vote-of-confidence"
