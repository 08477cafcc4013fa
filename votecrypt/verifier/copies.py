"""Check 23, copies (spec 16.2): the copy files of the single items (spec 15.1)."""

from __future__ import annotations

from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import SINGLE_ITEMS
from votecrypt.verifier.state import Verification

#: Files written for people beside the record; they are not part of what is verified.
PRESENTATIONS = ("results.html", "results.csv", "result-sheet.json")


def check_copies(v: Verification) -> None:
    """Check 23 (spec 15.1): each copy is byte for byte the canonical JSON of its entry and
    a newline. The presentations (sheets) are listed as not checked."""
    check = v.report["record-copies"]
    for kind in SINGLE_ITEMS:
        data = v.source.read(f"{kind}.json")
        if data is None:
            continue
        check.checked += 1
        if kind not in v.singles:
            check.fail(f"{kind}.json has no {kind} entry in the log")
        elif data != canonical_json(v.singles[kind]) + b"\n":
            check.fail(f"{kind}.json differs from the {kind} entry of the log")
    v.report.unchecked = [name for name in PRESENTATIONS if v.source.read(name) is not None]
