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
from votecrypt.verifier.report import VerificationReport
from votecrypt.verifier.state import Verification


def results_entry(v: Verification, entry: Entry) -> None:
    """The results entry is kept as a single item and checked after the log."""


def check_results(
    v: Verification, tally: EncryptedTally | None, counts: list[tuple[int, ...]] | None
) -> None:
    """Checks 19-22 (spec 13.2)."""
    report = v.report
    names = ("result-counts", "result-percentages", "result-brackets", "result-totals")
    if "results" not in v.singles:
        for name in names:
            report[name].skipped = "the results have not been published yet"
        return
    published = v.singles["results"]
    if tally is None or v.context is None:
        for name in names:
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
            v.context.results(_placeholder_counts(v.context, tally), tally.ballots),
            v.decrypted_by,
        )
    except RuleError as error:
        report["result-totals"].fail(f"the results MUST be refused (spec 13.2): {error}")
        for name in names[:3]:
            report[name].fail("the results cannot be computed (check 22)")
        return
    if not _compare_totals(report, totals, published):
        for name in names[:3]:
            report[name].fail("the results entry is malformed (check 22)")
        return
    if counts is None:
        for name in names[:3]:
            report[name].fail("the results cannot be checked: the decryption failed (check 18)")
        return
    try:
        results = v.context.results(counts, tally.ballots)
    except RuleError as error:
        report["result-counts"].fail(f"the decrypted counts give no results: {error}")
        return
    expected = results_plain(v.context.hash, results, v.decrypted_by)
    if published.get("decrypted_by") != expected["decrypted_by"]:
        report["decryption"].fail("the results name other trustees than those whose shares decrypt")
    _compare_candidates(report, expected, published)
    checks = (*names, "decryption")
    if canonical_json(published) != canonical_json(expected) and not any(
        report[name].failure_count for name in checks
    ):
        report["result-totals"].fail("the results entry differs from the recomputed one")


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


def _placeholder_counts(context: ElectionContext, tally: EncryptedTally) -> list[tuple[int, ...]]:
    """Counts with every ballot on outcome 0: they give the same totals as any counts of
    `tally.ballots` ballots, so the totals can be checked without the decryption."""
    outcomes = len(context.manifest.outcomes())
    return [(tally.ballots,) + (0,) * (outcomes - 1) for _ in range(context.rows)]


def _compare_totals(report: VerificationReport, expected: dict[str, Any], published: Any) -> bool:
    """Check 22 (spec 13.2): the totals of the results entry. False when the entry is not of
    the results' form (then nothing else can be compared)."""
    totals = report["result-totals"]
    totals.checked = 1
    if (
        not isinstance(published, dict)
        or set(published) != set(expected)
        or not isinstance(published.get("candidates"), list)
        or len(published["candidates"]) != len(expected["candidates"])
    ):
        totals.fail("the results entry does not have the form of spec 13.5")
        return False
    for key in TOTALS:
        if published.get(key) != expected[key] or type(published.get(key)) is not type(
            expected[key]
        ):
            totals.fail(f"{key}: announced {published.get(key)!r}, expected {expected[key]!r}")
    return True


def _compare_candidates(
    report: VerificationReport, expected: dict[str, Any], published: dict[str, Any]
) -> None:
    """Checks 19-21 (spec 13.2), candidate by candidate."""
    denominator = published.get("denominator")
    for number, (announced, wanted) in enumerate(
        zip(published["candidates"], expected["candidates"], strict=True), 1
    ):
        label = f"candidate {number}"
        for name in ("result-counts", "result-percentages", "result-brackets"):
            report[name].checked += 1
        if not isinstance(announced, dict) or set(announced) != set(wanted):
            report["result-counts"].fail(f"{label}: malformed")
            continue
        if not _same(announced, wanted, "name") or not _same(announced, wanted, "position"):
            report["result-counts"].fail(f"{label}: name or position differs from the manifest")
        if not _same(announced, wanted, "counts"):
            report["result-counts"].fail(f"{label}: {_differences(announced, wanted, ('counts',))}")
        consistent = (
            isinstance(announced["counts"], dict)
            and isinstance(announced["hundredths"], dict)
            and isinstance(announced["percentages"], dict)
            and isinstance(denominator, int)
            and all(
                isinstance(v, int)
                and announced["hundredths"].get(k) == percent_hundredths(v, denominator)
                and announced["percentages"].get(k)
                == format_percent(percent_hundredths(v, denominator))
                for k, v in announced["counts"].items()
            )
        )
        if (
            not _same(announced, wanted, "hundredths")
            or not _same(announced, wanted, "percentages")
            or not consistent
        ):
            report["result-percentages"].fail(
                f"{label}: {_differences(announced, wanted, ('hundredths', 'percentages'))}"
            )
        if not _same(announced, wanted, "bracket"):
            report["result-brackets"].fail(
                f"{label}: bracket {announced['bracket']!r}, the rules give {wanted['bracket']!r}"
            )


def _same(announced: dict[str, Any], wanted: dict[str, Any], field: str) -> bool:
    """Equal as JSON values (`true` is not `1`), compared by their canonical bytes."""
    return canonical_json(announced[field]) == canonical_json(wanted[field])


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
