"""Printable credential slips: one per ballot paper, several to an A4 page with cut lines
(spec 9.2).

Each slip carries the election's title, body and date, the credential code in its groups,
the election fingerprint (to compare with the one read aloud at the meeting) and, where
voting stations are used, the booth's address. The page is one self-contained HTML file (no
external reference), every text escaped. The slips hold the secret codes: whoever prints
them destroys the file afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from votecrypt.render.sheet import SheetHeading

#: Two columns of three: a slip is 92 mm tall, room for a vote's full title, the session, a
#: booth address with its web address and the instructions in both languages, none clipped
#: (eight to a page, 69 mm each, cut the English off with a realistic title).
SLIPS_PER_PAGE = 6

STYLE = """
@page { size: A4; margin: 8mm; }
* { box-sizing: border-box; }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; margin: 0; }
.page { display: grid; grid-template-columns: 1fr 1fr; grid-auto-rows: 92mm;
        break-after: page; page-break-after: always; }
.page:last-child { break-after: auto; page-break-after: auto; }
.slip { border: 1px dashed #555; padding: 3mm 4mm; font-size: 9pt; overflow: hidden;
        overflow-wrap: anywhere; }
.slip h1 { font-size: 10.5pt; margin: 0 0 1mm; text-align: center; }
.slip .title { text-align: center; font-weight: bold; margin-bottom: 1mm; }
.en { font-style: italic; color: #444; font-size: 7.5pt; }
.code { font-family: "DejaVu Sans Mono", "Courier New", monospace; font-size: 12pt;
        font-weight: bold; text-align: center; white-space: nowrap; margin: 2mm 0;
        border: 1px solid #000; padding: 1.5mm 0; }
.fingerprint { font-family: "DejaVu Sans Mono", "Courier New", monospace; font-weight: bold;
               white-space: nowrap; }
.number { float: right; font-size: 8pt; color: #444; }
p { margin: 0.8mm 0; }
"""


def render_slips(
    heading: SheetHeading,
    codes: Sequence[str],
    *,
    fingerprint: str = "",
    booth_address: str = "",
) -> str:
    """The slips page (UTF-8 HTML text), one slip per code, in the given order."""
    e = escape
    slips = []
    for number, code in enumerate(codes, start=1):
        where = ""
        if booth_address:
            where = (
                f"<p>Bỏ phiếu tại <span class=en>(vote at)</span>: <b>{e(booth_address)}</b></p>"
            )
        print_fingerprint = e(fingerprint) if fingerprint else "—"
        slips.append(
            f"<div class=slip><span class=number>{number}/{len(codes)}</span>"
            "<h1>MÃ BỎ PHIẾU <span class=en>/ Voting credential</span></h1>"
            f"<div class=title>{e(heading.title)}</div>"
            f"<p>{e(heading.body)} — {e(heading.date_vi())}</p>"
            f"<div class=code>{e(code)}</div>"
            f"<p>Mã nhận dạng cuộc bỏ phiếu <span class=en>(election fingerprint)</span>: "
            f"<span class=fingerprint>{print_fingerprint}</span></p>"
            f"{where}"
            "<p>Giữ kín mã này: đó là lá phiếu của bạn. So sánh mã nhận dạng với mã được đọc "
            "tại hội nghị.<br><span class=en>Keep this code secret: it is your ballot paper. "
            "Compare the fingerprint with the one read aloud at the meeting.</span></p></div>"
        )
    pages = [
        "<div class=page>" + "".join(slips[i : i + SLIPS_PER_PAGE]) + "</div>"
        for i in range(0, len(slips), SLIPS_PER_PAGE)
    ]
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{e(heading.title)} — mã bỏ phiếu</title>
<style>{STYLE}</style>
</head>
<body>
{"".join(pages)}
</body>
</html>
"""


__all__ = ["SLIPS_PER_PAGE", "render_slips"]
