"""The results as CSV: one row per candidate, a header row, UTF-8 (spec 13.6)."""

from __future__ import annotations

import csv
import io

from votecrypt.protocol.results import ElectionResults
from votecrypt.render.sheet import cell, columns


def render_csv(results: ElectionResults, *, blank_allowed: bool) -> str:
    kinds = columns(results, blank_allowed)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    header = ["number", "name", "position"]
    for key, _, _ in kinds:
        header += [f"{key}_count", f"{key}_percent"]
    header += ["issued", "collected", "valid", "denominator", "bracket", "consequence_vi"]
    writer.writerow(header)
    for number, line in enumerate(results.candidates, start=1):
        row: list[object] = [number, line.name, line.position]
        for key, _, _ in kinds:
            count, percent = cell(line, key)
            row += [count, percent]
        row += [
            results.issued,
            results.collected,
            results.valid,
            results.denominator,
            line.bracket.id if line.bracket else "",
            line.bracket.consequence_vi if line.bracket else "",
        ]
        writer.writerow(row)
    return output.getvalue()
