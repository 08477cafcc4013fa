"""Packing a row's outcome into base-B digits spread over lanes (spec 6.1-6.3).

A row (one candidate on the ballot) has k outcomes: the options a voter may choose, plus
"blank" when the row may be left unrated. Outcome 0 is encoded as the zero vector; its count
is derived at the end. Outcome i >= 1 is digit number d = i - 1, which sits in lane
d // digits_per_lane at position d % digits_per_lane, and is encoded as B^(d % digits_per_lane)
in that lane and 0 in every other lane.

B = max_ballots + 1, so every count (at most max_ballots) is a single base-B digit: after
homomorphic addition a lane holds sum_i count_i * B^position, whose base-B digits are the
counts (spec 6.3). digits_per_lane is the largest number of digits for which the largest
possible lane value, max_ballots * B^(digits_per_lane - 1), stays within MAX_LANE_PLAINTEXT,
the bound the discrete-log step handles, and the decoding work of the whole ballot, the sum
over its rows and lanes of (largest lane value + 1), stays within DECODE_BUDGET (spec 6.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from votecrypt.errors import PlaintextOutOfRange
from votecrypt.primitives.dlog import MAX_BOUND

#: The largest value one lane may reach after aggregation (spec 6.2).
MAX_LANE_PLAINTEXT = MAX_BOUND

#: The largest sum over a ballot's rows and lanes of (largest lane value + 1) (spec 6.2): the
#: final decoding then takes at most about sqrt(2 * 2^34) = 185,000 group additions.
DECODE_BUDGET = 2**34


@dataclass(frozen=True, slots=True)
class Packing:
    """How the k outcomes of a row map to lane vectors.

    `outcomes` is k, `base` is B, `digits_per_lane` the digits one lane carries.
    """

    outcomes: int
    base: int
    digits_per_lane: int

    @classmethod
    def for_ballot(cls, outcomes: int, max_ballots: int, *, rows: int) -> Packing:
        """The packing of every row of a ballot of `rows` rows of `outcomes` outcomes, for at
        most `max_ballots` ballots (spec 6.2)."""
        if outcomes < 2:
            raise ValueError("a row needs at least two outcomes")
        if max_ballots < 1:
            raise ValueError("an election needs at least one ballot")
        if rows < 1:
            raise ValueError("a ballot needs at least one row")
        base = max_ballots + 1
        if max_ballots > MAX_LANE_PLAINTEXT:
            raise ValueError("too many ballots for one base-B digit per lane")
        digits = 1
        while digits < outcomes - 1:
            wider = cls(outcomes, base, digits + 1)
            if wider.lane_bound(0, max_ballots) > MAX_LANE_PLAINTEXT:
                break
            if rows * wider.decode_work(max_ballots) > DECODE_BUDGET:
                break
            digits += 1
        return cls(outcomes, base, digits)

    @property
    def digits(self) -> int:
        """Number of digits: one per outcome except outcome 0."""
        return self.outcomes - 1

    @property
    def lanes(self) -> int:
        """Number of ciphertexts per row."""
        return -(-self.digits // self.digits_per_lane)

    def digits_in_lane(self, lane: int) -> int:
        return min(self.digits_per_lane, self.digits - lane * self.digits_per_lane)

    def encode(self, outcome: int) -> tuple[int, ...]:
        """The lane vector of one outcome (0 <= outcome < k)."""
        if type(outcome) is not int or not 0 <= outcome < self.outcomes:
            raise ValueError("no such outcome")
        vector = [0] * self.lanes
        if outcome:
            lane, position = divmod(outcome - 1, self.digits_per_lane)
            vector[lane] = self.base**position
        return tuple(vector)

    def allowed(self) -> tuple[tuple[int, ...], ...]:
        """Every outcome's lane vector, in outcome order: the set-membership value list."""
        return tuple(self.encode(outcome) for outcome in range(self.outcomes))

    def lane_bound(self, lane: int, ballots: int) -> int:
        """The largest value lane `lane` can hold after adding `ballots` ballots."""
        power: int = self.base ** (self.digits_in_lane(lane) - 1)
        return ballots * power

    def decode_work(self, ballots: int) -> int:
        """sum over lanes of (lane bound + 1) for `ballots` ballots: a row's share of the
        discrete-log work (spec 6.4)."""
        return sum(self.lane_bound(lane, ballots) + 1 for lane in range(self.lanes))

    def decode(self, lane_values: Sequence[int], ballots: int) -> tuple[int, ...]:
        """Counts of every outcome from the aggregated lane values of `ballots` ballots.

        Raises PlaintextOutOfRange when the values are not a sum of `ballots` outcome vectors
        (a digit too large, or digits adding up to more than `ballots`).
        """
        if len(lane_values) != self.lanes:
            raise ValueError("one value per lane is needed")
        if not 0 <= ballots < self.base:
            raise PlaintextOutOfRange("more ballots than the packing allows")
        counts: list[int] = []
        for lane, value in enumerate(lane_values):
            width = self.digits_in_lane(lane)
            if not 0 <= value < self.base**width:
                raise PlaintextOutOfRange(f"lane {lane} holds more digits than it can")
            for _ in range(width):
                value, digit = divmod(value, self.base)
                counts.append(digit)
        derived = ballots - sum(counts)
        if derived < 0:
            raise PlaintextOutOfRange("the decoded counts exceed the number of ballots")
        return (derived, *counts)
