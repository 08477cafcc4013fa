"""Rule sets: the legal thresholds, denominators and consequences, as data (spec 13).

A rule set names the options of a row, the denominator D of the percentages ("collected":
ballots collected, or "members": members of the body), the quorum, and brackets, most severe
first. A bracket holds when all its conditions hold; a condition `option <op> p/q` means
`count <op> (p/q) * D`, evaluated exactly as `count * q <op> p * D` in integers. A candidate's
outcome is the first bracket that holds, or none.

Presets follow the rules in force and the legacy one:
    nq96-2023        National Assembly and People's Councils, Resolution 96/2023/QH15
    qd96-2023        Party, Regulation 96-QĐ/TW (2023)
    nq96-2023-vote   the follow-up vote of confidence (two options), Resolution 96/2023/QH15
    nq85-2014        legacy Resolution 85/2014/QH13, D = members of the body
Custom rule sets are JSON files (spec 13.4), loaded with `rule_set_from_json`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from votecrypt.errors import RuleError
from votecrypt.math.encoding import nfc

RULES_TYPE = "votecrypt/rules"
VERSION = 1
COMPARISONS = (">", ">=", "<", "<=")
DENOMINATORS = ("collected", "members")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_FRACTION = re.compile(r"^([1-9][0-9]{0,5})/([1-9][0-9]{0,5})$")
RESERVED_KEYS = ("blank",)


@dataclass(frozen=True, slots=True)
class Option:
    """One choice on a row: `key` (stable identifier) and its labels."""

    key: str
    label_vi: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Condition:
    """`count(option) <comparison> fraction * D`."""

    option: str
    comparison: str
    fraction: Fraction

    def holds(self, count: int, denominator: int) -> bool:
        left = count * self.fraction.denominator
        right = self.fraction.numerator * denominator
        if self.comparison == ">":
            return left > right
        if self.comparison == ">=":
            return left >= right
        if self.comparison == "<":
            return left < right
        return left <= right

    def describe(self) -> str:
        fraction = f"{self.fraction.numerator}/{self.fraction.denominator}"
        return f"{self.option} {self.comparison} {fraction} of D"


@dataclass(frozen=True, slots=True)
class Bracket:
    """A set of conditions and the consequence when all hold."""

    id: str
    conditions: tuple[Condition, ...]
    consequence_vi: str
    consequence_en: str

    def holds(self, counts: Mapping[str, int], denominator: int) -> bool:
        return all(c.holds(counts[c.option], denominator) for c in self.conditions)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A complete rule set (spec 13.1)."""

    id: str
    title_vi: str
    title_en: str
    reference: str
    options: tuple[Option, ...]
    denominator: str
    quorum: Fraction
    brackets: tuple[Bracket, ...]

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options)

    def bracket_for(self, counts: Mapping[str, int], denominator: int) -> Bracket | None:
        """The most severe bracket that holds, or None (spec 13.2)."""
        if denominator <= 0:
            return None
        for bracket in self.brackets:
            if bracket.holds(counts, denominator):
                return bracket
        return None

    def quorum_met(self, present: int, summoned: int) -> bool:
        """present >= quorum * summoned, exactly (inclusive)."""
        return present * self.quorum.denominator >= self.quorum.numerator * summoned


