"""The printable result sheet: one self-contained HTML file, laid out like the official
announcement, in Vietnamese with English (spec 13.6). No external assets: the style is inline
and the bars are inline SVG, so the file prints the same anywhere."""

from __future__ import annotations

from html import escape

from votecrypt.protocol.results import BLANK, CandidateResult, ElectionResults
from votecrypt.render.sheet import DENOMINATOR_LABELS, SheetHeading, cell, columns, quorum_text

#: Bar colours per option, then blank: high confidence dark, low confidence red.
COLOURS = ("#1b5e20", "#66bb6a", "#c62828", "#8d6e63", "#5c6bc0")
BLANK_COLOUR = "#bdbdbd"

STYLE = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "Times New Roman", serif; font-size: 12pt; color: #000; margin: 0 auto;
       max-width: 190mm; }
.header { display: flex; justify-content: space-between; text-align: center; }
.header div { width: 48%; }
.en { font-style: italic; color: #444; font-size: 10pt; }
h1 { text-align: center; font-size: 15pt; margin: 14pt 0 2pt; }
table { border-collapse: collapse; width: 100%; margin-top: 8pt; }
th, td { border: 1px solid #000; padding: 3pt 4pt; vertical-align: top; }
th { background: #f0f0f0; font-size: 10pt; }
td.number { text-align: right; white-space: nowrap; }
.totals td { border: none; padding: 1pt 4pt; }
.bar { margin-top: 3pt; }
.consequence { font-size: 10pt; }
.signatures { display: flex; justify-content: space-between; margin-top: 30pt; text-align: center; }
@media print { .noprint { display: none; } }
"""


def render_html(
    results: ElectionResults, heading: SheetHeading, *, blank_allowed: bool, election_hash: str = ""
) -> str:
    kinds = columns(results, blank_allowed)
    vi_denominator, en_denominator = DENOMINATOR_LABELS[results.rules.denominator]
    quorum_vi, quorum_en = quorum_text(results)
    head_cells = "".join(
        f"<th colspan=2>{escape(vi)}<div class=en>{escape(en)}</div></th>" for _, vi, en in kinds
    )
    rows = "".join(_candidate_row(n, line, kinds) for n, line in enumerate(results.candidates, 1))
    e = escape
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(heading.title)}</title>
<style>{STYLE}</style>
</head>
<body>
<div class="header">
<div><strong>{e(heading.body)}</strong><br>BAN KIỂM PHIẾU
<div class=en>Vote-counting board</div></div>
<div><strong>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong><br>Độc lập - Tự do - Hạnh phúc
<div class=en>{e(heading.date)}</div></div>
</div>
<h1>BIÊN BẢN KIỂM PHIẾU<br>KẾT QUẢ LẤY PHIẾU TÍN NHIỆM</h1>
<div class=en style="text-align:center">Record of the count: results of the confidence vote</div>
<p style="text-align:center">{e(heading.title)}<br>{e(results.rules.title_vi)}
<span class=en>/ {e(results.rules.title_en)}</span></p>
<table class="totals">
<tr><td>Số phiếu phát ra <span class=en>(ballots issued)</span>:</td>
<td><b>{results.issued}</b></td>
<td>Số phiếu thu về <span class=en>(collected)</span>:</td><td><b>{results.collected}</b></td>
<td>Số phiếu hợp lệ <span class=en>(valid)</span>:</td><td><b>{results.valid}</b></td></tr>
<tr><td colspan=6>{e(quorum_vi)} <span class=en>/ {e(quorum_en)}</span></td></tr>
<tr><td colspan=6>Tỷ lệ phần trăm tính trên {e(vi_denominator)} ({results.denominator})
<span class=en>/ percentages of {e(en_denominator)}</span></td></tr>
</table>
<table>
<tr><th>TT<div class=en>No.</div></th><th>Họ và tên, chức vụ<div class=en>Name, position</div></th>
{head_cells}<th>Kết quả<div class=en>Outcome</div></th></tr>
{rows}
</table>
<div class="signatures">
<div>THƯ KÝ<div class=en>Secretary</div></div>
<div>TRƯỞNG BAN KIỂM PHIẾU<div class=en>Head of the vote-counting board</div></div>
</div>
<p class=en>Election context {e(election_hash)}. Verify the record: votecrypt verify RECORD</p>
</body>
</html>
"""


def _candidate_row(number: int, line: CandidateResult, kinds: list[tuple[str, str, str]]) -> str:
    cells = ""
    for key, _, _ in kinds:
        count, percent = cell(line, key)
        cells += f"<td class=number>{count}</td><td class=number>{escape(percent)}%</td>"
    outcome = "—"
    if line.bracket:
        outcome = (
            f"{escape(line.bracket.consequence_vi)}"
            f"<div class=en>{escape(line.bracket.consequence_en)}</div>"
        )
    return (
        f"<tr><td class=number>{number}</td><td><b>{escape(line.name)}</b><br>"
        f"{escape(line.position)}<div class=bar>{_bar(line, kinds)}</div></td>{cells}"
        f"<td class=consequence>{outcome}</td></tr>\n"
    )


def _bar(line: CandidateResult, kinds: list[tuple[str, str, str]]) -> str:
    """A horizontal stacked bar of the counts, as inline SVG."""
    total = sum(cell(line, key)[0] for key, _, _ in kinds) or 1
    width, x, parts = 200.0, 0.0, []
    for index, (key, vi, _) in enumerate(kinds):
        count = cell(line, key)[0]
        if not count:
            continue
        share = width * count / total
        colour = BLANK_COLOUR if key == BLANK else COLOURS[index % len(COLOURS)]
        parts.append(
            f'<rect x="{x:.2f}" y="0" width="{share:.2f}" height="10" fill="{colour}">'
            f"<title>{escape(vi)}: {count}</title></rect>"
        )
        x += share
    return f'<svg width="{width:.0f}" height="10" role="img">{"".join(parts)}</svg>'
