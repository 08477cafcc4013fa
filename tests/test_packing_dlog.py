"""Packing of row outcomes into base-B digits, lanes, and bounded discrete logarithms."""

from __future__ import annotations

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
from votecrypt.primitives.dlog import MAX_BOUND


def test_recommended_packing_with_blank() -> None:
    # blank -> 0 and the three levels -> 1, B, B^2 (DESIGN, spec 6.1)
    packing = Packing.for_row(4, 47)
    assert packing.base == 48
    assert packing.lanes == 1
    assert packing.allowed() == ((0,), (1,), (48,), (48 * 48,))


@pytest.mark.parametrize(
    ("ballots", "lanes"),
    [(9, 1), (500, 1), (10_000, 1), (10_400, 2), (100_000, 2), (2**40, 3)],
)
def test_lane_count_for_four_outcomes(ballots: int, lanes: int) -> None:
    packing = Packing.for_row(4, ballots)
    assert packing.lanes == lanes
    for lane in range(packing.lanes):
        assert packing.lane_bound(lane, ballots) <= MAX_LANE_PLAINTEXT


def test_too_many_ballots() -> None:
    with pytest.raises(ValueError):
        Packing.for_row(4, MAX_LANE_PLAINTEXT + 1)


@given(
    outcomes=st.integers(2, 9),
    max_ballots=st.sampled_from([1, 9, 47, 500, 10_000, 100_000]),
    data=st.data(),
)
def test_decode_of_sum_is_the_counts(outcomes: int, max_ballots: int, data: st.DataObject) -> None:
    packing = Packing.for_row(outcomes, max_ballots)
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
    packing = Packing.for_row(4, 47)
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


def test_packed_election_round_trip(group: Group) -> None:
    # 47 ballots of a 4-outcome row, encrypted, added and decoded.
    packing = Packing.for_row(4, 47)
    key = SecretKey.generate(group)
    choices = [0] * 3 + [1] * 19 + [2] * 2 + [3] * 23
    total = None
    for choice in choices:
        ciphertext, _ = encrypt(key.public_key, packing.encode(choice)[0])
        total = ciphertext if total is None else total + ciphertext
    assert total is not None
    value = discrete_log(group, decrypt_to_point(total, key), packing.lane_bound(0, 47))
    assert packing.decode([value], 47) == (3, 19, 2, 23)
