"""The pieces every rendering of a result sheet shares: headings, labels, numbers (spec 13.6)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from votecrypt.errors import EncodingError
from votecrypt.math.encoding import nfc
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.results import BLANK, BLANK_LABELS, CandidateResult, ElectionResults
from votecrypt.protocol.text import text_problem

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
#: The Vietnamese form, the default of every sheet the meeting reads (spec 13.6): "97,87".
VIETNAMESE = NumberFormat(decimal_comma=True)


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
    """The person's valid lines ("Hợp lệ" in a person's row, `valid` in the CSV): ballots
    collected less that person's invalid (unmarked) lines (spec 13.6)."""
    return results.collected - line.blank


#: Fractions said in words on the sheet (spec 13.6); any other is written "p/q".
FRACTION_WORDS = {
    (1, 2): ("một phần hai", "one half"),
    (2, 3): ("hai phần ba", "two thirds"),
    (3, 4): ("ba phần tư", "three quarters"),
}


def fraction_words(numerator: int, denominator: int) -> tuple[str, str]:
    """ "hai phần ba" / "two thirds" for 2/3; "p/q" for a fraction without a usual name."""
    written = f"{numerator}/{denominator}"
    return FRACTION_WORDS.get((numerator, denominator), (written, written))


def previous_options(results: ElectionResults) -> list[str]:
    """The option keys that a condition on the previous vote names, in option order."""
    named = {c.option for b in results.rules.brackets for c in b.conditions if c.year == "previous"}
    return [key for key in results.rules.option_keys if key in named]


def previous_basis(results: ElectionResults, line: CandidateResult) -> tuple[str, str] | None:
    """What a consequence resting on the previous vote rests on (spec 13.6): that vote's
    counts of the options its conditions name and its D, e.g. "lần lấy phiếu trước: 30 phiếu
    "Tín nhiệm thấp" trên 50 (D)". None when the person's bracket looks only at this vote."""
    if line.bracket is None:
        return None
    keys = [c.option for c in line.bracket.conditions if c.year == "previous"]
    previous = dict(results.previous).get(line.name)
    if not keys or previous is None:
        return None
    labels = {o.key: (o.label_vi, o.label_en) for o in results.rules.options}
    d = previous.denominator
    vi = "; ".join(f'{previous.counts[k]} phiếu "{labels[k][0]}" trên D = {d}' for k in keys)
    en = "; ".join(f'{previous.counts[k]} "{labels[k][1]}" of D = {d}' for k in keys)
    return f"Căn cứ lần lấy phiếu trước: {vi}", f"basis in the previous vote: {en}"


def quorum_text(results: ElectionResults) -> tuple[str, str]:
    """The quorum in words, Vietnamese and English (spec 13.6): "Có mặt 56/60 người được
    triệu tập, đạt từ hai phần ba trở lên: đủ điều kiện tiến hành." The exact inequality
    stays in the JSON sheet (`quorum_inequality`)."""
    quorum = results.quorum
    vi_share, en_share = fraction_words(quorum.fraction.numerator, quorum.fraction.denominator)
    present, summoned = quorum.present, quorum.summoned
    if quorum.met:
        return (
            f"Có mặt {present}/{summoned} người được triệu tập, đạt từ {vi_share} trở lên: "
            "đủ điều kiện tiến hành.",
            f"{present} of the {summoned} summoned present, at least {en_share}: the quorum "
            "is met.",
        )
    return (
        f"Có mặt {present}/{summoned} người được triệu tập, chưa đạt {vi_share}: không đủ "
        "điều kiện theo quy định.",
        f"{present} of the {summoned} summoned present, fewer than {en_share}: the quorum is "
        "NOT met.",
    )


def denominator_text(results: ElectionResults) -> tuple[str, str]:
    """What the percentages are of, in Vietnamese and English, with the value of D."""
    vi, en = DENOMINATOR_LABELS[results.denominator_kind]
    return (
        f"Tỷ lệ phần trăm tính trên {vi} ({results.denominator})",
        f"percentages of {en} ({results.denominator})",
    )


#: Roles on the counting board, by the order of its members in the manifest (spec 13.6):
#: the first heads it, the second keeps the minutes (with three members or more), the others
#: are members.
HEAD = ("Trưởng ban", "Head of the board")
SECRETARY = ("Thư ký", "Secretary")
MEMBER = ("Ủy viên", "Member")


def member_roles(members: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(name, Vietnamese role, English role) of every member of the counting board."""
    roles = []
    for number, name in enumerate(members):
        role = HEAD if number == 0 else SECRETARY if number == 1 and len(members) >= 3 else MEMBER
        roles.append((name, *role))
    return roles
