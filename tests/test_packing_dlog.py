"""Packing of row outcomes into base-B digits, lanes, and bounded discrete logarithms."""

from __future__ import annotations

from math import isqrt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from votecrypt.errors import PlaintextOutOfRange
from votecrypt.math import Group, Scalar
from votecrypt.primitives import (
    MAX_LANE_PLAINTEXT,
    Packing,
    SecretKey,
    decrypt_to_point,
    discrete_log,
    discrete_logs,
    encrypt,
)
from votecrypt.primitives.dlog import MAX_BOUND, table_half_width
from votecrypt.primitives.packing import DECODE_BUDGET


def test_recommended_packing_with_blank() -> None:
    # blank -> 0 and the three levels -> 1, B, B^2 (DESIGN, spec 6.1)
    packing = Packing.for_ballot(4, 47, rows=1)
    assert packing.base == 48
    assert packing.lanes == 1
    assert packing.allowed() == ((0,), (1,), (48,), (48 * 48,))


@pytest.mark.parametrize(
    ("ballots", "rows", "lanes"),
    [
        (9, 1, 1),
        (95, 22, 1),
        (500, 1, 1),
        (500, 44, 1),  # 44 * (500 * 501^2 + 1) <= 2^34
        (731, 44, 2),  # 44 * (731 * 732^2 + 1) > 2^34
        (10_000, 1, 2),  # 10,000 * 10,001^2 + 1 > 2^34, though within 2^40
        (10_000, 5, 2),
        (100_000, 1, 2),
        (100_000, 10, 3),  # 10 * (100,000 * 100,001 + 100,001 + 1) > 2^34
        (2**40, 1, 3),
    ],
)
def test_lane_count_for_four_outcomes(ballots: int, rows: int, lanes: int) -> None:
    packing = Packing.for_ballot(4, ballots, rows=rows)
    assert packing.lanes == lanes
    for lane in range(packing.lanes):
        assert packing.lane_bound(lane, ballots) <= MAX_LANE_PLAINTEXT


@given(
    outcomes=st.integers(2, 12),
    ballots=st.integers(1, 10**6),
    rows=st.integers(1, 500),
)
def test_decode_work_within_the_budget(outcomes: int, ballots: int, rows: int) -> None:
    # Spec 6.2: the most digits per lane whose decoding work fits the budget; one digit per
    # lane when none does.
    packing = Packing.for_ballot(outcomes, ballots, rows=rows)
    if packing.digits_per_lane > 1:
        assert rows * packing.decode_work(ballots) <= DECODE_BUDGET
    if packing.digits_per_lane < outcomes - 1:
        wider = Packing(outcomes, packing.base, packing.digits_per_lane + 1)
        assert (
            rows * wider.decode_work(ballots) > DECODE_BUDGET
            or wider.lane_bound(0, ballots) > MAX_LANE_PLAINTEXT
        )


def test_too_many_ballots() -> None:
    with pytest.raises(ValueError):
        Packing.for_ballot(4, MAX_LANE_PLAINTEXT + 1, rows=1)
    with pytest.raises(ValueError):
        Packing.for_ballot(4, 10, rows=0)


@given(
    outcomes=st.integers(2, 9),
    max_ballots=st.sampled_from([1, 9, 47, 500, 10_000, 100_000]),
    data=st.data(),
)
def test_decode_of_sum_is_the_counts(outcomes: int, max_ballots: int, data: st.DataObject) -> None:
    packing = Packing.for_ballot(outcomes, max_ballots, rows=1)
    ballots = data.draw(st.integers(0, max_ballots))
    cuts = sorted(
        data.draw(st.lists(st.integers(0, ballots), min_size=outcomes - 1, max_size=outcomes - 1))
    )
    bounds = [0, *cuts, ballots]
    counts = tuple(bounds[i + 1] - bounds[i] for i in range(outcomes))
    lanes = [0] * packing.lanes
    for outcome, count in enumerate(counts):
        for lane, value in enumerate(packing.encode(outcome)):
            lanes[lane] += count * value
    for lane, value in enumerate(lanes):
        assert value <= packing.lane_bound(lane, ballots)
    assert packing.decode(lanes, ballots) == counts


