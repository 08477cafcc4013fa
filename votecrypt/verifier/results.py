"""Checks 19-22, results (spec 16.2): the results entry, recomputed in full from the
decrypted counts and compared field by field (spec 13.2, 13.5)."""

from __future__ import annotations

from typing import Any

from votecrypt.errors import RuleError
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.results import format_percent, percent_hundredths
from votecrypt.protocol.tally import EncryptedTally
from votecrypt.record.election_codec import results_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import Entry
from votecrypt.record.rule_presets import name_rule_set
from votecrypt.verifier.report import VerificationReport
from votecrypt.verifier.state import Verification


def check_rule_set(v: Verification, entry: Entry) -> None:
    """Name the manifest's rule set in the report (spec 13.3.2): "preset nq96-2023 (digest
    ...)" or "custom rule set <id> (digest ...)"; fail check 4 when it takes a preset's id or
    title with other rules, naming where it differs from the preset."""
    if v.manifest is None:
        return
    name = name_rule_set(v.manifest.rules)
    v.report.rules = name.describe()
    if name.claims is not None:
        v.report["manifest"].fail(
            f"entry {entry.seq}: the rule set takes the id or title of preset {name.claims} "
            f"with other rules: {name.describe()} (spec 13.3.2)"
        )


def results_entry(v: Verification, entry: Entry) -> None:
    """The results entry is kept as a single item and checked after the log."""


def check_results(
    v: Verification, tally: EncryptedTally | None, counts: list[tuple[int, ...]] | None
) -> None:
    """Checks 19-22 (spec 13.2). The results entry is not decoded but compared, field by
    field, with the one recomputed from the tally and the counts (spec 16.1): each
    difference fails the check that owns the field (`decrypted_by` check 18), and a missing,
    extra or mistyped field outside those fails check 22."""
    report = v.report
    if "results" not in v.singles:
        for name in NAMES:
            report[name].skipped = "the results have not been published yet"
        return
    published = v.singles["results"]
    if tally is None or v.context is None:
        for name in NAMES:
            report[name].fail(
                "the results cannot be checked: no valid tally (check 16) or election "
                "context (check 7)"
            )
        return
    # The totals (13.2) depend on the manifest and the tally's `ballots`, not on the
    # decrypted counts: they are checked even when the decryption failed.
    try:
        totals = results_plain(
            v.context.hash,
            v.context.results(
                _placeholder_counts(v.context, tally), tally.ballots, issued=_issued(v)
            ),
            v.decrypted_by,
        )
    except RuleError as error:
        report["result-totals"].fail(f"the results MUST be refused (spec 13.2): {error}")
        for name in NAMES[:3]:
            report[name].fail("the results cannot be computed (check 22)")
        return
    if not _compare_totals(report, totals, published):
        for name in NAMES[:3]:
            report[name].fail("the results entry is not a JSON object (check 22)")
        return
    if counts is None:
        for name in NAMES[:3]:
            report[name].fail("the results cannot be checked: the decryption failed (check 18)")
        return
    try:
        results = v.context.results(counts, tally.ballots, issued=_issued(v))
    except RuleError as error:
        report["result-counts"].fail(f"the decrypted counts give no results: {error}")
        return
    expected = results_plain(v.context.hash, results, v.decrypted_by)
    if not _same(published, expected, "decrypted_by"):
        report["decryption"].fail("the results name other trustees than those whose shares decrypt")
    _compare_candidates(report, expected, published)
    checks = (*NAMES, "decryption")
    if canonical_json(published) != canonical_json(expected) and not any(
        report[name].failure_count for name in checks
    ):
        report["result-totals"].fail("the results entry differs from the recomputed one")


NAMES = ("result-counts", "result-percentages", "result-brackets", "result-totals")
TOTALS = (
    "type",
    "version",
    "election",
    "rules",
    "issued",
    "collected",
    "valid",
    "summoned",
    "members",
    "denominator",
    "quorum_met",
)


def _issued(v: Verification) -> int:
    """The ballots issued (spec 9.6, 13.2): the credentials in force after every supplement."""
    return v.roll.issued if v.roll is not None else 0


def _placeholder_counts(context: ElectionContext, tally: EncryptedTally) -> list[tuple[int, ...]]:
    """Counts with every ballot on outcome 0: they give the same totals as any counts of
    `tally.ballots` ballots, so the totals can be checked without the decryption."""
    outcomes = len(context.manifest.outcomes())
    return [(tally.ballots,) + (0,) * (outcomes - 1) for _ in range(context.rows)]


