"""Reading the list of office holders as counting boards have it (spec 7.1).

Accepted: CSV saved by Excel or any editor (UTF-8 with or without a byte-order mark, UTF-16
with its mark as Excel's "Unicode text" writes it; separated by commas, semicolons or tabs)
and Excel workbooks (.xlsx, the first sheet, read with openpyxl). One office holder per row:
name and position, optionally after a number column ("STT"). A header row such as
`Họ và tên,Chức vụ` is recognised and skipped, and then its column titles say which column
is which. Lists as offices keep them have title rows above the header ("DANH SÁCH NGƯỜI ĐƯỢC
LẤY PHIẾU TÍN NHIỆM", the body's and the State's headings) and a footer row under the names
("Tổng cộng: 11 người"): the rows above a header row within the first HEADER_SEARCH rows are
titles, skipped and counted in the description; a last row starting with a total's word
(FOOTER_WORDS) is skipped, and a number it states must be the number of names read. A row
under a numbered list ("STT") with no number of its own is refused, never taken as a name.

Whoever made the file may have made a mistake (or worse); the reader refuses rather than
guesses: an unbalanced quote, rows of different widths, text that is not UTF-8 or UTF-16,
an old binary .xls, control characters or over-long cells each raise `FileError` with one
line saying what to do. `election create` prints the parsed list back for the board to check.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from votecrypt.errors import FileError
from votecrypt.protocol.manifest import MAX_CANDIDATES, MAX_NAME, MAX_POSITION, Candidate
from votecrypt.protocol.text import text_problem
from votecrypt.storage.files import read_file

MAX_FILE_BYTES = 4 << 20
#: An .xlsx holding 500 names unpacks to well under a megabyte.
MAX_UNPACKED = 64 << 20
#: Rows read at most (blank rows included): a list has at most MAX_CANDIDATES names.
MAX_ROWS = 10 * MAX_CANDIDATES
SEPARATORS = {"\t": "tab", ";": "semicolon", ",": "comma"}
SAVE_AS = 'save it from Excel as "CSV UTF-8 (Comma delimited)" or as .xlsx'

#: Column titles of a header row, compared without case and diacritics.
NAME_TITLES = frozenset({"ho va ten", "ho ten", "ten", "name", "full name", "ho va ten nguoi"})
POSITION_TITLES = frozenset({"chuc vu", "chuc danh", "position", "post", "office", "title"})
NUMBER_TITLES = frozenset({"stt", "tt", "so tt", "so thu tu", "no", "no.", "number", "#"})
#: A header row is looked for among the first rows holding text (titles come above it).
HEADER_SEARCH = 12
#: The first words of a footer row, compared without case and diacritics.
FOOTER_WORDS = (
    "tong cong",
    "tong so",
    "cong:",
    "cong ",
    "total",
    "danh sach nay co",
    "danh sach co",
)
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class CandidateList:
    """The office holders read from a file and how the file was read (for the printout)."""

    candidates: tuple[Candidate, ...]
    #: e.g. "UTF-8 CSV, semicolon-separated, header row skipped"
    description: str


def read_candidate_list(path: Path) -> CandidateList:
    """Read a .csv/.txt or .xlsx candidate list; FileError says what is wrong and what to do."""
    path = Path(path)
    data = read_file(path, what="candidate list", max_bytes=MAX_FILE_BYTES)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(f"{path} is an old Excel .xls workbook; {SAVE_AS}")
    if data.startswith(b"PK\x03\x04"):
        rows, kind = _xlsx_rows(path, data), "Excel workbook"
    else:
        text, encoding = _decode(path, data)
        separator = _separator(path, text)
        rows = _csv_rows(path, text, separator)
        kind = f"{encoding} CSV, {SEPARATORS.get(separator, 'comma')}-separated"
    candidates, skipped = _candidates(path, rows)
    description = kind + (f", {skipped}" if skipped else "")
    return CandidateList(tuple(candidates), description)


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding, from the byte-order mark (UTF-8 without it)."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16"), "UTF-16"
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        raise FileError(
            f"{path} is not UTF-8 or UTF-16 text (perhaps an older Vietnamese encoding); {SAVE_AS}"
        ) from None


def _separator(path: Path, text: str) -> str:
    """The separator that gives every non-empty row the same number of columns, preferring
    tab, then semicolon, then comma; with none of them anywhere, one name per line."""
    widths: dict[str, set[int]] = {}
    for separator in SEPARATORS:
        if separator not in text:
            continue
        try:
            rows = _csv_rows(path, text, separator)
        except FileError:
            continue
        widths[separator] = {len(row) for row in rows if any(cell.strip() for cell in row)}
    consistent = [s for s, found in widths.items() if len(found) == 1 and max(found) >= 2]
    if consistent:
        return consistent[0]
    if widths:
        # Report the problem with the most likely separator: the one that splits the most.
        return max(widths, key=lambda s: max(widths[s], default=0))
    return ","


def _csv_rows(path: Path, text: str, separator: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise FileError(f"{path} has more than {MAX_ROWS} rows")
    except csv.Error as exc:
        raise FileError(
            f"{path}, line {reader.line_num}: {exc} (a quote is not closed or is misplaced); "
            f"{SAVE_AS}"
        ) from None
    return rows


def _xlsx_rows(path: Path, data: bytes) -> list[list[str]]:
    """The first worksheet's rows as text (numbers written without a trailing ".0")."""
    import openpyxl  # only needed for workbooks

    _check_unpacked_size(path, data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise FileError(f"{path} cannot be read as an .xlsx workbook ({exc}); {SAVE_AS}") from None
    except Exception as exc:  # openpyxl raises its own InvalidFileException and XML errors
        raise FileError(
            f"{path} cannot be read as an .xlsx workbook ({type(exc).__name__}); {SAVE_AS}"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in values])
            if len(rows) > MAX_ROWS:
                raise FileError(f"{path} has more than {MAX_ROWS} rows")
        return rows
    finally:
        workbook.close()


