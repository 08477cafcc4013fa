"""The pieces every rendering of a result sheet shares: headings, labels, numbers (spec 13.6)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from votecrypt.math.encoding import nfc
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.results import BLANK, CandidateResult, ElectionResults
from votecrypt.protocol.rules import format_fraction

BLANK_LABELS = ("Không đánh giá", "Blank")
DENOMINATOR_LABELS = {
    "collected": ("số phiếu thu về", "ballots collected"),
    "members": ("tổng số thành viên", "members of the body"),
}


@dataclass(frozen=True, slots=True)
class SheetHeading:
    """The election's description as printed at the top of the sheet (text in NFC)."""

    title: str
    body: str
    date: str

    def __post_init__(self) -> None:
        for name in ("title", "body", "date"):
            object.__setattr__(self, name, nfc(getattr(self, name)))

    @classmethod
    def of(cls, manifest: Manifest) -> SheetHeading:
        return cls(manifest.title, manifest.body, manifest.date)

    def date_vi(self) -> str:
        """ "ngày 13 tháng 12 năm 2023" for an ISO date; any other text as it is."""
        try:
            day = datetime.date.fromisoformat(self.date)
        except ValueError:
            return self.date
        return f"ngày {day.day} tháng {day.month} năm {day.year}"


def columns(results: ElectionResults, blank_allowed: bool) -> list[tuple[str, str, str]]:
    """(key, Vietnamese label, English label) for every count column; blank is shown when the
    election allows it or when any line was left blank."""
    result = [(o.key, o.label_vi, o.label_en) for o in results.rules.options]
    if blank_allowed or any(line.blank for line in results.candidates):
        result.append((BLANK, *BLANK_LABELS))
    return result


def cell(line: CandidateResult, key: str) -> tuple[int, str]:
    """(count, formatted percentage) of one column for one candidate."""
    return line.count(key), line.percent_text(key)


def quorum_text(results: ElectionResults) -> tuple[str, str]:
    """The quorum sentence in Vietnamese and English, with the exact inequality."""
    quorum = results.quorum
    share = format_fraction(quorum.fraction)
    if quorum.met:
        return (
            f"Đủ điều kiện: {quorum.present}/{quorum.summoned} người có mặt, "
            f"từ {share} trở lên ({quorum.inequality})",
            f"Quorum met: {quorum.present} of {quorum.summoned} present, at least {share}",
        )
    return (
        f"Không đủ {share} số người được triệu tập: {quorum.present}/{quorum.summoned} có mặt "
        f"({quorum.inequality})",
        f"Quorum NOT met: {quorum.present} of {quorum.summoned} present, fewer than {share}",
    )


def denominator_text(results: ElectionResults) -> tuple[str, str]:
    """What the percentages are of, in Vietnamese and English, with the value of D."""
    vi, en = DENOMINATOR_LABELS[results.denominator_kind]
    return (
        f"Tỷ lệ phần trăm tính trên {vi} ({results.denominator})",
        f"percentages of {en} ({results.denominator})",
    )