def _compare_totals(report: VerificationReport, expected: dict[str, Any], published: Any) -> bool:
    """Check 22 (spec 13.2): the totals of the results entry, and every field that belongs
    to no other check. False when the entry is not an object (nothing can be compared)."""
    totals = report["result-totals"]
    totals.checked = 1
    if not isinstance(published, dict):
        totals.fail("the results entry is not a JSON object (spec 13.5)")
        return False
    for key in sorted(set(published) - set(expected)):
        totals.fail(f"the results entry has an unknown field {key!r}")
    for key in TOTALS:
        if not _same(published, expected, key):
            totals.fail(f"{key}: announced {published.get(key)!r}, expected {expected[key]!r}")
    return True


def _compare_candidates(
    report: VerificationReport, expected: dict[str, Any], published: dict[str, Any]
) -> None:
    """Checks 19-21 (spec 13.2), candidate by candidate and field by field."""
    denominator = published.get("denominator")
    announced_lines = published.get("candidates")
    if not isinstance(announced_lines, list):
        announced_lines = []
        report["result-counts"].fail("the results entry has no list of candidates")
    elif len(announced_lines) > len(expected["candidates"]):
        report["result-counts"].fail(
            f"{len(announced_lines)} candidates announced, "
            f"{len(expected['candidates'])} in the manifest"
        )
    for number, wanted in enumerate(expected["candidates"], 1):
        label = f"candidate {number}"
        for name in NAMES[:3]:
            report[name].checked += 1
        announced = announced_lines[number - 1] if number <= len(announced_lines) else None
        if not isinstance(announced, dict):
            for name in NAMES[:3]:
                report[name].fail(f"{label}: not announced as an object")
            continue
        for key in sorted(set(announced) - set(wanted)):
            report["result-totals"].fail(f"{label}: unknown field {key!r}")
        if not _same(announced, wanted, "name") or not _same(announced, wanted, "position"):
            report["result-counts"].fail(f"{label}: name or position differs from the manifest")
        if not _same(announced, wanted, "counts"):
            report["result-counts"].fail(f"{label}: {_differences(announced, wanted, ('counts',))}")
        if (
            not _same(announced, wanted, "hundredths")
            or not _same(announced, wanted, "percentages")
            or not _consistent(announced, denominator)
        ):
            report["result-percentages"].fail(
                f"{label}: {_differences(announced, wanted, ('hundredths', 'percentages'))}"
            )
        if not _same(announced, wanted, "bracket"):
            report["result-brackets"].fail(
                f"{label}: bracket {announced.get('bracket')!r}, the rules give "
                f"{wanted['bracket']!r}"
            )


def _consistent(announced: dict[str, Any], denominator: Any) -> bool:
    """The announced hundredths and percentages follow from the announced counts and
    denominator (spec 13.2, check 20)."""
    counts, hundredths = announced.get("counts"), announced.get("hundredths")
    percentages = announced.get("percentages")
    return (
        isinstance(counts, dict)
        and isinstance(hundredths, dict)
        and isinstance(percentages, dict)
        and isinstance(denominator, int)
        and all(
            isinstance(value, int)
            and hundredths.get(key) == percent_hundredths(value, denominator)
            and percentages.get(key) == format_percent(percent_hundredths(value, denominator))
            for key, value in counts.items()
        )
    )


def _same(announced: dict[str, Any], wanted: dict[str, Any], field: str) -> bool:
    """Present and equal as JSON values (`true` is not `1`), compared by their canonical
    bytes."""
    return field in announced and canonical_json(announced[field]) == canonical_json(wanted[field])


def _differences(announced: dict[str, Any], wanted: dict[str, Any], fields: tuple[str, ...]) -> str:
    """The fields that differ, one by one ("percentages.low: announced '53,19%', expected
    '53.19%'"), rather than two whole maps."""
    found = []
    for name in fields:
        got, expected = announced.get(name), wanted[name]
        if not isinstance(got, dict):
            found.append(f"{name}: announced {got!r}, expected {expected!r}")
            continue
        for key in sorted(set(got) | set(expected), key=str):
            if got.get(key) != expected.get(key) or type(got.get(key)) is not type(
                expected.get(key)
            ):
                found.append(
                    f"{name}.{key}: announced {got.get(key)!r}, expected {expected.get(key)!r}"
                )
    return "; ".join(found) or "differs in form"
