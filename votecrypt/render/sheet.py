"""The pieces every rendering of a result sheet shares: headings, labels, numbers."""

from __future__ import annotations

from dataclasses import dataclass

from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.results import BLANK, CandidateResult, ElectionResults, format_percent

BLANK_LABELS = ("Không đánh giá", "Blank")
DENOMINATOR_LABELS = {
    "collected": ("số phiếu thu về", "ballots collected"),
    "members": ("tổng số thành viên", "members of the body"),
}


@dataclass(frozen=True, slots=True)
class SheetHeading:
    """The election's description as printed at the top of the sheet."""

    title: str
    body: str
    date: str

    @classmethod
    def of(cls, manifest: Manifest) -> SheetHeading:
        return cls(manifest.title, manifest.body, manifest.date)


def columns(results: ElectionResults, blank_allowed: bool) -> list[tuple[str, str, str]]:
    """(key, Vietnamese label, English label) for every count column."""
    result = [(o.key, o.label_vi, o.label_en) for o in results.rules.options]
    if blank_allowed or any(line.blank for line in results.candidates):
        result.append((BLANK, *BLANK_LABELS))
    return result


def cell(line: CandidateResult, key: str) -> tuple[int, str]:
    """(count, formatted percentage) of one column for one candidate."""
    if key == BLANK:
        return line.blank, format_percent(line.blank_percentage)
    return line.count(key), format_percent(line.percentage(key))


def quorum_text(results: ElectionResults) -> tuple[str, str]:
    fraction = results.rules.quorum
    share = f"{fraction.numerator}/{fraction.denominator}"
    if results.quorum_met:
        return (
            f"Đủ điều kiện: {results.issued}/{results.summoned} có mặt (từ {share} trở lên)",
            f"Quorum met: {results.issued} of {results.summoned} present (at least {share})",
        )
    return (
        f"Không đủ {share}: {results.issued}/{results.summoned} có mặt",
        f"Quorum NOT met: {results.issued} of {results.summoned} present (fewer than {share})",
    )
