"""The printable result sheet: one self-contained HTML file, laid out like the official
announcement ("Biên bản kiểm phiếu"), in Vietnamese with English beneath (spec 13.6).

No external assets: the style is inline and the bars are boxes of the page itself, so the
file prints the same anywhere and loads nothing. Every text from the election passes through
`html.escape`. A bar's parts grow by their integer counts (CSS `flex-grow`), so no floating
point is involved here either. Nothing is told by colour alone (WCAG 1.4.1): every option
has a pattern besides its colour, the legend shows the same patterns with the option's
name, and every bar has the counts in words for a screen reader.
"""

from __future__ import annotations

from html import escape

from votecrypt.protocol.results import BLANK, BLANK_LABELS, CandidateResult, ElectionResults
from votecrypt.record.rule_presets import name_rule_set
from votecrypt.render.sheet import (
    NO_DETAILS,
    VIETNAMESE,
    NumberFormat,
    SheetDetails,
    SheetHeading,
    cell,
    columns,
    denominator_text,
    member_roles,
    previous_basis,
    procedure,
    quorum_notice,
    quorum_text,
    result_heading,
    valid_lines,
)

#: Bar colours: confidence in greens, low confidence and no confidence in red.
COLOURS = {
    "high": "#1b5e20",
    "medium": "#81c784",
    "low": "#c62828",
    "confidence": "#2e7d32",
    "no_confidence": "#c62828",
    BLANK: "#bdbdbd",
}
#: Colours of options the presets do not name, in option order.
OTHER_COLOURS = ("#5c6bc0", "#8d6e63", "#f9a825", "#00838f", "#6a1b9a")
#: The pattern of each option besides its colour: solid, stripes one way or the other, or
#: dots; told apart in grey print and without colour vision.
PATTERNS = {
    "high": "solid",
    "medium": "rising",
    "low": "falling",
    "confidence": "solid",
    "no_confidence": "falling",
    BLANK: "dots",
}
#: Patterns of options the presets do not name, in option order.
OTHER_PATTERNS = ("solid", "rising", "falling", "upright", "dots")

STYLE = """
@page { size: A4; margin: 12mm 12mm 14mm; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; box-sizing: border-box; }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif;
       font-size: 11pt; color: #000; margin: 0 auto; max-width: 186mm; }
.header { display: flex; justify-content: space-between; text-align: center; }
.header div { width: 49%; }
.en { font-style: italic; color: #444; font-size: 8.5pt; font-weight: normal; }
.date { text-align: right; font-style: italic; margin: 4pt 0 0; }
h1 { text-align: center; font-size: 14pt; margin: 8pt 0 0; }
h2 { text-align: center; font-size: 12.5pt; margin: 2pt 0; }
p { margin: 2pt 0; }
p.center { text-align: center; }
table { border-collapse: collapse; width: 100%; margin-top: 5pt; }
th, td { border: 1px solid #000; padding: 2pt 3pt; vertical-align: top; }
th { background: #f0f0f0; font-size: 9pt; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
td.number { text-align: right; white-space: nowrap; }
td.name { width: 62mm; }
td.count { text-align: right; white-space: nowrap; width: 19mm; }
td.count small { display: block; font-size: 9pt; }
td.outcome { text-align: center; width: 14mm; font-weight: bold; }
table.totals td { border: none; padding: 1pt 3pt; }
.bar { display: flex; width: 50mm; height: 3mm; margin-top: 2pt; border: 1px solid #555; }
.bar span { flex-basis: 0; min-width: 0; }
.legend > span { display: inline-block; margin-right: 8pt; font-size: 8.5pt; }
.swatch { display: inline-block; width: 12pt; height: 8pt; border: 1px solid #555;
          vertical-align: middle; margin-right: 3pt; }
.p-solid { background-color: var(--c); }
.p-rising { background: repeating-linear-gradient(45deg, var(--c) 0 1.6pt, #fff 1.6pt 2.6pt); }
.p-falling { background: repeating-linear-gradient(-45deg, var(--c) 0 1.2pt, #fff 1.2pt 2.4pt); }
.p-upright { background: repeating-linear-gradient(90deg, var(--c) 0 1.2pt, #fff 1.2pt 2.4pt); }
.p-dots { background: radial-gradient(circle, #000 0 0.5pt, transparent 0.7pt) 0 0 / 2.4pt 2.4pt,
          var(--c); }
.consequences { font-size: 9.5pt; margin-top: 4pt; }
.consequences p { margin: 2pt 0 3pt; }
.notice { border: 2.5pt solid #b71c1c; color: #b71c1c; font-weight: bold; font-size: 12pt;
          padding: 4pt 6pt; margin: 6pt 0; text-align: center; }
.facts { font-size: 9.5pt; margin-top: 5pt; }
/* The closing part (notes, facts, signatures) stays on the page of the last rows: nobody
   signs a page without results on it. */
table.results { break-after: avoid; page-break-after: avoid; }
.closing { break-inside: avoid; page-break-inside: avoid; break-before: avoid; }
.preamble { margin: 4pt 0 2pt; text-align: justify; }
.signatures .role { font-weight: bold; }
.signatures .hint { font-style: italic; font-size: 9pt; }
.signatures { display: flex; flex-wrap: wrap; justify-content: space-around; margin-top: 10pt;
              text-align: center; break-inside: avoid; page-break-inside: avoid; }
.signatures div.member { width: 31%; margin-bottom: 6pt; font-size: 10pt; }
.signatures .line { height: 16mm; }
"""


