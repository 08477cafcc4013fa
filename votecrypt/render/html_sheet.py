"""The printable result sheet: one self-contained HTML file, laid out like the official
announcement ("Biên bản kiểm phiếu"), in Vietnamese with English beneath (spec 13.6).

No external assets: the style is inline and the bars are inline SVG, so the file prints the
same anywhere and loads nothing. Every text from the election passes through `html.escape`.
The bars are drawn in integer units (one unit per ballot, scaled by the SVG viewBox), so no
floating point is involved here either.
"""

from __future__ import annotations

from html import escape

from votecrypt.protocol.results import BLANK, CandidateResult, ElectionResults
from votecrypt.render.sheet import SheetHeading, cell, columns, denominator_text, quorum_text

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

STYLE = """
@page { size: A4; margin: 18mm 15mm; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Times New Roman", serif; font-size: 12pt; color: #000; margin: 0 auto;
       max-width: 190mm; }
.header { display: flex; justify-content: space-between; text-align: center; }
.header div { width: 48%; }
.en { font-style: italic; color: #444; font-size: 9.5pt; }
.date { text-align: right; font-style: italic; margin-top: 6pt; }
h1 { text-align: center; font-size: 15pt; margin: 12pt 0 0; }
h2 { text-align: center; font-size: 13pt; margin: 2pt 0; }
p.center { text-align: center; margin: 2pt 0; }
table { border-collapse: collapse; width: 100%; margin-top: 8pt; }
th, td { border: 1px solid #000; padding: 3pt 4pt; vertical-align: top; }
th { background: #f0f0f0; font-size: 10pt; }
tr { page-break-inside: avoid; break-inside: avoid; }
td.number { text-align: right; white-space: nowrap; }
table.totals td { border: none; padding: 1pt 4pt; }
svg.bar { display: block; width: 60mm; height: 3mm; margin-top: 3pt; border: 1px solid #555; }
.legend span { display: inline-block; margin-right: 10pt; font-size: 9.5pt; }
.swatch { display: inline-block; width: 9pt; height: 9pt; border: 1px solid #555;
          vertical-align: middle; margin-right: 3pt; }
.consequence { font-size: 10pt; }
.signatures { display: flex; justify-content: space-between; margin-top: 30pt; text-align: center; }
.signatures div { width: 45%; }
"""


def colour_of(key: str, position: int) -> str:
    """The bar colour of an option key (`position` is its index among the options)."""
    return COLOURS.get(key, OTHER_COLOURS[position % len(OTHER_COLOURS)])


def render_html(
    results: ElectionResults, heading: SheetHeading, *, blank_allowed: bool, election_hash: str = ""
) -> str:
    """The sheet as one HTML document (UTF-8 text): heading, totals, quorum, a row per
    candidate with the count and percentage of every level, a stacked bar and the outcome."""
    e = escape
    kinds = columns(results, blank_allowed)
    quorum_vi, quorum_en = quorum_text(results)
    share_vi, share_en = denominator_text(results)
    head_cells = "".join(
        f"<th colspan=2>{e(vi)}<div class=en>{e(en)}</div></th>" for _, vi, en in kinds
    )
    legend = "".join(
        f'<span><span class=swatch style="background:{colour_of(key, n)}"></span>'
        f"{e(vi)} <span class=en>/ {e(en)}</span></span>"
        for n, (key, vi, en) in enumerate(kinds)
    )
    rows = "".join(
        _candidate_row(n, line, kinds, results.denominator)
        for n, line in enumerate(results.candidates, 1)
    )
    record = ""
    if election_hash:
        record = (
            f"<p class=en>Election context {e(election_hash)}. "
            "Anyone can check these results: votecrypt verify RECORD</p>"
        )
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
<p class=date>{e(heading.date_vi())} <span class=en>({e(heading.date)})</span></p>
<h1>BIÊN BẢN KIỂM PHIẾU</h1>
<h2>KẾT QUẢ LẤY PHIẾU TÍN NHIỆM</h2>
<p class="center en">Record of the count: results of the confidence vote</p>
<p class=center><strong>{e(heading.title)}</strong></p>
<p class=center>{e(results.rules.title_vi)}<br><span class=en>{e(results.rules.title_en)}</span></p>
<table class="totals">
<tr><td>Số phiếu phát ra <span class=en>(ballots issued)</span>:</td>
<td><b>{results.issued}</b></td>
<td>Số phiếu thu về <span class=en>(collected)</span>:</td><td><b>{results.collected}</b></td>
<td>Số phiếu hợp lệ <span class=en>(valid)</span>:</td><td><b>{results.valid}</b></td></tr>
<tr><td colspan=6>{e(quorum_vi)}<br><span class=en>{e(quorum_en)}</span></td></tr>
<tr><td colspan=6>{e(share_vi)} <span class=en>/ {e(share_en)}</span></td></tr>
</table>
<table>
<tr><th>TT<div class=en>No.</div></th><th>Họ và tên, chức vụ<div class=en>Name, position</div></th>
{head_cells}<th>Kết quả<div class=en>Outcome</div></th></tr>
{rows}</table>
<p class=legend>{legend}</p>
<div class="signatures">
<div>THƯ KÝ<div class=en>Secretary</div></div>
<div>TRƯỞNG BAN KIỂM PHIẾU<div class=en>Head of the vote-counting board</div></div>
</div>
{record}
</body>
</html>
"""


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
    number: int, line: CandidateResult, kinds: list[tuple[str, str, str]], denominator: int
) -> str:
    cells = ""
    for key, _, _ in kinds:
        count, percent = cell(line, key)
        shown = f"{percent}%" if line.percentage(key) is not None else percent
        cells += f"<td class=number>{count}</td><td class=number>{escape(shown)}</td>"
    outcome = "—"
    if line.bracket is not None:
        outcome = (
            f"{escape(line.bracket.consequence_vi)}"
            f"<div class=en>{escape(line.bracket.consequence_en)}</div>"
        )
    return (
        f"<tr><td class=number>{number}</td><td><b>{escape(line.name)}</b><br>"
        f"{escape(line.position)}{_bar(line, kinds, denominator)}</td>{cells}"
        f"<td class=consequence>{outcome}</td></tr>\n"
    )


def _bar(line: CandidateResult, kinds: list[tuple[str, str, str]], denominator: int) -> str:
    """A horizontal stacked bar of the counts as inline SVG, one viewBox unit per ballot.

    The bar's full length is D (or the sum of the counts, if larger), so under a "members"
    denominator the part of the body that did not vote stays white.
    """
    counts = [(key, vi, line.count(key)) for key, vi, _ in kinds]
    total = max(denominator, sum(count for _, _, count in counts))
    if total == 0:
        return ""
    parts, x = [], 0
    for position, (key, vi, count) in enumerate(counts):
        if count:
            parts.append(
                f'<rect x="{x}" y="0" width="{count}" height="1" fill="{colour_of(key, position)}">'
                f"<title>{escape(vi)}: {count}</title></rect>"
            )
        x += count
    return (
        f'<svg class="bar" viewBox="0 0 {total} 1" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(line.name)}">{"".join(parts)}</svg>'
    )
