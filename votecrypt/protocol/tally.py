"""The encrypted tally: the homomorphic sum of every cast ballot, row by row (spec 12.1).

Addition is associative and commutative, so the sum can be split over processes or machines
and the partial sums merged in any order (`TallyAccumulator.merge`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from votecrypt.errors import TallyError
from votecrypt.math.encoding import Encodable
from votecrypt.math.group import Group, Point
from votecrypt.primitives.elgamal import Ciphertext
from votecrypt.protocol.ballot import Ballot

#: Points kept before they are summed in one backend call (bounds memory, spec 12.1).
_FLUSH_EVERY = 512


@dataclass(frozen=True, slots=True)
class EncryptedTally:
    """`ballots` is the number of cast ballots counted (D in spec 13); `rows[i][l]` is the sum
    of lane l of row i over those ballots."""

    election: bytes
    ballots: int
    rows: tuple[tuple[Ciphertext, ...], ...]

    def content(self) -> Encodable:
        return {
            "election": self.election,
            "ballots": self.ballots,
            "rows": [[(c.alpha, c.beta) for c in row] for row in self.rows],
        }


class TallyAccumulator:
    """A running homomorphic sum over ballots with `rows` rows of `lanes` ciphertexts."""

    def __init__(self, group: Group, rows: int, lanes: int) -> None:
        self._group = group
        self._shape = (rows, lanes)
        self.ballots = 0
        self._sums = [[Ciphertext.zero(group) for _ in range(lanes)] for _ in range(rows)]
        self._pending: list[list[list[Ciphertext]]] = [
            [[] for _ in range(lanes)] for _ in range(rows)
        ]
        self._pending_count = 0

    def add(self, ballot: Ballot) -> None:
        self.add_rows([row.ciphertexts for row in ballot.rows])

    def add_rows(self, ciphertexts: Sequence[Sequence[Ciphertext]]) -> None:
        """Add one ballot given as its rows of lane ciphertexts."""
        rows, lanes = self._shape
        if len(ciphertexts) != rows or any(len(row) != lanes for row in ciphertexts):
            raise TallyError("a ballot does not have the election's shape")
        for pending_row, row in zip(self._pending, ciphertexts, strict=True):
            for pending_lane, ciphertext in zip(pending_row, row, strict=True):
                pending_lane.append(ciphertext)
        self.ballots += 1
        self._pending_count += 1
        if self._pending_count >= _FLUSH_EVERY:
            self._flush()

    def add_all(self, ballots: Iterable[Ballot]) -> TallyAccumulator:
        for ballot in ballots:
            self.add(ballot)
        return self

    def merge(self, other: TallyAccumulator) -> TallyAccumulator:
        """Add another accumulator's ballots into this one (tree reduction)."""
        if other._shape != self._shape:
            raise TallyError("partial tallies of different shapes cannot be merged")
        self._flush()
        for row, other_row in zip(self._sums, other.sums(), strict=True):
            for lane, other_sum in enumerate(other_row):
                row[lane] = row[lane] + other_sum
        self.ballots += other.ballots
        return self

    def sums(self) -> list[list[Ciphertext]]:
        self._flush()
        return [list(row) for row in self._sums]

    def result(self, election: bytes) -> EncryptedTally:
        return EncryptedTally(election, self.ballots, tuple(tuple(row) for row in self.sums()))

    def _flush(self) -> None:
        group = self._group
        for row, pending_row in zip(self._sums, self._pending, strict=True):
            for lane, pending in enumerate(pending_row):
                if pending:
                    alphas: list[Point] = [row[lane].alpha, *(c.alpha for c in pending)]
                    betas: list[Point] = [row[lane].beta, *(c.beta for c in pending)]
                    row[lane] = Ciphertext(group.sum(alphas), group.sum(betas))
                    pending.clear()
        self._pending_count = 0

    def __getstate__(self) -> tuple[Group, tuple[int, int], int, list[list[Ciphertext]]]:
        # Workers send back only the running sums; pending points are added first.
        self._flush()
        return (self._group, self._shape, self.ballots, self._sums)

    def __setstate__(
        self, state: tuple[Group, tuple[int, int], int, list[list[Ciphertext]]]
    ) -> None:
        self._group, self._shape, self.ballots, self._sums = state
        rows, lanes = self._shape
        self._pending = [[[] for _ in range(lanes)] for _ in range(rows)]
        self._pending_count = 0


def tally_ballots(
    group: Group, election: bytes, rows: int, lanes: int, ballots: Iterable[Ballot]
) -> EncryptedTally:
    """The encrypted tally of `ballots` (already accepted by the board)."""
    return TallyAccumulator(group, rows, lanes).add_all(ballots).result(election)