def _validate(rules: RuleSet) -> None:
    if not _KEY.match(rules.id.replace("-", "_")):
        raise RuleError(f"rule set id {rules.id!r} must be lower-case letters, digits, - or _")
    if not rules.title_vi or not rules.title_en:
        raise RuleError("a rule set needs a Vietnamese and an English title")
    if not rules.options:
        raise RuleError("a rule set needs at least one option")
    keys = rules.option_keys
    if len(set(keys)) != len(keys):
        raise RuleError("option keys must be distinct")
    for option in rules.options:
        if not _KEY.match(option.key) or option.key in RESERVED_KEYS:
            raise RuleError(f"option key {option.key!r} is not allowed")
        if not option.label_vi or not option.label_en:
            raise RuleError(f"option {option.key!r} needs both labels")
    if rules.denominator not in DENOMINATORS:
        raise RuleError(f"denominator must be one of {', '.join(DENOMINATORS)}")
    if not 0 < rules.quorum <= 1:
        raise RuleError("the quorum must be a fraction in (0, 1]")
    ids = [b.id for b in rules.brackets]
    if len(set(ids)) != len(ids):
        raise RuleError("bracket ids must be distinct")
    for bracket in rules.brackets:
        if not _KEY.match(bracket.id.replace("-", "_")):
            raise RuleError(f"bracket id {bracket.id!r} is not allowed")
        if not bracket.conditions:
            raise RuleError(f"bracket {bracket.id!r} has no condition")
        if not bracket.consequence_vi or not bracket.consequence_en:
            raise RuleError(f"bracket {bracket.id!r} needs consequences in both languages")
        for condition in bracket.conditions:
            if condition.option not in keys:
                raise RuleError(f"bracket {bracket.id!r} names unknown option {condition.option!r}")
            if condition.comparison not in COMPARISONS:
                raise RuleError(f"unknown comparison {condition.comparison!r}")
            if condition.fraction <= 0:
                raise RuleError("threshold fractions must be positive")


# Plain data and JSON (spec 13.4)


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def parse_fraction(text: Any, path: str = "fraction") -> Fraction:
    """A fraction written "p/q" with positive integers in lowest terms."""
    match = _FRACTION.match(text) if isinstance(text, str) else None
    if match is None:
        raise RuleError(f'{path}: expected a fraction like "2/3"')
    numerator, denominator = int(match[1]), int(match[2])
    value = Fraction(numerator, denominator)
    if value.numerator != numerator:
        raise RuleError(f"{path}: write the fraction in lowest terms ({_fraction_text(value)})")
    return value


def rule_set_to_plain(rules: RuleSet) -> dict[str, Any]:
    return {
        "type": RULES_TYPE,
        "version": VERSION,
        "id": rules.id,
        "title": {"vi": rules.title_vi, "en": rules.title_en},
        "reference": rules.reference,
        "options": [{"key": o.key, "vi": o.label_vi, "en": o.label_en} for o in rules.options],
        "denominator": rules.denominator,
        "quorum": _fraction_text(rules.quorum),
        "brackets": [
            {
                "id": b.id,
                "when": [
                    {
                        "option": c.option,
                        "comparison": c.comparison,
                        "fraction": _fraction_text(c.fraction),
                    }
                    for c in b.conditions
                ],
                "consequence": {"vi": b.consequence_vi, "en": b.consequence_en},
            }
            for b in rules.brackets
        ],
    }


def rule_set_from_plain(value: Any) -> RuleSet:
    """Decode a rule set from plain JSON data; RuleError names the problem."""
    reader = _Reader(value, "rules")
    reader.constant("type", RULES_TYPE)
    if reader.get("version") != VERSION:
        raise RuleError(f"rules.version: expected {VERSION}")
    title = reader.nested("title")
    options = []
    for item in reader.objects("options"):
        options.append(Option(item.text("key"), item.text("vi"), item.text("en")))
        item.done()
    brackets = []
    for item in reader.objects("brackets"):
        conditions = []
        for when in item.objects("when"):
            conditions.append(
                Condition(
                    when.text("option"),
                    when.text("comparison"),
                    parse_fraction(when.get("fraction"), when.path("fraction")),
                )
            )
            when.done()
        consequence = item.nested("consequence")
        brackets.append(
            Bracket(
                item.text("id"), tuple(conditions), consequence.text("vi"), consequence.text("en")
            )
        )
        consequence.done()
        item.done()
    rules = RuleSet(
        id=reader.text("id"),
        title_vi=title.text("vi"),
        title_en=title.text("en"),
        reference=reader.text("reference", allow_empty=True),
        options=tuple(options),
        denominator=reader.text("denominator"),
        quorum=parse_fraction(reader.get("quorum"), "rules.quorum"),
        brackets=tuple(brackets),
    )
    title.done()
    reader.done()
    return rules


def rule_set_to_json(rules: RuleSet) -> str:
    return json.dumps(rule_set_to_plain(rules), ensure_ascii=False, indent=2) + "\n"


