"""The previous vote's results, for rule sets with a condition on it (spec 7.1, 13.1).

NQ 35/2012 held a confidence vote every year and called a vote of confidence for anyone
rated low by more than half of all deputies two years running. The previous year's counts
are therefore an input of this year's results. They are fixed in the manifest before the key
ceremony (so every trustee sees them, the election id covers them and the verifier uses them)
and come from one of two files:

- last year's `result-sheet.json` written by votecrypt (decoded and recomputed strictly): the
  counts of every option and D of every office holder listed in it; or
- a CSV file with a header row `name,<option key>...,denominator`, e.g.
  `name,low,denominator` then `Nguyễn Văn A,250,493`, for a vote held on paper.

Office holders absent from the file have no previous result: a condition on the previous
vote does not hold for them. Names must match this year's list exactly (after NFC).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from votecrypt.errors import EncodingError, FileError
from votecrypt.math.encoding import nfc
from votecrypt.protocol.rules import PreviousResult, RuleSet
from votecrypt.render.json_results import sheet_from_json
from votecrypt.storage.files import read_file

MAX_BYTES = 4 << 20


def read_previous_results(path: Path, rules: RuleSet) -> list[tuple[str, PreviousResult]]:
    """(name, previous result) pairs from a result sheet (.json) or a CSV file."""
    path = Path(path)
    data = read_file(path, what="previous results", max_bytes=MAX_BYTES)
    if data.lstrip().startswith(b"{"):
        try:
            _, results = sheet_from_json(data)
        except EncodingError as exc:
            raise FileError(f"{path} is not a valid result sheet: {exc}") from None
        return [
            (line.name, PreviousResult(dict(line.counts), results.denominator))
            for line in results.candidates
            if results.denominator > 0
        ]
    return _from_csv(path, data, rules)


def _from_csv(path: Path, data: bytes, rules: RuleSet) -> list[tuple[str, PreviousResult]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError(f"{path} is not UTF-8 text; save it as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = [[cell.strip() for cell in row] for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise FileError(f"{path}, line {reader.line_num}: {exc}") from None
    if not rows:
        raise FileError(f"{path} is empty")
    header, body = rows[0], rows[1:]
    keys = [key for key in header[1:-1]]
    if (
        len(header) < 3
        or header[0] != "name"
        or header[-1] != "denominator"
        or not set(keys) <= set(rules.option_keys)
    ):
        raise FileError(
            f"{path}: the header must be name,<option>...,denominator with options among "
            f"{', '.join(rules.option_keys)} (e.g. name,low,denominator)"
        )
    previous = []
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise FileError(f"{path}, row {number}: {len(row)} columns, expected {len(header)}")
        try:
            values = [int(cell) for cell in row[1:]]
        except ValueError:
            raise FileError(f"{path}, row {number}: counts must be whole numbers") from None
        counts = dict(zip(keys, values[:-1], strict=True))
        previous.append((nfc(row[0]), PreviousResult(counts, values[-1])))
    return previous