def colour_of(key: str, position: int) -> str:
    """The bar colour of an option key (`position` is its index among the options)."""
    return COLOURS.get(key, OTHER_COLOURS[position % len(OTHER_COLOURS)])


def pattern_of(key: str, position: int) -> str:
    """The bar pattern of an option key (`position` is its index among the options)."""
    return PATTERNS.get(key, OTHER_PATTERNS[position % len(OTHER_PATTERNS)])


def _mark(key: str, position: int, extra: str = "", style: str = "") -> str:
    """The class and style attributes that draw an option's colour and pattern."""
    return (
        f'class="p-{pattern_of(key, position)}{extra}" data-option="{escape(key)}" '
        f'style="--c:{colour_of(key, position)}{style}"'
    )


def render_html(
    results: ElectionResults,
    heading: SheetHeading,
    *,
    blank_allowed: bool,
    election_hash: str = "",
    fmt: NumberFormat = VIETNAMESE,
    details: SheetDetails = NO_DETAILS,
) -> str:
    """The sheet as one HTML document (UTF-8 text): heading after the rule set, totals,
    quorum, per candidate the valid lines, every level's count and percentage, the void
    lines, a stacked bar and a reference to the consequence, the consequences' texts, the
    facts of the count and a signature line for every member of the counting board."""
    e = escape
    kinds = columns(results, blank_allowed)
    levels = [kind for kind in kinds if kind[0] != BLANK]
    show_void = len(levels) != len(kinds)
    quorum_vi, quorum_en = quorum_text(results)
    share_vi, share_en = denominator_text(results)
    title_vi, title_en = result_heading(results)
    head_cells = "".join(f"<th>{e(vi)}<div class=en>{e(en)}</div></th>" for _, vi, en in levels)
    if show_void:
        head_cells += f"<th>{e(BLANK_LABELS[0])}<div class=en>{e(BLANK_LABELS[1])}</div></th>"
    legend = "".join(
        f"<span><span {_mark(key, n, ' swatch')}></span>"
        f"{e(vi)} <span class=en>/ {e(en)}</span></span>"
        for n, (key, vi, en) in enumerate(kinds)
    )
    marks = _bracket_marks(results)
    rows = "".join(
        _candidate_row(n, line, results, levels, show_void, fmt, marks)
        for n, line in enumerate(results.candidates, 1)
    )
    notice = quorum_notice(results)
    notice_html = ""
    if notice is not None:
        notice_html = f"<div class=notice>{e(notice[0])}<div class=en>{e(notice[1])}</div>"
        if details.quorum_override:
            notice_html += (
                f"<div class=en>Lý do tiến hành / reason recorded: {e(details.quorum_override)}"
                "</div>"
            )
        notice_html += "</div>"
    place_date = e(heading.date_vi())
    if details.place:
        place_date = f"{e(details.place)}, {place_date}"
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(heading.title)} — {e(heading.body)}</title>
<style>{STYLE}</style>
</head>
<body>
<div class="header">
<div><strong>{e(heading.body)}</strong><br>BAN KIỂM PHIẾU
<div class=en>Vote-counting board</div></div>
{_national_heading(results)}
</div>
<p class=date>{place_date} <span class=en>({e(heading.date)})</span></p>
<h1>BIÊN BẢN KIỂM PHIẾU</h1>
<h2>{e(title_vi)}</h2>
<p class="center en">Record of the count: {e(title_en[:1].lower() + title_en[1:])}</p>
<p class=center><strong>{e(heading.title)}</strong></p>
<p class=center>{e(results.rules.title_vi)}<br><span class=en>{e(results.rules.title_en)}.
{e(results.rules.reference)}. Bộ quy tắc / rule set: {e(name_rule_set(results.rules).describe())}
</span></p>
{_preamble(results, heading, details)}
<table class="totals">
<tr><td>Số phiếu phát ra <span class=en>(ballots issued)</span>:</td>
<td><b>{results.issued}</b></td>
<td>Số phiếu thu về <span class=en>(collected)</span>:</td><td><b>{results.collected}</b></td>
<td>Số phiếu hợp lệ <span class=en>(valid ballots)</span>:</td><td><b>{results.valid}</b></td></tr>
<tr><td colspan=6>{e(quorum_vi)}<br><span class=en>{e(quorum_en)}</span></td></tr>
<tr><td colspan=6>{e(share_vi)} <span class=en>/ {e(share_en)}</span></td></tr>
</table>
{notice_html}
<table class="results">
<thead><tr><th>TT<div class=en>No.</div></th>
<th>Họ và tên, chức vụ<div class=en>Name, position</div></th>
<th>Hợp lệ<div class=en>Valid lines</div></th>
{head_cells}<th>Kết quả<div class=en>Outcome</div></th></tr></thead>
<tbody>
{rows}</tbody></table>
<div class=closing>
<p class=legend>{legend}</p>
{_consequences(marks, notice is not None, _bases(results))}
{_facts(details, election_hash)}
{_signatures(details)}
</div>
</body>
</html>
"""


def _bracket_marks(results: ElectionResults) -> dict[str, tuple[str, str, str]]:
    """(mark, Vietnamese, English) of every bracket that some candidate reaches, marked
    (a), (b), ... in the rule set's order."""
    reached = {line.bracket.id for line in results.candidates if line.bracket is not None}
    marks: dict[str, tuple[str, str, str]] = {}
    for bracket in results.rules.brackets:
        if bracket.id in reached:
            letter = "abcdefghijklmnopqrstuvwxyz"[len(marks) % 26]
            marks[bracket.id] = (f"({letter})", bracket.consequence_vi, bracket.consequence_en)
    return marks


