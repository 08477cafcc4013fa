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
    nq35-2012        legacy Resolution 35/2012/QH13 (annual), D = members, "two years running"

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
                   (a condition may add "year": "previous": it then looks at the previous
                   vote's count and D, recorded in the manifest)
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
                    # "year" is written only for the previous vote (one form per condition).
                    | ({"year": c.year} if c.year != "current" else {})
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
            year = "current"
            if when.has("year"):
                year = when.text("year")
                if year != "previous":
                    raise RuleError(f'{when.path("year")}: expected "previous" (or no year)')
            conditions.append(
                Condition(
                    when.text("option"),
                    when.text("comparison"),
                    parse_fraction(when.get("fraction"), when.path("fraction")),
                    year,
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

    def has(self, key: str) -> bool:
        return key in self._value

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


# The consequence texts quote the rule (DOMAIN wording, spec 13.3); the English translates the
# Vietnamese. Only confirmed article numbers are cited.
LOW = '"tín nhiệm thấp"'

_PRESETS: dict[str, RuleSet] = {
    rules.id: rules
    for rules in (
        RuleSet(
            id="nq96-2023",
            title_vi="Lấy phiếu tín nhiệm theo Nghị quyết số 96/2023/QH15",
            title_en="Confidence vote under Resolution 96/2023/QH15",
            reference="Nghị quyết 96/2023/QH15, Điều 12; Điều 19.3 (D = số phiếu thu về)",
            options=THREE_LEVELS,
            denominator="collected",
            quorum=TWO_THIRDS,
            brackets=(
                Bracket(
                    "dismissal",
                    (_low(">=", TWO_THIRDS),),
                    f"Có từ hai phần ba tổng số phiếu đánh giá {LOW} trở lên: cơ quan hoặc "
                    "người có thẩm quyền giới thiệu người đó để Quốc hội, Hội đồng nhân dân bầu "
                    "hoặc phê chuẩn có trách nhiệm trình Quốc hội, Hội đồng nhân dân tiến hành "
                    "miễn nhiệm hoặc phê chuẩn đề nghị miễn nhiệm tại kỳ họp đó hoặc kỳ họp gần "
                    "nhất.",
                    'Two thirds or more of the ballots rated "low confidence": the body or '
                    "person that nominated the office holder for election or approval by the "
                    "National Assembly or the People's Council is responsible for submitting "
                    "to it the dismissal, or the approval of the proposed dismissal, at that "
                    "sitting or the next.",
                ),
                Bracket(
                    "resign-or-vote",
                    (_low(">", HALF), _low("<", TWO_THIRDS)),
                    f"Có quá nửa đến dưới hai phần ba tổng số phiếu đánh giá {LOW}: có thể xin "
                    "từ chức; trường hợp không xin từ chức thì Ủy ban Thường vụ Quốc hội trình "
                    "Quốc hội, Thường trực Hội đồng nhân dân trình Hội đồng nhân dân tiến hành "
                    "bỏ phiếu tín nhiệm tại kỳ họp đó hoặc kỳ họp gần nhất.",
                    'More than half and less than two thirds of the ballots rated "low '
                    'confidence": may resign; if the office holder does not resign, the '
                    "Standing Committee of the National Assembly submits to the National "
                    "Assembly, or the Standing Board of the People's Council to the People's "
                    "Council, a vote of confidence at that sitting or the next.",
                ),
            ),
        ),
        RuleSet(
            id="qd96-2023",
            title_vi="Lấy phiếu tín nhiệm theo Quy định số 96-QĐ/TW",
            title_en="Confidence vote under Party Regulation 96-QĐ/TW",
            reference="Quy định 96-QĐ/TW (2023); Điều 6.3 (D = số phiếu thu về)",
            options=THREE_LEVELS,
            denominator="collected",
            quorum=TWO_THIRDS,
            brackets=(
                Bracket(
                    "dismissal",
                    (_low(">=", TWO_THIRDS),),
                    "Có từ 2/3 số phiếu tín nhiệm thấp: sẽ bị miễn nhiệm chức vụ đang đảm nhiệm "
                    "và bố trí công tác khác thấp hơn mà không chờ đến hết nhiệm kỳ hoặc thời "
                    "hạn bổ nhiệm.",
                    "Two thirds or more of the ballots rated low confidence: will be dismissed "
                    "from the post held and assigned to other, lower work, without waiting for "
                    "the end of the term or of the appointment.",
                ),
                Bracket(
                    "removed-from-planning",
                    (_low(">", HALF), _low("<", TWO_THIRDS)),
                    "Có trên 1/2 nhưng dưới 2/3 số phiếu tín nhiệm thấp: sẽ bị đưa ra khỏi quy "
                    "hoạch chức vụ cao hơn, xem xét cho thôi giữ các chức vụ đang đảm nhiệm, bố "
                    "trí công tác khác hoặc cho từ chức hoặc sẽ bỏ phiếu tín nhiệm mà không chờ "
                    "đến hết nhiệm kỳ hoặc thời hạn bổ nhiệm.",
                    "More than half but less than two thirds of the ballots rated low "
                    "confidence: will be removed from the succession planning for higher "
                    "posts; relief from the posts held, assignment to other work or "
                    "resignation will be considered, or a vote of confidence will be held, "
                    "without waiting for the end of the term or of the appointment.",
                ),
            ),
        ),
        RuleSet(
            id="nq96-2023-vote",
            title_vi="Bỏ phiếu tín nhiệm theo Nghị quyết số 96/2023/QH15",
            title_en="Vote of confidence under Resolution 96/2023/QH15",
            reference="Nghị quyết 96/2023/QH15 (bỏ phiếu tín nhiệm; D = số phiếu thu về)",
            options=TWO_OPTIONS,
            denominator="collected",
            quorum=TWO_THIRDS,
            brackets=(
                Bracket(
                    "dismissal",
                    (Condition("no_confidence", ">", HALF),),
                    'Có quá nửa tổng số phiếu đánh giá "không tín nhiệm": xem xét miễn nhiệm.',
                    'More than half of the ballots rated "no confidence": dismissal is considered.',
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
                    f"Có từ hai phần ba tổng số đại biểu trở lên đánh giá {LOW}: có thể xin từ "
                    "chức; Ủy ban thường vụ Quốc hội trình Quốc hội, Thường trực Hội đồng nhân "
                    "dân trình Hội đồng nhân dân bỏ phiếu tín nhiệm.",
                    'Two thirds or more of all deputies rated "low confidence": may resign; '
                    "the Standing Committee of the National Assembly submits to the National "
                    "Assembly, or the Standing Board of the People's Council to the People's "
                    "Council, a vote of confidence.",
                ),
                Bracket(
                    "may-resign",
                    (_low(">", HALF),),
                    f"Có quá nửa tổng số đại biểu đánh giá {LOW}: có thể xin từ chức.",
                    'More than half of all deputies rated "low confidence": may resign.',
                ),
            ),
        ),
        RuleSet(
            id="nq35-2012",
            title_vi="Lấy phiếu tín nhiệm theo Nghị quyết số 35/2012/QH13 (đã thay thế)",
            title_en="Confidence vote under Resolution 35/2012/QH13 (superseded)",
            reference="Nghị quyết 35/2012/QH13, Điều 11 d, đ (D = tổng số đại biểu; hằng năm)",
            options=THREE_LEVELS,
            denominator="members",
            quorum=TWO_THIRDS,
            brackets=(
                Bracket(
                    "vote-of-confidence",
                    (_low(">", TWO_THIRDS),),
                    f"Có trên 2/3 tổng số đại biểu Quốc hội đánh giá {LOW}: bỏ phiếu tín "
                    "nhiệm (Điều 11 d).",
                    'More than two thirds of all deputies of the National Assembly rated "low '
                    'confidence": a vote of confidence (Article 11 d).',
                ),
                Bracket(
                    "two-years-running",
                    (_low(">", HALF), Condition("low", ">", HALF, "previous")),
                    f"Có quá nửa tổng số đại biểu Quốc hội đánh giá {LOW} hai năm liên tiếp: "
                    "bỏ phiếu tín nhiệm (Điều 11 đ).",
                    'More than half of all deputies of the National Assembly rated "low '
                    'confidence" two years running: a vote of confidence (Article 11 đ).',
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
    "PreviousResult",
    "RuleSet",
    "format_fraction",
    "parse_fraction",
    "preset",
    "rule_set_from_json",
    "rule_set_from_plain",
    "rule_set_to_json",
    "rule_set_to_plain",
]
