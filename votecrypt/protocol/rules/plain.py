"""Rule sets as plain JSON data: the format of rule files and of a manifest's `rules` (spec 13.4).

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

Fractions are strings "p/q" of positive integers in lowest terms. `rule_set_from_plain` is the
one strict decoder: unknown, missing or mistyped keys, non-reduced or non-positive fractions,
unknown comparisons or denominators, conditions naming an option the rule set does not have,
duplicate option keys or bracket ids and an empty option list each raise `RuleError` naming
the offending path. `rule_set_to_plain` writes the same format; the two round-trip. Reading
the JSON text (bounded nesting, duplicate keys, no floats) is the record layer's job
(`votecrypt.record.rules_codec`).
"""

from __future__ import annotations

from typing import Any

from votecrypt.errors import RuleError
from votecrypt.math.encoding import nfc
from votecrypt.protocol.rules.model import (
    RULES_TYPE,
    VERSION,
    Bracket,
    Condition,
    Option,
    RuleSet,
    format_fraction,
    parse_fraction,
)


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