def rule_set_from_json(text: str | bytes) -> RuleSet:
    """Load a custom rule file (spec 13.4)."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise RuleError(f"the rule file is not valid JSON: {exc}") from None
    return rule_set_from_plain(value)


class _Reader:
    """Strict reading of one object of a rule file (unknown or missing keys are errors)."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise RuleError(f"{path}: expected an object")
        self._value = value
        self._path = path
        self._read: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self._path}.{key}"

    def get(self, key: str) -> Any:
        if key not in self._value:
            raise RuleError(f"{self._path}: missing {key!r}")
        self._read.add(key)
        return self._value[key]

    def constant(self, key: str, expected: str) -> None:
        if self.get(key) != expected:
            raise RuleError(f"{self.path(key)}: expected {expected!r}")

    def text(self, key: str, *, allow_empty: bool = False) -> str:
        value = self.get(key)
        if not isinstance(value, str) or (not value.strip() and not allow_empty):
            raise RuleError(f"{self.path(key)}: expected non-empty text")
        return nfc(value.strip())

    def nested(self, key: str) -> _Reader:
        return _Reader(self.get(key), self.path(key))

    def objects(self, key: str) -> list[_Reader]:
        value = self.get(key)
        if not isinstance(value, list):
            raise RuleError(f"{self.path(key)}: expected a list")
        return [_Reader(item, f"{self.path(key)}[{i}]") for i, item in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self._value) - self._read)
        if unknown:
            raise RuleError(f"{self._path}: unknown key(s) {', '.join(unknown)}")


# Presets (spec 13.3)

THREE_LEVELS = (
    Option("high", "Tín nhiệm cao", "High confidence"),
    Option("medium", "Tín nhiệm", "Confidence"),
    Option("low", "Tín nhiệm thấp", "Low confidence"),
)
TWO_OPTIONS = (
    Option("confidence", "Tín nhiệm", "Confidence"),
    Option("no_confidence", "Không tín nhiệm", "No confidence"),
)
TWO_THIRDS = Fraction(2, 3)
HALF = Fraction(1, 2)


def _low(comparison: str, fraction: Fraction) -> Condition:
    return Condition("low", comparison, fraction)


