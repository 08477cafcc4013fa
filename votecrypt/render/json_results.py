"""The result sheet as canonical JSON, and its strict decoder (spec 13.7).

`render_json` writes one canonical encoding (spec 15.1: keys sorted, no insignificant white
space, text in NFC, no floating-point numbers): the heading, the whole rule set, the totals,
the quorum and, per candidate, exactly the object of the results entry (spec 13.5): counts,
percentages in hundredths (integers) and as text ("97.87"), and the bracket id.

`sheet_from_json` / `results_from_json` read it back. Decoding means validating: the file is
read strictly (duplicate keys, floats, unknown, missing or mistyped fields are refused), the
results are recomputed from the counts and the rule set with `compute_results`, and every
other field must equal its recomputed value, so a sheet whose percentages, brackets or totals
do not follow from its counts is refused with an `EncodingError` naming the first difference.
"""

from __future__ import annotations

from typing import Any

from votecrypt.errors import EncodingError, RuleError
from votecrypt.math.encoding import nfc
from votecrypt.protocol.manifest import previous_plain
from votecrypt.protocol.results import BLANK, ElectionResults, compute_results
from votecrypt.protocol.rules import PreviousResult, rule_set_from_plain, rule_set_to_plain
from votecrypt.record.election_codec import candidate_plain
from votecrypt.record.json_codec import Fields, canonical_json, parse_json
from votecrypt.render.sheet import SheetHeading

SHEET_TYPE = "votecrypt/result-sheet"
VERSION = 1
#: Limits for reading: well above any real body (about 500 members, 50 candidates).
MAX_CANDIDATES = 10_000
MAX_TEXT = 10_000


def sheet_plain(results: ElectionResults, heading: SheetHeading) -> dict[str, Any]:
    """The result sheet as plain JSON data (spec 13.7)."""
    return {
        "type": SHEET_TYPE,
        "version": VERSION,
        "title": heading.title,
        "body": heading.body,
        "date": heading.date,
        "rule_set": rule_set_to_plain(results.rules),
        "issued": results.issued,
        "collected": results.collected,
        "valid": results.valid,
        "summoned": results.summoned,
        "members": results.members,
        "denominator": results.denominator,
        "denominator_kind": results.denominator_kind,
        "quorum_met": results.quorum.met,
        "quorum_inequality": results.quorum.inequality,
        "candidates": [candidate_plain(line) for line in results.candidates],
    } | ({"previous": previous_plain(results.previous)} if results.previous else {})


def render_json(results: ElectionResults, heading: SheetHeading) -> str:
    """The canonical JSON text of the result sheet (encode as UTF-8 for the canonical bytes)."""
    return canonical_json(sheet_plain(results, heading)).decode("utf-8")


def sheet_from_json(data: bytes | str) -> tuple[SheetHeading, ElectionResults]:
    """Decode and validate a result sheet (see the module docstring); EncodingError names the
    offending field."""
    value = parse_json(data)
    fields = Fields(value, "sheet")
    fields.constant("type", SHEET_TYPE)
    fields.integer("version", VERSION, VERSION)
    heading = SheetHeading(
        fields.text("title", max_length=MAX_TEXT),
        fields.text("body", max_length=MAX_TEXT),
        fields.text("date", max_length=MAX_TEXT),
    )
    try:
        rules = rule_set_from_plain(fields.raw("rule_set"))
    except RuleError as exc:
        raise EncodingError(f"sheet.rule_set: {exc}") from None
    totals = {name: fields.integer(name) for name in ("issued", "collected", "summoned", "members")}
    people: list[tuple[str, str]] = []
    counts: list[dict[str, int]] = []
    for item in fields.objects("candidates", max_items=MAX_CANDIDATES):
        people.append(
            (
                item.text("name", max_length=MAX_TEXT),
                item.text("position", max_length=MAX_TEXT, allow_empty=True),
            )
        )
        row = item.nested("counts")
        counts.append({key: row.integer(key) for key in (*rules.option_keys, BLANK)})
        row.done()
        # The derived fields are compared with their recomputed values below.
        for derived in ("hundredths", "percentages", "bracket"):
            item.raw(derived)
        item.done()
    for derived in ("valid", "denominator", "denominator_kind", "quorum_met", "quorum_inequality"):
        fields.raw(derived)
    previous = _previous(fields, rules.option_keys) if fields.has("previous") else {}
    fields.done()
    try:
        results = compute_results(rules, people, counts, previous=previous, **totals)
    except RuleError as exc:
        raise EncodingError(f"sheet: the counts are inconsistent: {exc}") from None
    difference = _first_difference(value, sheet_plain(results, heading), "sheet")
    if difference is not None:
        raise EncodingError(difference)
    return heading, results


def _previous(fields: Fields, keys: tuple[str, ...]) -> dict[str, PreviousResult]:
    """The previous vote's results the brackets used (spec 13.7); compared after recomputing."""
    previous = {}
    for item in fields.objects("previous", max_items=MAX_CANDIDATES):
        name = item.text("name", max_length=MAX_TEXT)
        row = item.nested("counts")
        counts = {key: row.integer(key) for key in keys if row.has(key)}
        row.done()
        previous[name] = PreviousResult(counts, item.integer("denominator", 1))
        item.done()
    return previous


def results_from_json(data: bytes | str) -> ElectionResults:
    """The results of a result sheet, decoded and validated as by `sheet_from_json`."""
    return sheet_from_json(data)[1]


def _first_difference(announced: Any, expected: Any, path: str) -> str | None:
    """Where announced differs from expected, comparing types strictly (true is not 1)."""
    if type(announced) is not type(expected):
        return f"{path}: announced {announced!r}, recomputed {expected!r}"
    if isinstance(expected, dict):
        if set(announced) != set(expected):
            keys = ", ".join(sorted(set(announced) ^ set(expected)))
            return f"{path}: unexpected or missing field(s) {keys}"
        for key in sorted(expected):
            found = _first_difference(announced[key], expected[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(expected, list):
        if len(announced) != len(expected):
            return f"{path}: {len(announced)} items, recomputed {len(expected)}"
        for position, (item, wanted) in enumerate(zip(announced, expected, strict=True)):
            found = _first_difference(item, wanted, f"{path}[{position}]")
            if found is not None:
                return found
        return None
    if isinstance(expected, str) and announced != expected and nfc(announced) == expected:
        return f"{path}: the text is not in Unicode NFC"
    if announced != expected:
        return f"{path}: announced {announced!r}, recomputed {expected!r}"
    return None


__all__ = [
    "SHEET_TYPE",
    "render_json",
    "results_from_json",
    "sheet_from_json",
    "sheet_plain",
]