def _preamble(results: ElectionResults, heading: SheetHeading, details: SheetDetails) -> str:
    """The usual opening of the minutes: when and where, who counted, under which rule."""
    e = escape
    when = f"vào hồi {e(details.time)}, " if details.time else ""
    where = f", tại {e(details.place)}" if details.place else ""
    members = "; ".join(
        f"{e(name)} ({e(role_vi.lower())})"
        for name, role_vi, _ in member_roles(details.board_members)
    )
    board = f"Ban kiểm phiếu gồm: {members}, " if members else "Ban kiểm phiếu "
    title = results.rules.title_vi
    basis = title.split(" theo ", 1)[1] if " theo " in title else title
    return (
        f"<p class=preamble>Căn cứ {e(basis)}. Hôm nay, {when}"
        f"{e(heading.date_vi())}{where}, {board}đã tiến hành kiểm phiếu "
        f"{e(procedure(results)[0].lower())} “{e(heading.title)}”. Kết quả kiểm phiếu như sau:"
        "<br><span class=en>Under the rule set named above, the vote-counting board counted "
        "the ballots of this vote on the day, at the time and place stated; the results "
        "follow.</span></p>"
    )


def _bases(results: ElectionResults) -> dict[str, list[tuple[str, str, str]]]:
    """By bracket id: (name, Vietnamese, English) of what each person's consequence rests on
    in the previous vote (spec 13.6)."""
    bases: dict[str, list[tuple[str, str, str]]] = {}
    for line in results.candidates:
        basis = previous_basis(results, line)
        if basis is not None and line.bracket is not None:
            bases.setdefault(line.bracket.id, []).append((line.name, *basis))
    return bases


def _consequences(
    marks: dict[str, tuple[str, str, str]],
    quorum_failed: bool,
    bases: dict[str, list[tuple[str, str, str]]],
) -> str:
    if quorum_failed:
        return ""
    if not marks:
        return (
            "<div class=consequences><p>Không ai thuộc diện phải xử lý theo quy định."
            "<br><span class=en>No office holder reaches a threshold.</span></p></div>"
        )
    items = "".join(
        f"<p><b>{mark}</b> {escape(vi)}<br><span class=en>{escape(en)}</span>"
        + "".join(
            f"<br>{escape(name)}: {escape(basis_vi)} <span class=en>/ {escape(basis_en)}</span>"
            for name, basis_vi, basis_en in bases.get(bracket_id, [])
        )
        + "</p>"
        for bracket_id, (mark, vi, en) in marks.items()
    )
    return (
        "<div class=consequences><b>Hậu quả theo quy định</b> "
        f"<span class=en>/ Consequences</span>{items}</div>"
    )


