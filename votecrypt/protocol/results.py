"""The announced results, computed exactly from the decrypted counts (spec 13.2).

For every candidate: the count of each option and of blank lines, the percentage of each over
the rule set's denominator D, rounded half-up to two decimals from exact integers,

    hundredths = round_half_up(10000 * X / D) = (20000 * X + D) // (2 * D),

and the most severe bracket that holds, or none at all when the quorum is not met: a vote
below the quorum announces no consequence for anyone. No floating point anywhere: 46/47 is
97.8723...% and must print as 97.87, whatever a binary approximation would round to.

`compute_results` is the only constructor of `ElectionResults` meant for use; it checks that
the counts can come from the ballots collected and raises `RuleError` when they cannot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from votecrypt.errors import RuleError
from votecrypt.math.encoding import nfc
from votecrypt.protocol.rules import Bracket, PreviousResult, RuleSet, format_fraction

#: The count key of a line left unmarked (void for that person only; it still counts in D).
BLANK = "blank"
#: The one name of such a line everywhere (booths, CLI, sheet): the rule set's "phiếu không hợp
#: lệ" (a line with no mark is invalid for that person, spec 13.6). The web booth carries the
#: same texts (votecrypt/web/static/booth.js; tests/test_terms.py compares them).
BLANK_LABELS = ("Không hợp lệ", "Invalid")
#: What choosing it means, said to the voter before the ballot is reviewed.
BLANK_MEANING = (
    'Muốn bỏ qua một người, hãy chọn "Không hợp lệ": dòng đó là phiếu không hợp lệ đối với '
    "riêng người ấy; lá phiếu của bạn vẫn được tính là phiếu thu về.",
    'To leave a person unrated, choose "Invalid": that line is an invalid vote for that person '
    "only; your ballot still counts as collected.",
)


def percent_hundredths(count: int, denominator: int) -> int | None:
    """round_half_up(100 * count / denominator, 2) in hundredths of a percent; None if D = 0.

    floor((20000 * X + D) / (2 * D)) = floor(10000 * X / D + 1/2): exact for every X, D >= 0.
    """
    if denominator <= 0:
        return None
    return (20000 * count + denominator) // (2 * denominator)


def format_percent(hundredths: int | None) -> str:
    """Two decimals always: 9787 -> "97.87", 0 -> "0.00"; "—" when there is no percentage."""
    if hundredths is None:
        return "—"
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True, slots=True)
class Quorum:
    """The quorum check (spec 13.2): `present * q >= p * summoned` for the fraction p/q.

    `present` is the number of ballots issued (one per member present).
    """

    present: int
    summoned: int
    fraction: Fraction

    @property
    def met(self) -> bool:
        return self.present * self.fraction.denominator >= self.fraction.numerator * self.summoned

    @property
    def inequality(self) -> str:
        """The exact comparison, e.g. "3*34 = 102 >= 100 = 2*50" (or "<" when not met)."""
        p, q = self.fraction.numerator, self.fraction.denominator
        left, right = q * self.present, p * self.summoned
        sign = ">=" if self.met else "<"
        return f"{q}*{self.present} = {left} {sign} {right} = {p}*{self.summoned}"

    def describe(self) -> str:
        return f"{self.present} of {self.summoned} present, quorum {format_fraction(self.fraction)}"


@dataclass(frozen=True, slots=True)
class CandidateResult:
    """One candidate's line of the announcement.

    `counts` and `percentages` are (option key, value) pairs in the rule set's option order;
    `blank` counts lines left unmarked; percentages are in hundredths of a percent (None when
    D = 0); `bracket` is the most severe bracket that holds, or None.
    """

    name: str
    position: str
    counts: tuple[tuple[str, int], ...]
    blank: int
    percentages: tuple[tuple[str, int | None], ...]
    blank_percentage: int | None
    bracket: Bracket | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", nfc(self.name))
        object.__setattr__(self, "position", nfc(self.position))

    def count(self, key: str) -> int:
        """The count of an option key, or of BLANK."""
        return self.blank if key == BLANK else dict(self.counts)[key]

    def percentage(self, key: str) -> int | None:
        """The percentage of an option key, or of BLANK, in hundredths."""
        return self.blank_percentage if key == BLANK else dict(self.percentages)[key]

    def percent_text(self, key: str) -> str:
        """The percentage as announced: "53.19" (or "—" when D = 0)."""
        return format_percent(self.percentage(key))

    @property
    def bracket_id(self) -> str | None:
        return None if self.bracket is None else self.bracket.id

    @property
    def consequence_vi(self) -> str | None:
        return None if self.bracket is None else self.bracket.consequence_vi

    @property
    def consequence_en(self) -> str | None:
        return None if self.bracket is None else self.bracket.consequence_en


@dataclass(frozen=True, slots=True)
class ElectionResults:
    """The results of one election (spec 13.2).

    `valid` equals `collected` in an electronic vote, since the board accepts only valid
    ballots; it is kept because the official sheet shows it. `denominator` is the value of D;
    `denominator_kind` says which count it is ("collected" or "members").
    """

    rules: RuleSet
    issued: int
    collected: int
    valid: int
    summoned: int
    members: int
    denominator: int
    quorum: Quorum
    candidates: tuple[CandidateResult, ...]
    #: The previous vote's results used by the brackets, by candidate name (spec 13.1).
    previous: tuple[tuple[str, PreviousResult], ...] = ()

    @property
    def denominator_kind(self) -> str:
        return self.rules.denominator

    @property
    def present(self) -> int:
        return self.quorum.present

    @property
    def quorum_met(self) -> bool:
        return self.quorum.met


def _check_total(name: str, value: object) -> int:
    # bool is an int subclass; True is not a number of ballots.
    if type(value) is not int or value < 0:
        raise RuleError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def compute_results(
    rules: RuleSet,
    candidates: Sequence[tuple[str, str]],
    counts: Sequence[Mapping[str, int]],
    *,
    issued: int,
    collected: int,
    summoned: int,
    members: int,
    previous: Mapping[str, PreviousResult] | None = None,
) -> ElectionResults:
    """Results from per-candidate (name, position) and counts (spec 13.2).

    `previous` holds the previous vote's result by candidate name, for brackets with a
    condition on it (spec 13.1). When the quorum is not met no bracket is given to anyone.

    Each mapping of `counts` holds exactly the rule set's option keys and BLANK, each a
    non-negative integer, adding up to `collected`. Raises RuleError when a count or total is
    not a non-negative integer, when the counts of a candidate do not add up to `collected`,
    when more ballots are collected than issued or issued than summoned, when D = members
    is smaller than the ballots collected, or when a name is empty.
    """
    for name, value in (
        ("ballots issued", issued),
        ("ballots collected", collected),
        ("the number summoned", summoned),
        ("the number of members", members),
    ):
        _check_total(name, value)
    if collected > issued:
        raise RuleError(f"{collected} ballots collected but only {issued} issued")
    if issued > summoned:
        raise RuleError(f"{issued} ballots issued but only {summoned} people summoned")
    if rules.denominator == "members" and collected > members:
        raise RuleError(f"{collected} ballots collected from a body of {members} members")
    if len(candidates) != len(counts):
        raise RuleError(f"{len(candidates)} candidates but {len(counts)} sets of counts")
    denominator = collected if rules.denominator == "collected" else members
    quorum = Quorum(present=issued, summoned=summoned, fraction=rules.quorum)
    previous = previous or {}
    keys = rules.option_keys
    lines = []
    for (name, position), row in zip(candidates, counts, strict=True):
        if not isinstance(name, str) or not name.strip() or not isinstance(position, str):
            raise RuleError(f"a candidate needs a name and a position as text, not {name!r}")
        if set(row) != {*keys, BLANK}:
            raise RuleError(
                f"{name}: counts are needed for exactly {', '.join((*keys, BLANK))}, "
                f"not {', '.join(sorted(row))}"
            )
        for key in (*keys, BLANK):
            _check_total(f"{name}: the count of {key}", row[key])
        total = sum(row.values())
        if total != collected:
            raise RuleError(f"{name}: the counts add up to {total}, not {collected} collected")
        lines.append(
            CandidateResult(
                name=name,
                position=position,
                counts=tuple((key, row[key]) for key in keys),
                blank=row[BLANK],
                percentages=tuple((key, percent_hundredths(row[key], denominator)) for key in keys),
                blank_percentage=percent_hundredths(row[BLANK], denominator),
                bracket=(
                    rules.bracket_for(row, denominator, previous.get(name)) if quorum.met else None
                ),
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
        quorum=quorum,
        candidates=tuple(lines),
        previous=tuple((name, previous[name]) for name, _ in candidates if name in previous),
    )


__all__ = [
    "BLANK",
    "CandidateResult",
    "ElectionResults",
    "Quorum",
    "compute_results",
    "format_percent",
    "percent_hundredths",
]
