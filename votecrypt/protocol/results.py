"""The announced results, computed exactly from the decrypted counts (spec 13.2).

For every candidate: the count of each option and of blank lines, the percentage of each over
the rule set's denominator D, rounded half-up to two decimals from exact integers,

    hundredths = round_half_up(10000 * X / D) = (20000 * X + D) // (2 * D),

and the most severe bracket that holds. No floating point anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from votecrypt.errors import RuleError
from votecrypt.protocol.rules import Bracket, RuleSet

BLANK = "blank"


def percent_hundredths(count: int, denominator: int) -> int | None:
    """round_half_up(100 * count / denominator, 2) in hundredths of a percent; None if D = 0."""
    if denominator <= 0:
        return None
    return (20000 * count + denominator) // (2 * denominator)


def format_percent(hundredths: int | None) -> str:
    """ "97.87" for 9787; "—" when there is no percentage (D = 0)."""
    if hundredths is None:
        return "—"
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True, slots=True)
class CandidateResult:
    """One candidate's line of the announcement. `counts` and `percentages` are in the rule
    set's option order; `blank` counts lines left unmarked."""

    name: str
    position: str
    counts: tuple[tuple[str, int], ...]
    blank: int
    percentages: tuple[tuple[str, int | None], ...]
    blank_percentage: int | None
    bracket: Bracket | None

    def count(self, key: str) -> int:
        return dict(self.counts)[key]

    def percentage(self, key: str) -> int | None:
        return dict(self.percentages)[key]


@dataclass(frozen=True, slots=True)
class ElectionResults:
    """The results of one election (spec 13.2). `present` is the number of ballots issued
    (one per member present); `valid` equals `collected` in an electronic vote, since the board
    accepts only valid ballots, and is kept because the official sheet shows it."""

    rules: RuleSet
    issued: int
    collected: int
    valid: int
    summoned: int
    members: int
    denominator: int
    quorum_met: bool
    candidates: tuple[CandidateResult, ...]


def compute_results(
    rules: RuleSet,
    candidates: Sequence[tuple[str, str]],
    counts: Sequence[Mapping[str, int]],
    *,
    issued: int,
    collected: int,
    summoned: int,
    members: int,
) -> ElectionResults:
    """Results from per-candidate counts (each a mapping of option key, and "blank", to count).

    Raises RuleError when the counts cannot come from `collected` ballots.
    """
    if len(candidates) != len(counts):
        raise RuleError("one set of counts per candidate is needed")
    if not 0 <= collected <= issued:
        raise RuleError("ballots collected must be between 0 and ballots issued")
    denominator = collected if rules.denominator == "collected" else members
    lines = []
    keys = rules.option_keys
    for (name, position), row in zip(candidates, counts, strict=True):
        if set(row) != {*keys, BLANK} or any(type(v) is not int or v < 0 for v in row.values()):
            raise RuleError(f"{name}: counts must be non-negative integers for {keys} and blank")
        if sum(row.values()) != collected:
            raise RuleError(f"{name}: the counts add up to {sum(row.values())}, not {collected}")
        lines.append(
            CandidateResult(
                name=name,
                position=position,
                counts=tuple((key, row[key]) for key in keys),
                blank=row[BLANK],
                percentages=tuple((key, percent_hundredths(row[key], denominator)) for key in keys),
                blank_percentage=percent_hundredths(row[BLANK], denominator),
                bracket=rules.bracket_for(row, denominator),
            )
        )
    return ElectionResults(
        rules=rules,
        issued=issued,
        collected=collected,
        valid=collected,
        summoned=summoned,
        members=members,
        denominator=denominator,
        quorum_met=rules.quorum_met(issued, summoned),
        candidates=tuple(lines),
    )