def _facts(details: SheetDetails, election_hash: str) -> str:
    e = escape
    facts = []
    if details.decrypted_by:
        facts.append(
            f"Giải mã bởi các thành viên <span class=en>(decrypted by)</span>: "
            f"{e(', '.join(details.decrypted_by))}"
        )
    if details.challenged is not None:
        facts.append(
            f"Phiếu kiểm tra (không tính) <span class=en>(ballots challenged, not counted)"
            f"</span>: {details.challenged}"
        )
    if details.fingerprint:
        facts.append(
            f"Mã nhận dạng cuộc bỏ phiếu <span class=en>(election fingerprint)</span>: "
            f"<b>{e(details.fingerprint)}</b>"
        )
    if election_hash:
        facts.append(f"<span class=en>Election context hash: {e(election_hash)}</span>")
    if details.published_at:
        where = e(details.published_at)
        facts.append(
            f"Hồ sơ công bố tại <span class=en>(record published at)</span>: {where}. "
            f"<span class=en>Anyone can check these results: votecrypt verify {where}</span>"
        )
    else:
        facts.append(
            "<span class=en>Anyone can check these results from the published election "
            "record: votecrypt verify RECORD</span>"
        )
    return "<div class=facts>" + "".join(f"<p>{fact}</p>" for fact in facts) + "</div>"


def _signatures(details: SheetDetails) -> str:
    """A signature line for every member of the counting board, with their role."""
    members = member_roles(details.board_members) or [
        ("", "Thư ký", "Secretary"),
        ("", "Trưởng ban", "Head of the board"),
    ]
    cells = "".join(
        f"<div class=member><span class=role>{escape(role_vi.upper())}</span> "
        f"<span class=en>/ {escape(role_en)}</span>"
        "<div class=hint>(Ký, ghi rõ họ tên)</div>"
        f"<div class=line></div><b>{escape(name)}</b></div>"
        for name, role_vi, role_en in members
    )
    return (
        "<p class=center><b>CÁC THÀNH VIÊN BAN KIỂM PHIẾU</b> "
        "<span class=en>/ Members of the vote-counting board</span></p>"
        f"<div class=signatures>{cells}</div>"
    )


def _national_heading(results: ElectionResults) -> str:
    """The right-hand heading: the Party's for a Party rule set (QĐ ...-QĐ/TW), the State's
    otherwise."""
    if "QĐ/TW" in results.rules.title_vi:
        return (
            "<div><strong>ĐẢNG CỘNG SẢN VIỆT NAM</strong>"
            "<div class=en>Communist Party of Vietnam</div></div>"
        )
    return (
        "<div><strong>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong><br>Độc lập - Tự do - Hạnh phúc"
        "<div class=en>Socialist Republic of Vietnam</div></div>"
    )


def _candidate_row(
    number: int,
    line: CandidateResult,
    results: ElectionResults,
    levels: list[tuple[str, str, str]],
    show_void: bool,
    fmt: NumberFormat,
    marks: dict[str, tuple[str, str, str]],
) -> str:
    cells = f"<td class=count>{valid_lines(results, line)}</td>"
    shown = [key for key, _, _ in levels] + ([BLANK] if show_void else [])
    for key in shown:
        count, percent = cell(line, key, fmt)
        text = f"{percent}%" if line.percentage(key) is not None else percent
        cells += f"<td class=count>{count}<small>{escape(text)}</small></td>"
    outcome = "—"
    if line.bracket is not None:
        outcome = marks[line.bracket.id][0]
    kinds = [*levels, *([(BLANK, *BLANK_LABELS)] if show_void else [])]
    return (
        f"<tr><td class=number>{number}</td><td class=name><b>{escape(line.name)}</b><br>"
        f"{escape(line.position)}{_bar(line, kinds, results.denominator)}</td>{cells}"
        f"<td class=outcome>{outcome}</td></tr>\n"
    )


def _bar(line: CandidateResult, kinds: list[tuple[str, str, str]], denominator: int) -> str:
    """A horizontal stacked bar of the counts: one part per option, growing by its count,
    drawn in the option's colour and pattern (the legend's), with the counts in words.

    The bar's full length is D (or the sum of the counts, if larger), so under a "members"
    denominator the part of the body that did not vote stays white.
    """
    counts = [(key, vi, line.count(key)) for key, vi, _ in kinds]
    total = max(denominator, sum(count for _, _, count in counts))
    if total == 0:
        return ""
    parts = []
    for position, (key, vi, count) in enumerate(counts):
        if count:
            parts.append(
                f"<span {_mark(key, position, style=f';flex-grow:{count}')} "
                f'title="{escape(vi)}: {count}"></span>'
            )
    rest = total - sum(count for _, _, count in counts)
    if rest:
        parts.append(f'<span style="flex-grow:{rest}"></span>')
    words = "; ".join(f"{vi}: {count}" for _, vi, count in counts)
    return (
        f'<div class="bar" role="img" aria-label="{escape(line.name)} — {escape(words)}">'
        f"{''.join(parts)}</div>"
    )
