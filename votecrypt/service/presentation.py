"""Writing the result sheet as files beside the record (spec 13.6): HTML and CSV."""

from __future__ import annotations

from pathlib import Path

from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.results import ElectionResults
from votecrypt.render.csv_sheet import render_csv
from votecrypt.render.html_sheet import render_html
from votecrypt.render.sheet import SheetHeading
from votecrypt.storage.files import write_atomic


def write_result_sheets(
    results: ElectionResults, context: ElectionContext, folder: Path
) -> list[Path]:
    """results.html and results.csv in `folder`; returns their paths."""
    manifest = context.manifest
    html = render_html(
        results,
        SheetHeading.of(manifest),
        blank_allowed=manifest.blank_allowed,
        election_hash=context.hash.hex(),
    )
    paths = [Path(folder) / "results.html", Path(folder) / "results.csv"]
    write_atomic(paths[0], html.encode("utf-8"))
    write_atomic(
        paths[1], render_csv(results, blank_allowed=manifest.blank_allowed).encode("utf-8")
    )
    return paths