PRESETS: dict[str, RuleSet] = {
    rules.id: rules
    for rules in (
        RuleSet(
            id="nq96-2023",
            title_vi="Lấy phiếu tín nhiệm theo Nghị quyết số 96/2023/QH15",
            title_en="Confidence vote under Resolution 96/2023/QH15",
            reference="Nghị quyết 96/2023/QH15, Điều 19.3 (D = số phiếu thu về), Điều 12, 13",
            options=THREE_LEVELS,
            denominator="collected",
            quorum=TWO_THIRDS,
            brackets=(
                Bracket(
                    "dismissal",
                    (_low(">=", TWO_THIRDS),),
                    "Từ hai phần ba tổng số phiếu trở lên đánh giá tín nhiệm thấp: cơ quan hoặc "
                    "người có thẩm quyền giới thiệu để bầu hoặc phê chuẩn trình Quốc hội, Hội "
                    "đồng nhân dân miễn nhiệm hoặc phê chuẩn việc miễn nhiệm.",
                    "Two thirds or more rated low confidence: the body or person that "
                    "nominated the office holder submits their dismissal (miễn nhiệm).",
                ),
                Bracket(
                    "resign-or-vote",
                    (_low(">", HALF), _low("<", TWO_THIRDS)),
                    "Quá nửa đến dưới hai phần ba tổng số phiếu đánh giá tín nhiệm thấp: có thể "
                    "xin từ chức; nếu không từ chức thì được đưa ra bỏ phiếu tín nhiệm tại kỳ "
                    "họp đó hoặc kỳ họp gần nhất.",
                    "More than half and less than two thirds rated low confidence: may resign; "
                    "otherwise a vote of confidence at this session or the next.",
                ),
            ),
        ),
        RuleSet(
            id="qd96-2023",
            title_vi="Lấy phiếu tín nhiệm theo Quy định số 96-QĐ/TW",
            title_en="Confidence vote under Party Regulation 96-QĐ/TW",
            reference="Quy định 96-QĐ/TW (2023), Điều 6.3 (D = số phiếu thu về), Điều 11",
            options=THREE_LEVELS,
            denominator="collected",
            quorum=TWO_THIRDS,
            brackets=(
                Bracket(
                    "dismissal",
                    (_low(">=", TWO_THIRDS),),
                    "Từ hai phần ba tổng số phiếu trở lên đánh giá tín nhiệm thấp: cấp có thẩm "
                    "quyền xem xét cho thôi giữ chức vụ, bố trí công tác khác thấp hơn, không "
                    "chờ hết nhiệm kỳ, hết thời hạn bổ nhiệm.",
                    "Two thirds or more rated low confidence: relieved of the post and assigned "
                    "to a lower post, without waiting for the end of the term.",
                ),
                Bracket(
                    "removed-from-planning",
                    (_low(">", HALF), _low("<", TWO_THIRDS)),
                    "Quá nửa đến dưới hai phần ba tổng số phiếu đánh giá tín nhiệm thấp: không "
                    "quy hoạch, bổ nhiệm, giới thiệu ứng cử vào chức vụ cao hơn; xem xét cho "
                    "thôi giữ chức vụ, miễn nhiệm, điều chuyển, cho từ chức hoặc bỏ phiếu tín "
                    "nhiệm.",
                    "More than half and less than two thirds rated low confidence: removed from "
                    "succession planning for higher posts; relief, dismissal, reassignment, "
                    "resignation or a vote of confidence is considered.",
                ),
            ),
        ),
        RuleSet(
            id="nq96-2023-vote",
            title_vi="Bỏ phiếu tín nhiệm theo Nghị quyết số 96/2023/QH15",
            title_en="Vote of confidence under Resolution 96/2023/QH15",
            reference="Nghị quyết 96/2023/QH15, Điều 19.3 (D = số phiếu thu về), Điều 14",
            options=TWO_OPTIONS,
            denominator="collected",
            quorum=TWO_THIRDS,
            brackets=(
                Bracket(
                    "dismissal",
                    (Condition("no_confidence", ">", HALF),),
                    "Quá nửa tổng số phiếu không tín nhiệm: cơ quan hoặc người có thẩm quyền "
                    "giới thiệu để bầu hoặc phê chuẩn trình miễn nhiệm hoặc phê chuẩn việc miễn "
                    "nhiệm.",
                    "More than half voted no confidence: the nominating body submits the "
                    "office holder's dismissal.",
                ),
            ),
        ),
        RuleSet(
            id="nq85-2014",
            title_vi="Lấy phiếu tín nhiệm theo Nghị quyết số 85/2014/QH13 (đã thay thế)",
            title_en="Confidence vote under Resolution 85/2014/QH13 (superseded)",
            reference="Nghị quyết 85/2014/QH13 (D = tổng số đại biểu)",
            options=THREE_LEVELS,
            denominator="members",
            quorum=TWO_THIRDS,
            brackets=(
                Bracket(
                    "vote-of-confidence",
                    (_low(">=", TWO_THIRDS),),
                    "Từ hai phần ba tổng số đại biểu trở lên đánh giá tín nhiệm thấp: cơ quan "
                    "có thẩm quyền trình bỏ phiếu tín nhiệm.",
                    "Two thirds or more of all members rated low confidence: a vote of "
                    "confidence is submitted.",
                ),
                Bracket(
                    "may-resign",
                    (_low(">", HALF),),
                    "Quá nửa tổng số đại biểu đánh giá tín nhiệm thấp: có thể xin từ chức.",
                    "More than half of all members rated low confidence: may resign.",
                ),
            ),
        ),
    )
}


def preset(rule_set_id: str) -> RuleSet:
    """A preset rule set by id; RuleError lists the known ids."""
    try:
        return PRESETS[rule_set_id]
    except KeyError:
        raise RuleError(
            f"unknown rule set {rule_set_id!r}; presets: {', '.join(sorted(PRESETS))}"
        ) from None


__all__ = [
    "PRESETS",
    "Bracket",
    "Condition",
    "Option",
    "RuleSet",
    "parse_fraction",
    "preset",
    "rule_set_from_json",
    "rule_set_from_plain",
    "rule_set_to_json",
    "rule_set_to_plain",
]
