"""Rule sets: the legal thresholds, denominators and consequences, as data (spec 13.1-13.4).

A rule set names the options of a row, the denominator D of the percentages ("collected":
ballots collected, or "members": members of the body), the quorum, and brackets, most severe
first. A bracket holds when all its conditions hold; a condition `option <op> p/q` means
`count <op> (p/q) * D`, evaluated exactly as `count * q <op> p * D` in integers. A candidate's
outcome is the first bracket that holds, or none; with D = 0 no bracket holds.

Presets (`PRESETS`, `preset(id)`) follow the rules in force and the legacy one:

    nq96-2023        National Assembly and People's Councils, Resolution 96/2023/QH15
    qd96-2023        Party, Regulation 96-QĐ/TW (2023)
    nq96-2023-vote   the follow-up vote of confidence (two options), Resolution 96/2023/QH15
    nq85-2014        legacy Resolution 85/2014/QH13, D = members of the body

Custom rule files (spec 13.4) are UTF-8 JSON objects with exactly these keys:

    type         "votecrypt/rules"
    version      1
    id           lower-case letters, digits, "-" or "_", starting with a letter
    title        {"vi": text, "en": text}
    reference    text (may be empty): the legal source
    options      [{"key": "high", "vi": "Tín nhiệm cao", "en": "High confidence"}, ...]
                 at least one; keys [a-z][a-z0-9_]*, distinct, not "blank"
    denominator  "collected" or "members"
    quorum       a fraction "p/q" in (0, 1], e.g. "2/3"
    brackets     [{"id": "dismissal",
                   "when": [{"option": "low", "comparison": ">=", "fraction": "2/3"}, ...],
                   "consequence": {"vi": text, "en": text}}, ...]   most severe first

Fractions are strings "p/q" of positive integers in lowest terms. `rule_set_from_json` is the
one strict decoder: unknown, missing, duplicated or mistyped keys, non-reduced or non-positive
fractions, unknown comparisons or denominators, conditions naming an option the rule set does
not have, duplicate option keys or bracket ids and an empty option list each raise `RuleError`
naming the offending path. `rule_set_to_json` writes the same format; the two round-trip.

Every text is normalised to Unicode NFC when a value is constructed, so equal-looking texts are
equal and hash the same (spec 3.1).
"""

from __future__ import annotations

import json
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


@dataclass(frozen=True, slots=True)
class Condition:
    """`count(option) <comparison> fraction * D` (spec 13.1)."""

    option: str
    comparison: str
    fraction: Fraction

    def __post_init__(self) -> None:
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
        return f"{self.option} {self.comparison} {format_fraction(self.fraction)} of D"


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

    def holds(self, counts: Mapping[str, int], denominator: int) -> bool:
        return all(c.holds(counts[c.option], denominator) for c in self.conditions)


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

    def bracket_for(self, counts: Mapping[str, int], denominator: int) -> Bracket | None:
        """The first (most severe) bracket that holds, or None; None when D = 0 (spec 13.1)."""
        if denominator <= 0:
            return None
        for bracket in self.brackets:
            if bracket.holds(counts, denominator):
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


# Plain data and JSON (spec 13.4)


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


def rule_set_to_plain(rules: RuleSet) -> dict[str, Any]:
    """The rule set as plain JSON data (spec 13.4); a manifest embeds exactly this."""
    return {
        "type": RULES_TYPE,
        "version": VERSION,
        "id": rules.id,
        "title": {"vi": rules.title_vi, "en": rules.title_en},
        "reference": rules.reference,
        "options": [{"key": o.key, "vi": o.label_vi, "en": o.label_en} for o in rules.options],
        "denominator": rules.denominator,
        "quorum": format_fraction(rules.quorum),
        "brackets": [
            {
                "id": b.id,
                "when": [
                    {
                        "option": c.option,
                        "comparison": c.comparison,
                        "fraction": format_fraction(c.fraction),
                    }
                    for c in b.conditions
                ],
                "consequence": {"vi": b.consequence_vi, "en": b.consequence_en},
            }
            for b in rules.brackets
        ],
    }


def rule_set_from_plain(value: Any) -> RuleSet:
    """Decode a rule set from plain JSON data; RuleError names the problem and its path."""
    reader = _Reader(value, "rules")
    reader.constant("type", RULES_TYPE)
    version = reader.get("version")
    if type(version) is not int or version != VERSION:
        raise RuleError(f"rules.version: expected the integer {VERSION}")
    rule_set_id = reader.text("id")
    title = reader.nested("title")
    title_vi, title_en = title.text("vi"), title.text("en")
    title.done()
    reference = reader.text("reference", allow_empty=True)
    options = []
    for item in reader.objects("options"):
        options.append(Option(item.text("key"), item.text("vi"), item.text("en")))
        item.done()
    denominator = reader.text("denominator")
    quorum = parse_fraction(reader.get("quorum"), "rules.quorum")
    brackets = []
    for item in reader.objects("brackets"):
        bracket_id = item.text("id")
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
            Bracket(bracket_id, tuple(conditions), consequence.text("vi"), consequence.text("en"))
        )
        consequence.done()
        item.done()
    reader.done()
    return RuleSet(
        id=rule_set_id,
        title_vi=title_vi,
        title_en=title_en,
        reference=reference,
        options=tuple(options),
        denominator=denominator,
        quorum=quorum,
        brackets=tuple(brackets),
    )


def rule_set_to_json(rules: RuleSet) -> str:
    """A rule file: `rule_set_to_plain` as indented UTF-8 JSON text."""
    return json.dumps(rule_set_to_plain(rules), ensure_ascii=False, indent=2) + "\n"


def rule_set_from_json(text: str | bytes) -> RuleSet:
    """Load a custom rule file (spec 13.4) with the strict decoder."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise RuleError("the rule file is not UTF-8 text") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    except json.JSONDecodeError as exc:
        raise RuleError(
            f"the rule file is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from None
    except RecursionError:
        raise RuleError("the rule file is nested too deeply") from None
    return rule_set_from_plain(value)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of duplicated keys silently; a rule file must say one thing.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise RuleError(f"the rule file has the key {key!r} twice in one object")
        result[key] = value
    return result


def _no_float(text: str) -> Any:
    raise RuleError(f"the rule file has the number {text}: only integers and text are allowed")


class _Reader:
    """Strict reading of one object of a rule file (unknown or missing keys are errors)."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise RuleError(f"{path}: expected an object")
        self._value: dict[str, Any] = value
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


_PRESETS: dict[str, RuleSet] = {
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

# Read-only: a preset is shared by every election that names it.
PRESETS: Mapping[str, RuleSet] = MappingProxyType(_PRESETS)


def preset(rule_set_id: str) -> RuleSet:
    """A preset rule set by id; RuleError lists the known ids."""
    try:
        return PRESETS[rule_set_id]
    except KeyError:
        raise RuleError(
            f"unknown rule set {rule_set_id!r}; presets: {', '.join(sorted(PRESETS))}"
        ) from None


__all__ = [
    "COMPARISONS",
    "DENOMINATORS",
    "PRESETS",
    "Bracket",
    "Condition",
    "Option",
    "RuleSet",
    "format_fraction",
    "parse_fraction",
    "preset",
    "rule_set_from_json",
    "rule_set_from_plain",
    "rule_set_to_json",
    "rule_set_to_plain",
]
