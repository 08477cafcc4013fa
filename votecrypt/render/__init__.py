"""Presentation of results (spec 13.6-13.7): a terminal table, CSV, a printable HTML sheet and
canonical JSON; and the printable credential slips (spec 9.3).

Renderers only read an `ElectionResults` (from `votecrypt.protocol.results.compute_results`)
and a `SheetHeading` (title, body, date); they never compute anything that is announced. A
`NumberFormat` chooses the decimal mark and trailing zeros; `SheetDetails` carries what the
printed record of the count states besides the results (place, time, board members, who
decrypted, challenged ballots, fingerprint, where published). The JSON sheet can be read
back, strictly, with `sheet_from_json` / `results_from_json`.

    render_table(results, heading, *, blank_allowed, fmt, details) -> str
                                                                   votecrypt.render.table
    render_csv(results, *, blank_allowed, fmt) -> str              votecrypt.render.csv_sheet
    render_html(results, heading, *, blank_allowed, election_hash="", fmt, details) -> str
                                                                   votecrypt.render.html_sheet
    render_slips(heading, codes, *, fingerprint, booth_address) -> str
                                                                   votecrypt.render.slips
    render_json(results, heading) -> str                           votecrypt.render.json_results
    sheet_from_json(data) -> (SheetHeading, ElectionResults)       votecrypt.render.json_results
    results_from_json(data) -> ElectionResults                     votecrypt.render.json_results
"""

from votecrypt.render.csv_sheet import render_csv
from votecrypt.render.html_sheet import render_html
from votecrypt.render.json_results import render_json, results_from_json, sheet_from_json
from votecrypt.render.sheet import NumberFormat, SheetDetails, SheetHeading
from votecrypt.render.slips import render_slips
from votecrypt.render.table import render_table

__all__ = [
    "NumberFormat",
    "SheetDetails",
    "SheetHeading",
    "render_csv",
    "render_html",
    "render_json",
    "render_slips",
    "render_table",
    "results_from_json",
    "sheet_from_json",
]
