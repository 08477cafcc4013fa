"""A second reading of spec 16, independent of the verifier: every election vector's failed
and skipped lists are derived from the tables of spec 16.1 (values, what each check needs),
16.2 (the checks) and 16.6 (each case's fault) and the rules of 16.1, and compared with
spec/vectors/election/expected.json. Nothing here imports votecrypt: the lists follow from
the text, so the vectors cannot drift back to what the code happens to do."""

from __future__ import annotations

import io
import json
import re
import tarfile
import unicodedata
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "spec" / "16-verification.md").read_text(encoding="utf-8")
ELECTION = ROOT / "spec" / "vectors" / "election"
EXPECTED = json.loads((ELECTION / "expected.json").read_text(encoding="utf-8"))


def _table(heading: str) -> list[list[str]]:
    """The rows of the first table after `heading`, as lists of cell texts."""
    start = TEXT.index(heading)
    rows = []
    for line in TEXT[start:].splitlines()[1:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # past the header and the rule


def _names(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


CHECKS = {int(row[0]): row[1].strip("`") for row in _table("## 16.2 The checks")}
VALUE_NEEDS = {row[0].strip("`"): _names(row[2]) for row in _table("Table 16.1a")}
RUNS_ONCE = {int(row[0]): _names(row[1]) for row in _table("Table 16.1b")}
CHECK_NEEDS = {int(row[0]): _names(row[2]) for row in _table("Table 16.1b")}
FAULTS = {
    row[0].strip("`"): ({int(n) for n in row[2].split()}, _names(row[3]))
    for row in _table("## 16.6 The faults of the election vectors")
}


def _missing(removed: set[str]) -> set[str]:
    """The values that do not exist: those removed and those that need one (16.1a)."""
    missing = set(removed)
    while True:
        more = {v for v, needs in VALUE_NEEDS.items() if needs & missing} - missing
        if not more:
            return missing
        missing |= more


def _log(path: Path) -> bytes:
    if path.is_dir():
        return (path / "log.jsonl").read_bytes()
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith("log.jsonl"))
            return archive.read(name)
    with tarfile.open(fileobj=io.BytesIO(path.read_bytes())) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("log.jsonl"))
        data = archive.extractfile(member)
        assert data is not None
        return data.read()


def _kinds(path: Path) -> set[str]:
    """The kinds of the entries of the log: a line that does not decode (here: not JSON, or
    text not in NFC, 15.2) has no entry (16.1)."""
    kinds = set()
    for line in _log(path).splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if _all_nfc(entry):
            kinds.add(entry["kind"])
    return kinds


def _all_nfc(value: object) -> bool:
    if isinstance(value, str):
        return unicodedata.is_normalized("NFC", value)
    if isinstance(value, list):
        return all(_all_nfc(item) for item in value)
    if isinstance(value, dict):
        return all(_all_nfc(key) and _all_nfc(item) for key, item in value.items())
    return True


def derive(case: str, path: Path) -> tuple[list[str], list[str], str]:
    """Failed and skipped checks and the verdict, by the rules of spec 16.1."""
    direct, removed = FAULTS.get(case, (set(), set()))
    missing = _missing(removed)
    kinds = _kinds(path)
    failed, skipped = set(), set()
    for number, name in CHECKS.items():
        reached = not RUNS_ONCE[number] or bool(RUNS_ONCE[number] & kinds)
        if number in (17, 18) and not kinds & {"decryption-share", "results"}:
            reached = False  # rule 1: no share and no results yet
        if number == 18 and "S" in missing and "results" not in kinds:
            reached = False  # rule 1: fewer than t valid shares and no results yet
        if not reached:
            skipped.add(name)
        elif number in direct or CHECK_NEEDS[number] & missing:
            failed.add(name)  # the fault, or rule 3
    verdict = "not verified" if failed else "verified so far" if skipped else "verified"
    return sorted(failed), sorted(skipped), verdict


def _cases() -> dict[str, dict[str, object]]:
    return {
        "record": EXPECTED["record"],
        **EXPECTED["records"],
        **EXPECTED["tampered"],
        **EXPECTED["prefixes"],
    }


def test_the_tables_are_complete() -> None:
    assert sorted(CHECKS) == list(range(1, 25))
    assert sorted(RUNS_ONCE) == list(range(1, 25))
    used = set().union(*CHECK_NEEDS.values(), *VALUE_NEEDS.values())
    assert used <= set(VALUE_NEEDS)
    faulty = {**EXPECTED["tampered"], **EXPECTED["prefixes"]}
    assert set(FAULTS) == set(faulty), "every tampered case and prefix has one row in 16.6"


@pytest.mark.parametrize("case", sorted(_cases()))
def test_expected_lists_follow_from_the_text(case: str) -> None:
    expected = _cases()[case]
    failed, skipped, verdict = derive(case, ELECTION / str(expected["path"]))
    assert (failed, skipped, verdict) == (
        sorted(expected["failed"]),  # type: ignore[call-overload]
        sorted(expected["skipped"]),  # type: ignore[call-overload]
        expected["verdict"],
    )
