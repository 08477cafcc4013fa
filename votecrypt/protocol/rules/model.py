"""Rule sets as values: options, conditions, brackets and their exact evaluation (spec 13.1).

A rule set names the options of a row, the denominator D of the percentages ("collected":
ballots collected, or "members": members of the body), the quorum, and brackets, most severe
first. A bracket holds when all its conditions hold; a condition `option <op> p/q` means
`count <op> (p/q) * D`, evaluated exactly as `count * q <op> p * D` in integers. A candidate's
outcome is the first bracket that holds, or none; with D = 0 no bracket holds.

Every text is normalised to Unicode NFC when a value is constructed, so equal-looking texts are
equal and hash the same (spec 3.1).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from votecrypt.errors import RuleError
from votecrypt.math.encoding import nfc
from votecrypt.protocol.text import text_problem

RULES_TYPE = "votecrypt/rules"
VERSION = 1
COMPARISONS = (">", ">=", "<", "<=")
DENOMINATORS = ("collected", "members")
RESERVED_KEYS = ("blank",)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_FRACTION = re.compile(r"^([1-9][0-9]{0,5})/([1-9][0-9]{0,5})$")

# The comparisons of a condition, on integers only (spec 13.1).
_COMPARE: Mapping[str, Callable[[int, int], bool]] = MappingProxyType(
    {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
)


#: Longest text of a rule set (a consequence quoting the law runs to a few hundred characters).
MAX_RULE_TEXT = 2000


def _set_nfc(instance: object, *names: str) -> None:
    """Normalise text fields of a frozen dataclass to NFC in __post_init__, refusing text
    that cannot be shown safely (spec 7.1)."""
    for name in names:
        value = getattr(instance, name)
        if not isinstance(value, str):
            raise RuleError(f"{type(instance).__name__}.{name} must be text")
        problem = text_problem(value, max_length=MAX_RULE_TEXT)
        if problem is not None:
            raise RuleError(f"{type(instance).__name__}.{name} {problem}")
        object.__setattr__(instance, name, nfc(value))


@dataclass(frozen=True, slots=True)
class Option:
    """One choice on a row: `key` (stable identifier) and its labels."""

    key: str
    label_vi: str
    label_en: str

    def __post_init__(self) -> None:
        _set_nfc(self, "key", "label_vi", "label_en")
        if not _KEY.match(self.key) or self.key in RESERVED_KEYS:
            raise RuleError(
                f"option key {self.key!r} is not allowed (lower-case [a-z][a-z0-9_]*, not blank)"
            )
        if not self.label_vi.strip() or not self.label_en.strip():
            raise RuleError(f"option {self.key!r} needs a Vietnamese and an English label")


#: The vote a condition looks at: this one, or the previous one (the previous year's vote,
#: recorded in the manifest, spec 7.1), for rules such as "two years running".
YEARS = ("current", "previous")


@dataclass(frozen=True, slots=True)
class Condition:
    """`count(option) <comparison> fraction * D` (spec 13.1), on this vote's counts or, with
    `year="previous"`, on the previous vote's count and denominator."""

    option: str
    comparison: str
    fraction: Fraction
    year: str = "current"

    def __post_init__(self) -> None:
        if self.year not in YEARS:
            raise RuleError(f"unknown year {self.year!r}; use one of {', '.join(YEARS)}")
        if self.comparison not in _COMPARE:
            raise RuleError(
                f"unknown comparison {self.comparison!r}; use one of {', '.join(COMPARISONS)}"
            )
        if not isinstance(self.fraction, Fraction) or self.fraction <= 0:
            raise RuleError("threshold fractions must be positive")

    def holds(self, count: int, denominator: int) -> bool:
        """count * q <op> p * D, in integers: no rounding can move a boundary."""
        left = count * self.fraction.denominator
        right = self.fraction.numerator * denominator
        return _COMPARE[self.comparison](left, right)

    def describe(self) -> str:
        text = f"{self.option} {self.comparison} {format_fraction(self.fraction)} of D"
        return text if self.year == "current" else f"{text} in the previous vote"


@dataclass(frozen=True, slots=True)
class PreviousResult:
    """One office holder's counts in the previous vote and that vote's D (spec 7.1, 13.1)."""

    counts: Mapping[str, int]
    denominator: int

    def __post_init__(self) -> None:
        # A read-only copy: the value is immutable and hashable like every other.
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.counts.items())), self.denominator))