def _check_unpacked_size(path: Path, data: bytes) -> None:
    """A workbook is a zip archive: refuse one that unpacks to more than MAX_UNPACKED bytes
    (a "zip bomb" would exhaust memory before any row is read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileError(f"{path} cannot be read as an .xlsx workbook; {SAVE_AS}") from None
    if unpacked > MAX_UNPACKED:
        raise FileError(
            f"{path} unpacks to {unpacked} bytes, far more than a list of names; {SAVE_AS}"
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(text: str) -> str:
    """Lower case without diacritics, for recognising column titles ("Họ và tên" -> "ho va
    ten")."""
    decomposed = unicodedata.normalize("NFD", text.strip().casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _candidates(path: Path, rows: Sequence[Sequence[str]]) -> tuple[list[Candidate], str]:
    """Candidates from rows (blank rows skipped): the columns from a header row when there
    is one (title rows above it skipped), otherwise [number,] name [, position]; a footer
    row of totals at the end is skipped. Returns the candidates and what was skipped."""
    numbered = [
        (line, [cell.strip() for cell in row])
        for line, row in enumerate(rows, start=1)
        if any(cell.strip() for cell in row)
    ]
    # Trailing empty cells (a spreadsheet's unused columns) are not columns.
    numbered = [(line, _trim(cells)) for line, cells in numbered]
    if not numbered:
        raise FileError(f"{path} holds no candidate")
    skipped = []
    titles = 0
    for index, (_, cells) in enumerate(numbered[:HEADER_SEARCH]):
        header = _header_columns(cells)
        if header is not None:
            titles, numbered = index, numbered[index + 1 :]
            break
    if titles:
        skipped.append(f"{titles} title row{'s' if titles > 1 else ''} skipped")
    numbered, footer = _footer(path, numbered)
    if header is not None:
        name_column, position_column, width, number_column = header
    else:
        _refuse_titles_without_header(path, numbered)
        name_column, position_column, width = _columns_by_shape(numbered)
        number_column = 0 if (name_column, width) == (1, 3) else None
    candidates = []
    for line, cells in numbered:
        if len(cells) > width:
            raise FileError(
                f"{path}, line {line}: {len(cells)} columns, expected at most {width} "
                f"(name, position); is a name or position split by a separator?"
            )
        cells = [*cells, *[""] * (width - len(cells))]
        if number_column is not None and not cells[number_column].isdigit():
            raise FileError(
                f"{path}, line {line}: no number in the first column ({cells[number_column]!r}) "
                "where every name above has one: if it is a total or a note, delete the row"
            )
        name = cells[name_column]
        position = cells[position_column] if position_column is not None else ""
        for what, text, limit in (("name", name, MAX_NAME), ("position", position, MAX_POSITION)):
            problem = text_problem(text, max_length=limit)
            if problem is not None:
                raise FileError(f"{path}, line {line}: the {what} {problem}")
        if not name:
            raise FileError(f"{path}, line {line}: the name is empty")
        candidates.append(Candidate(name, position))
    if len(candidates) > MAX_CANDIDATES:
        raise FileError(f"{path} lists {len(candidates)} candidates; at most {MAX_CANDIDATES}")
    if footer is not None:
        line, stated = footer
        if stated is not None and stated != len(candidates):
            raise FileError(
                f"{path}, line {line}: the total row says {stated} but the list has "
                f"{len(candidates)} names; correct the list or the total"
            )
        skipped.append("total row skipped")
    if header is not None:
        skipped.append("header row skipped")
    return candidates, ", ".join(skipped)


def _footer(
    path: Path, rows: list[tuple[int, list[str]]]
) -> tuple[list[tuple[int, list[str]]], tuple[int, int | None] | None]:
    """The rows without a last row of totals, and (its line, the number it states) if any."""
    if not rows:
        raise FileError(f"{path} holds no candidate under its header row")
    line, cells = rows[-1]
    first = _plain(next(cell for cell in cells if cell))
    if not first.startswith(FOOTER_WORDS):
        return rows, None
    numbers = [int(n) for cell in cells for n in _NUMBER.findall(cell)]
    return rows[:-1], (line, numbers[0] if len(numbers) == 1 else None)


def _refuse_titles_without_header(path: Path, rows: Sequence[tuple[int, list[str]]]) -> None:
    """A first row of one cell above rows of several is a title; without a header row the
    columns cannot be told apart, so say so rather than guess."""
    if len(rows) >= 2 and len(rows[0][1]) == 1 and all(len(c) >= 2 for _, c in rows[1:]):
        raise FileError(
            f"{path}, line {rows[0][0]}: {rows[0][1][0][:40]!r} looks like a title; put a "
            "header row (Họ và tên, Chức vụ) above the names, under the titles"
        )


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def _header_columns(cells: Sequence[str]) -> tuple[int, int | None, int, int | None] | None:
    """(name column, position column or None, width, number column or None) if `cells` is
    a header row."""
    titles = [_plain(cell).rstrip(":") for cell in cells]
    names = [i for i, title in enumerate(titles) if title in NAME_TITLES]
    if not names:
        return None
    positions = [i for i, title in enumerate(titles) if title in POSITION_TITLES]
    numbers = [i for i, title in enumerate(titles) if title in NUMBER_TITLES]
    return (
        names[0],
        positions[0] if positions else None,
        len(cells),
        numbers[0] if numbers else None,
    )


def _columns_by_shape(rows: Sequence[tuple[int, list[str]]]) -> tuple[int, int | None, int]:
    """Without a header: name only; name, position; or number, name, position when the first
    column counts 1, 2, 3, ..."""
    width = max(len(cells) for _, cells in rows)
    if width >= 3 and all(cells[0] == str(n) for n, (_, cells) in enumerate(rows, start=1)):
        return 1, 2, 3
    if width == 1:
        return 0, None, 1
    return 0, 1, 2
