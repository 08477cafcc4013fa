"""The results as CSV: a header row, then one row per candidate (spec 13.6).

Write it as UTF-8 with a byte-order mark (`CSV_ENCODING`): Excel then reads the Vietnamese
correctly. With a decimal comma the separator is ";", as Excel expects where the comma is the
decimal mark. Below the quorum the bracket columns stay empty.

Columns: number, name, position, `valid_lines` (the person's valid lines: ballots collected
less that person's invalid lines, the sheet's "Hợp lệ"), then `<key>_count` and `<key>_percent` for
every option (and blank when shown), then the election's totals (repeated on each row so that
every row stands alone in a spreadsheet; the ballots' own count is `valid_ballots`, the
JSON's `valid`: no column is named `valid` alone, which meant the person's lines here and
the ballots there), the
bracket id and its consequence in Vietnamese and English. A rule set that looks at the
previous vote adds, before the bracket, `previous_<key>` for each option its conditions name
and `previous_denominator`: the basis of a consequence resting on that vote (spec 13.6).
Percentages are written "97.87" (or "—" when D = 0), or as the number format says.
"""

from __future__ import annotations

import csv
import io

from votecrypt.protocol.results import ElectionResults
from votecrypt.render.sheet import (
    PLAIN,
    NumberFormat,
    cell,
    columns,
    previous_options,
    valid_lines,
)

#: "utf-8-sig": UTF-8 with the byte-order mark Excel needs to see it is UTF-8.
CSV_ENCODING = "utf-8-sig"


def render_csv(results: ElectionResults, *, blank_allowed: bool, fmt: NumberFormat = PLAIN) -> str:
    """The CSV text (lines end in "\\n"); encode it with CSV_ENCODING to write a file."""
    kinds = columns(results, blank_allowed)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n", delimiter=fmt.csv_separator)
    header = ["number", "name", "position", "valid_lines"]
    for key, _, _ in kinds:
        header += [f"{key}_count", f"{key}_percent"]
    previous_keys = previous_options(results)
    header += ["issued", "collected", "valid_ballots", "denominator", "denominator_kind"]
    header += [f"previous_{key}" for key in previous_keys]
    header += ["previous_denominator"] if previous_keys else []
    header += ["bracket", "consequence_vi", "consequence_en"]
    writer.writerow(header)
    for number, line in enumerate(results.candidates, start=1):
        row: list[object] = [number, line.name, line.position, valid_lines(results, line)]
        for key, _, _ in kinds:
            count, percent = cell(line, key, fmt)
            row += [count, percent]
        row += [
            results.issued,
            results.collected,
            results.valid,
            results.denominator,
            results.denominator_kind,
        ]
        previous = dict(results.previous).get(line.name)
        if previous_keys:
            row += [previous.counts[key] if previous else "" for key in previous_keys]
            row += [previous.denominator if previous else ""]
        row += [
            line.bracket_id or "",
            line.consequence_vi or "",
            line.consequence_en or "",
        ]
        writer.writerow(row)
    return output.getvalue()