def test_decode_rejects_out_of_range() -> None:
    packing = Packing.for_ballot(4, 47, rows=1)
    with pytest.raises(PlaintextOutOfRange):
        packing.decode([48**3], 47)  # a fourth digit
    with pytest.raises(PlaintextOutOfRange):
        packing.decode([30 + 30 * 48], 47)  # 60 votes from 47 ballots
    with pytest.raises(PlaintextOutOfRange):
        packing.decode([0], 48)  # more ballots than B - 1
    assert packing.decode([0], 47) == (47, 0, 0, 0)


@given(m=st.integers(0, 10**5))
def test_discrete_log_in_range(group: Group, m: int) -> None:
    assert discrete_log(group, Scalar(m) * group.generator, 10**5) == m


def test_discrete_log_bounds(group: Group) -> None:
    g = group.generator
    assert discrete_log(group, group.identity, 0) == 0
    assert discrete_log(group, Scalar(1000) * g, 1000) == 1000
    with pytest.raises(PlaintextOutOfRange):
        discrete_log(group, Scalar(1001) * g, 1000)
    with pytest.raises(PlaintextOutOfRange):
        discrete_log(group, -g, 1000)
    with pytest.raises(ValueError):
        discrete_log(group, g, MAX_BOUND + 1)


def test_discrete_logs_share_one_table(group: Group) -> None:
    g = group.generator
    values = [0, 1, 999, 123_456, 10**6]
    targets = [Scalar(v) * g for v in values]
    assert discrete_logs(group, targets, [10**6] * len(values)) == values


@given(
    value=st.integers(0, 3 * 10**4),
    bound=st.integers(0, 3 * 10**4),
    others=st.lists(st.integers(0, 10**6), max_size=5),
)
def test_discrete_logs_of_mixed_bounds(
    group: Group, value: int, bound: int, others: list[int]
) -> None:
    # m in [0, bound] is found and m above its bound refused, whatever table width the
    # other targets' bounds give (spec 6.4); the others are found in their own ranges.
    targets = [Scalar(m) * group.generator for m in [value, *others]]
    bounds = [bound, *others]
    if value <= bound:
        assert discrete_logs(group, targets, bounds) == [value, *others]
    else:
        with pytest.raises(PlaintextOutOfRange):
            discrete_logs(group, targets, bounds)
    assert discrete_logs(group, targets[1:], bounds[1:]) == others


def test_discrete_logs_when_prefixes_collide(group: Group, monkeypatch: pytest.MonkeyPatch) -> None:
    # The table keeps 8 bytes of x; a shared prefix is confirmed on the whole point, so even a
    # table of colliding keys gives the right logarithms and refuses the wrong ones.
    walk = Group.x_prefixes
    monkeypatch.setattr(Group, "x_prefixes", lambda self, *a: [p % 5 for p in walk(self, *a)])
    values = [0, 1, 77, 4_999, 5_000, 2_500]
    targets = [Scalar(v) * group.generator for v in values]
    assert discrete_logs(group, targets, [5_000] * len(values)) == values
    with pytest.raises(PlaintextOutOfRange):
        discrete_logs(group, [Scalar(5_001) * group.generator], [5_000])


def test_table_half_width() -> None:
    # s = floor(sqrt(sum(bound + 1) / 2)) + 1, at most floor(max bound / 2) + 1 (spec 6.4)
    assert table_half_width([10**12] * 5) == isqrt((10**12 + 1) * 5 // 2) + 1
    assert table_half_width([0]) == 1
    assert table_half_width([10, 10**6]) == isqrt((11 + 10**6 + 1) // 2) + 1


def test_packed_election_round_trip(group: Group) -> None:
    # 47 ballots of a 4-outcome row, encrypted, added and decoded.
    packing = Packing.for_ballot(4, 47, rows=1)
    key = SecretKey.generate(group)
    choices = [0] * 3 + [1] * 19 + [2] * 2 + [3] * 23
    total = None
    for choice in choices:
        ciphertext, _ = encrypt(key.public_key, packing.encode(choice)[0])
        total = ciphertext if total is None else total + ciphertext
    assert total is not None
    value = discrete_log(group, decrypt_to_point(total, key), packing.lane_bound(0, 47))
    assert packing.decode([value], 47) == (3, 19, 2, 23)
