"""Writing the result sheet as files beside the record (spec 13.6, 13.7): a printable HTML
page, CSV, and the self-contained JSON sheet for applications that display results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from votecrypt.errors import BoardError, VotecryptError
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.results import ElectionResults
from votecrypt.record.election_codec import results_plain
from votecrypt.render.csv_sheet import CSV_ENCODING, render_csv
from votecrypt.render.html_sheet import render_html
from votecrypt.render.json_results import render_json
from votecrypt.render.sheet import VIETNAMESE, NumberFormat, SheetDetails, SheetHeading
from votecrypt.storage.board import BulletinBoard
from votecrypt.storage.files import write_atomic


def sheet_details(
    context: ElectionContext,
    *,
    decrypted_by: Sequence[int] = (),
    challenged: int | None = None,
    place: str = "",
    time: str = "",
    published_at: str = "",
) -> SheetDetails:
    """The facts printed on the sheet beside the results, from the context and the count."""
    manifest = context.manifest
    return SheetDetails(
        place=place,
        time=time,
        board_members=manifest.trustees,
        decrypted_by=tuple(f"{j}. {manifest.trustees[j - 1]}" for j in decrypted_by),
        challenged=challenged,
        fingerprint=context.fingerprint,
        published_at=published_at,
        quorum_override=manifest.quorum_override,
    )


def published_results(
    board: BulletinBoard, context: ElectionContext
) -> tuple[ElectionResults, tuple[int, ...]] | None:
    """The results entry of the board, recomputed from its counts and checked to be exactly
    what was published (spec 13.5), with the trustees who decrypted; None before `result`."""
    entry = next(board.entries_of("results"), None)
    if entry is None:
        return None
    payload = entry.payload
    try:
        collected = payload["collected"]
        decrypted_by = tuple(payload["decrypted_by"])
        rows = [
            [line["counts"].get(key, 0) for key in context.manifest.outcomes()]
            for line in payload["candidates"]
        ]
        results = context.results(rows, collected, issued=board.issued())
    except (KeyError, TypeError, AttributeError, VotecryptError) as exc:
        raise BoardError(f"the board's results entry cannot be read: {exc}") from None
    if results_plain(context.hash, results, decrypted_by) != payload:
        raise BoardError("the board's results entry does not follow from its counts")
    return results, decrypted_by


def write_result_sheets(
    results: ElectionResults,
    context: ElectionContext,
    folder: Path,
    *,
    fmt: NumberFormat = VIETNAMESE,
    details: SheetDetails | None = None,
) -> list[Path]:
    """results.html, results.csv and result-sheet.json in `folder`; returns their paths.
    The number format is the Vietnamese one unless given (spec 13.6)."""
    manifest = context.manifest
    heading = SheetHeading.of(manifest)
    details = details or sheet_details(context)
    html = render_html(
        results,
        heading,
        blank_allowed=manifest.blank_allowed,
        election_hash=context.hash.hex(),
        fmt=fmt,
        details=details,
    )
    folder = Path(folder)
    sheets = {
        folder / "results.html": html.encode("utf-8"),
        folder / "results.csv": render_csv(
            results, blank_allowed=manifest.blank_allowed, fmt=fmt
        ).encode(CSV_ENCODING),
        folder / "result-sheet.json": render_json(results, heading).encode("utf-8"),
    }
    for path, data in sheets.items():
        write_atomic(path, data)
    return list(sheets)


__all__ = ["published_results", "sheet_details", "write_result_sheets"]