@dataclass(frozen=True, slots=True)
class Bracket:
    """A conjunction of conditions and the consequence when all of them hold."""

    id: str
    conditions: tuple[Condition, ...]
    consequence_vi: str
    consequence_en: str

    def __post_init__(self) -> None:
        _set_nfc(self, "id", "consequence_vi", "consequence_en")
        if not _ID.match(self.id):
            raise RuleError(f"bracket id {self.id!r} must be lower-case letters, digits, - or _")
        if not self.conditions:
            raise RuleError(f"bracket {self.id!r} has no condition")
        if not self.consequence_vi.strip() or not self.consequence_en.strip():
            raise RuleError(f"bracket {self.id!r} needs consequences in both languages")

    def holds(
        self, counts: Mapping[str, int], denominator: int, previous: PreviousResult | None = None
    ) -> bool:
        """All conditions hold; a condition on the previous vote does not hold when there is
        no previous result for the office holder (or its D was 0)."""
        for condition in self.conditions:
            if condition.year == "previous":
                if previous is None or condition.option not in previous.counts:
                    return False
                if not condition.holds(previous.counts[condition.option], previous.denominator):
                    return False
            elif not condition.holds(counts[condition.option], denominator):
                return False
        return True


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A complete rule set (spec 13.1). `reference` cites the legal source; it may be empty."""

    id: str
    title_vi: str
    title_en: str
    reference: str
    options: tuple[Option, ...]
    denominator: str
    quorum: Fraction
    brackets: tuple[Bracket, ...]

    def __post_init__(self) -> None:
        _set_nfc(self, "id", "title_vi", "title_en", "reference")
        _validate(self)

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options)

    @property
    def uses_previous(self) -> bool:
        """Whether a bracket looks at the previous vote (spec 13.1)."""
        return any(c.year == "previous" for b in self.brackets for c in b.conditions)

    def bracket_for(
        self, counts: Mapping[str, int], denominator: int, previous: PreviousResult | None = None
    ) -> Bracket | None:
        """The first (most severe) bracket that holds, or None; None when D = 0 (spec 13.1)."""
        if denominator <= 0:
            return None
        for bracket in self.brackets:
            if bracket.holds(counts, denominator, previous):
                return bracket
        return None

    def quorum_met(self, present: int, summoned: int) -> bool:
        """present >= quorum * summoned, exactly and inclusive: `present * q >= p * summoned`."""
        return present * self.quorum.denominator >= self.quorum.numerator * summoned


def _validate(rules: RuleSet) -> None:
    """The checks that involve more than one field (each part checks itself)."""
    if not _ID.match(rules.id):
        raise RuleError(f"rule set id {rules.id!r} must be lower-case letters, digits, - or _")
    if not rules.title_vi.strip() or not rules.title_en.strip():
        raise RuleError("a rule set needs a Vietnamese and an English title")
    if not rules.options:
        raise RuleError("a rule set needs at least one option")
    keys = rules.option_keys
    if len(set(keys)) != len(keys):
        raise RuleError(f"option keys must be distinct: {', '.join(keys)}")
    if rules.denominator not in DENOMINATORS:
        raise RuleError(f"denominator {rules.denominator!r}: use one of {', '.join(DENOMINATORS)}")
    if not isinstance(rules.quorum, Fraction) or not 0 < rules.quorum <= 1:
        raise RuleError("the quorum must be a fraction in (0, 1]")
    ids = [b.id for b in rules.brackets]
    if len(set(ids)) != len(ids):
        raise RuleError(f"bracket ids must be distinct: {', '.join(ids)}")
    for bracket in rules.brackets:
        for condition in bracket.conditions:
            if condition.option not in keys:
                raise RuleError(
                    f"bracket {bracket.id!r} names option {condition.option!r}, "
                    f"which the rule set does not have ({', '.join(keys)})"
                )


def format_fraction(value: Fraction) -> str:
    """Write a fraction as "p/q" in lowest terms, the only way fractions are written."""
    return f"{value.numerator}/{value.denominator}"


def parse_fraction(text: Any, path: str = "fraction") -> Fraction:
    """A fraction written "p/q" with positive integers in lowest terms."""
    match = _FRACTION.match(text) if isinstance(text, str) else None
    if match is None:
        raise RuleError(f'{path}: expected a fraction of positive integers like "2/3"')
    numerator, denominator = int(match[1]), int(match[2])
    value = Fraction(numerator, denominator)
    if value.numerator != numerator:
        raise RuleError(f"{path}: write the fraction in lowest terms ({format_fraction(value)})")
    return value
