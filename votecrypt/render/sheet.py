"""The pieces every rendering of a result sheet shares: headings, labels, numbers (spec 13.6)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from votecrypt.errors import EncodingError
from votecrypt.math.encoding import nfc
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.results import BLANK, BLANK_LABELS, CandidateResult, ElectionResults
from votecrypt.protocol.rules import format_fraction
from votecrypt.protocol.text import text_problem

#: A line left unmarked is void for that person (QĐ 96: "phiếu không hợp lệ"; NQ 96 the same).
DENOMINATOR_LABELS = {
    "collected": ("số phiếu thu về", "ballots collected"),
    "members": ("tổng số đại biểu", "all deputies (members of the body)"),
}


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """How percentages are written (spec 13.6): the digits are always the exact half-up
    hundredths; only the decimal mark and trailing zeros differ ("90,1%", "40%")."""

    decimal_comma: bool = False
    trim_zeros: bool = False

    def percent(self, hundredths: int | None) -> str:
        """9010 -> "90.10" (or "90,10", "90.1", "90,1"); 4000 -> "40.00" or "40"."""
        if hundredths is None:
            return "—"
        text = f"{hundredths // 100}.{hundredths % 100:02d}"
        if self.trim_zeros:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",") if self.decimal_comma else text

    @property
    def csv_separator(self) -> str:
        """Excel reads ";" where the decimal mark is a comma, "," otherwise."""
        return ";" if self.decimal_comma else ","


PLAIN = NumberFormat()


@dataclass(frozen=True, slots=True)
class SheetDetails:
    """What the printed record of the count states beyond the results (spec 13.6): where and
    when it was counted, who counted, which trustees decrypted, ballots challenged, the
    election fingerprint and where the record is published. Empty fields are left out."""

    place: str = ""
    time: str = ""
    board_members: tuple[str, ...] = ()
    decrypted_by: tuple[str, ...] = ()
    challenged: int | None = None
    fingerprint: str = ""
    published_at: str = ""
    quorum_override: str = ""

    def __post_init__(self) -> None:
        for name in ("place", "time", "fingerprint", "published_at", "quorum_override"):
            value = nfc(getattr(self, name)).strip()
            problem = text_problem(value, max_length=1000)
            if problem is not None:
                raise EncodingError(f"the sheet's {name.replace('_', ' ')} {problem}")
            object.__setattr__(self, name, value)


NO_DETAILS = SheetDetails()


def procedure(results: ElectionResults) -> tuple[str, str]:
    """The procedure named by the rule set's title, before " theo " / " under ": "Lấy phiếu
    tín nhiệm" / "Confidence vote", or "Bỏ phiếu tín nhiệm" / "Vote of confidence"."""
    vi = results.rules.title_vi.split(" theo ")[0].strip()
    en = results.rules.title_en.split(" under ")[0].strip()
    return vi, en


def result_heading(results: ElectionResults) -> tuple[str, str]:
    """ "KẾT QUẢ LẤY PHIẾU TÍN NHIỆM" / "Results of the confidence vote", after the rule set."""
    vi, en = procedure(results)
    return f"KẾT QUẢ {vi.upper()}", f"Results of the {en[:1].lower()}{en[1:]}"


def quorum_notice(results: ElectionResults) -> tuple[str, str] | None:
    """When the quorum is not met, the sentence that replaces every consequence."""
    if results.quorum.met:
        return None
    return (
        "KHÔNG ĐỦ SỐ NGƯỜI CÓ MẶT THEO QUY ĐỊNH: không công bố hậu quả nào.",
        "QUORUM NOT MET: no consequence is announced.",
    )


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


def cell(line: CandidateResult, key: str, fmt: NumberFormat = PLAIN) -> tuple[int, str]:
    """(count, formatted percentage) of one column for one candidate."""
    return line.count(key), fmt.percent(line.percentage(key))


def valid_lines(results: ElectionResults, line: CandidateResult) -> int:
    """The lines marked for this person: ballots collected less the void (unmarked) lines."""
    return results.collected - line.blank


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
