"""Writing the result sheet as files beside the record (spec 13.6, 13.7): a printable HTML
page, CSV, and the self-contained JSON sheet for applications that display results."""

from __future__ import annotations

from pathlib import Path

from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.results import ElectionResults
from votecrypt.render.csv_sheet import render_csv
from votecrypt.render.html_sheet import render_html
from votecrypt.render.json_results import render_json
from votecrypt.render.sheet import SheetHeading
from votecrypt.storage.files import write_atomic


def write_result_sheets(
    results: ElectionResults, context: ElectionContext, folder: Path
) -> list[Path]:
    """results.html, results.csv and result-sheet.json in `folder`; returns their paths."""
    manifest = context.manifest
    heading = SheetHeading.of(manifest)
    html = render_html(
        results,
        heading,
        blank_allowed=manifest.blank_allowed,
        election_hash=context.hash.hex(),
    )
    folder = Path(folder)
    sheets = {
        folder / "results.html": html,
        folder / "results.csv": render_csv(results, blank_allowed=manifest.blank_allowed),
        folder / "result-sheet.json": render_json(results, heading),
    }
    for path, text in sheets.items():
        write_atomic(path, text.encode("utf-8"))
    return list(sheets)
