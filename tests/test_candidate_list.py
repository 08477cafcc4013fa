"""Candidate lists as counting boards have them: CSV saved by Excel in its several forms and
.xlsx workbooks; anything unreadable is one line saying what to do (spec 7.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main

from votecrypt.errors import FileError
from votecrypt.protocol.manifest import Candidate
from votecrypt.service.candidate_list import read_candidate_list

EXPECTED = (
    Candidate("Hoàng Thị Thúy Lan", "Chủ tịch HĐND tỉnh"),
    Candidate("Lê Duy Thành", "Chủ tịch UBND tỉnh"),
)
ROWS = [[c.name, c.position] for c in EXPECTED]


def _csv(rows: list[list[str]], separator: str) -> str:
    return "".join(separator.join(row) + "\r\n" for row in rows)


FORMS = {
    "utf-8, comma": (_csv(ROWS, ",").encode("utf-8"), "UTF-8 CSV, comma"),
    "utf-8 with BOM": (b"\xef\xbb\xbf" + _csv(ROWS, ",").encode("utf-8"), "UTF-8 CSV, comma"),
    "semicolon": (_csv(ROWS, ";").encode("utf-8"), "semicolon-separated"),
    "header row": (
        _csv([["Họ và tên", "Chức vụ"], *ROWS], ",").encode("utf-8-sig"),
        "header row skipped",
    ),
    "header, semicolon, number column": (
        _csv([["STT", "Họ và tên", "Chức vụ"], ["1", *ROWS[0]], ["2", *ROWS[1]]], ";").encode(),
        "semicolon-separated, header row skipped",
    ),
    "columns swapped under a header": (
        _csv([["Chức vụ", "Họ và tên"], *[row[::-1] for row in ROWS]], ",").encode(),
        "header row skipped",
    ),
    "number column without header": (
        _csv([["1", *ROWS[0]], ["2", *ROWS[1]]], ",").encode(),
        "comma",
    ),
    "utf-16 (Excel Unicode text), tab": (
        _csv([["Họ và tên", "Chức vụ"], *ROWS], "\t").encode("utf-16"),
        "UTF-16 CSV, tab-separated, header row skipped",
    ),
    "quoted comma in a position": (
        'Hoàng Thị Thúy Lan,Chủ tịch HĐND tỉnh\n"Lê Duy Thành","Chủ tịch UBND tỉnh"\n\n'.encode(),
        "comma",
    ),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_excel_saves_gives_the_same_list(tmp_path: Path, form: str) -> None:
    data, description = FORMS[form]
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    listed = read_candidate_list(path)
    assert listed.candidates == EXPECTED
    assert description in listed.description


def test_a_position_holding_the_separator_stays_whole(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text('Nguyễn Văn A,"Phó Chủ tịch, Trưởng ban"\nTrần Thị B,Ủy viên\n')
    assert read_candidate_list(path).candidates[0].position == "Phó Chủ tịch, Trưởng ban"


def test_names_only(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Nguyễn Văn A\nTrần Thị B\n")
    assert read_candidate_list(path).candidates == (
        Candidate("Nguyễn Văn A", ""),
        Candidate("Trần Thị B", ""),
    )


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_with_header_and_number_column(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "list.xlsx",
        [["STT", "Họ và tên", "Chức vụ"], [1, *ROWS[0]], [2.0, *ROWS[1]], [None, None, None]],
    )
    listed = read_candidate_list(path)
    assert listed.candidates == EXPECTED
    assert listed.description == "Excel workbook, header row skipped"


def test_xlsx_without_header(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "list.xlsx", [list(row) for row in ROWS])
    assert read_candidate_list(path).candidates == EXPECTED


UNREADABLE = {
    "unbalanced quote": (b'"A,BC,D\n', "quote is not closed"),
    "unbalanced quote mid-file": (b'A,B\n"C,D\nE,F\n', "quote is not closed"),
    "old Vietnamese encoding": ("Lê Văn A,Phó\n".encode("cp1258"), "not UTF-8"),
    "old .xls workbook": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    "broken .xlsx": (b"PK\x03\x04garbage", ".xlsx"),
    "too many columns": (b"A,B,C,D\nE,F,G,H\n", "columns"),
    "rows of different widths": (b"A,B\nC,D,E,F\n", "columns"),
    "terminal escape in a name": ("Nguyễn\x1b[2J,Chủ tịch\n".encode(), "U+001B"),
    "bidi override in a position": ("Nguyễn A,\u202eChủ tịch\n".encode(), "U+202E"),
    "NUL byte": (b"Nguyen\x00 A,X\n", "U+0000"),
    "over-long name": (b"A" * 100_000 + b",X\n", "characters long"),
    "empty": (b"\n\n", "no candidate"),
    "empty name": (b"Nguyen A,X\n,Y\n", "name is empty"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_lists_are_one_clear_error(tmp_path: Path, case: str) -> None:
    data, reason = UNREADABLE[case]
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    with pytest.raises(FileError, match=reason.replace("+", r"\+").replace(".", r"\.")):
        read_candidate_list(path)


def test_an_unbalanced_quote_is_never_a_candidate_called_a_bc_d(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text('"A,BC,D\n')
    with pytest.raises(FileError, match="save it"):
        read_candidate_list(path)


def _create(
    tmp_path: Path, candidates: Path, *extra: object, body: str = "HĐND tỉnh"
) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [
            "election", "create", str(tmp_path / "e"), "--title", "Lấy phiếu tín nhiệm",
            "--body", body, "--date", "2023-12-13", "--candidates", str(candidates),
            "--trustee", "A", "--trustee", "B", "--threshold", "1", "--ballots", "4",
            *map(str, extra),
        ],
    )  # fmt: skip
    return result.exit_code, result.output


def test_election_create_prints_the_parsed_list_back(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(FORMS["header, semicolon, number column"][0])
    code, output = _create(tmp_path, path)
    assert code == exit_codes.OK, output
    assert "header row skipped" in output
    assert "  1. Hoàng Thị Thúy Lan — Chủ tịch HĐND tỉnh" in output
    assert "  2. Lê Duy Thành — Chủ tịch UBND tỉnh" in output
    assert (
        "2 candidates; at most 4 ballots (the roll call sets how many are issued); "
        "key held by 2 trustees, any 1 of whom" in output
    )


@pytest.mark.parametrize("case", ["unbalanced quote", "old Vietnamese encoding", "NUL byte"])
def test_election_create_refuses_unreadable_lists_with_exit_3(tmp_path: Path, case: str) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(UNREADABLE[case][0])
    code, output = _create(tmp_path, path)
    assert code == exit_codes.BAD_INPUT
    assert output.count("error:") == 1 and "Traceback" not in output
    assert not (tmp_path / "e").exists()


def test_election_create_refuses_below_the_quorum_unless_overridden(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(FORMS["utf-8, comma"][0])
    code, output = _create(tmp_path, path, "--summoned", "7")
    assert code == exit_codes.BAD_INPUT and "below the quorum of 2/3" in output
    assert not (tmp_path / "e").exists()
    code, output = _create(tmp_path, path, "--summoned", "7", "--quorum-override", "Kỳ họp quyết")
    assert code == exit_codes.OK, output
    assert "recorded reason: Kỳ họp quyết" in output


def test_previous_results_for_the_two_year_rule(tmp_path: Path) -> None:
    import json

    path = tmp_path / "list.csv"
    path.write_bytes(FORMS["utf-8, comma"][0])
    previous = tmp_path / "previous.csv"
    previous.write_text("name,low,denominator\nLê Duy Thành,250,493\nNgười đã nghỉ,1,493\n")
    # NQ 35's words are the National Assembly's (spec 13.3.2).
    arguments = ("--rules", "nq35-2012", "--members", "5", "--previous-results", previous)
    code, output = _create(tmp_path, path, *arguments, body="Quốc hội khóa XIII")
    assert code == exit_codes.OK, output
    assert "Previous vote recorded for 1 office holder" in output
    assert "not used from the previous results: Người đã nghỉ" in output
    manifest = json.loads((tmp_path / "e" / "manifest.json").read_text())
    assert manifest["previous"] == [
        {"name": "Lê Duy Thành", "counts": {"low": 250}, "denominator": 493}
    ]
    previous.write_text("name,lowest,denominator\nLê Duy Thành,250,493\n")
    code, output = _create(tmp_path, path, *arguments, body="Quốc hội khóa XIII")
    assert code == exit_codes.BAD_INPUT and "name,low,denominator" in output


# Whatever the file holds: a list of candidates whose texts pass spec 7.1, or one FileError.

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from votecrypt.protocol.text import text_problem  # noqa: E402

CELLS = st.text(alphabet=st.sampled_from('AbĐêệ ,;\t"\n\r\x00\x1b\u202e1\ufeff'), max_size=40)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=300),
        CELLS.map(lambda text: text.encode("utf-8")),
        CELLS.map(lambda text: text.encode("utf-16")),
    )
)
def test_any_file_gives_valid_candidates_or_one_file_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        listed = read_candidate_list(path)
    except FileError as exc:
        assert "\n" not in str(exc)
        return
    assert listed.candidates
    for candidate in listed.candidates:
        assert candidate.name and text_problem(candidate.name, max_length=200) is None
        assert text_problem(candidate.position, max_length=400) is None


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_unread(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (80 << 20))
    assert path.stat().st_size < (1 << 20)
    with pytest.raises(FileError, match="unpacks to"):
        read_candidate_list(path)


def test_previous_results_from_last_years_result_sheet(tmp_path: Path) -> None:
    from votecrypt.protocol.results import BLANK, compute_results
    from votecrypt.protocol.rules import PreviousResult
    from votecrypt.record.rule_presets import preset
    from votecrypt.render.json_results import render_json
    from votecrypt.render.sheet import SheetHeading
    from votecrypt.service.previous_results import read_previous_results

    rules = preset("nq35-2012")
    last_year = compute_results(
        rules,
        [("Lê Duy Thành", "Chủ tịch UBND tỉnh")],
        [{"high": 100, "medium": 140, "low": 250, BLANK: 3}],
        issued=493, collected=493, summoned=495, members=495,
    )  # fmt: skip
    path = tmp_path / "result-sheet.json"
    path.write_text(render_json(last_year, SheetHeading("T", "Quốc hội", "2012-06-10")))
    assert read_previous_results(path, rules) == [
        ("Lê Duy Thành", PreviousResult({"high": 100, "medium": 140, "low": 250}, 495))
    ]
    # A sheet whose numbers do not follow from its counts is refused.
    path.write_text(path.read_text().replace('"low":250', '"low":251', 1))
    with pytest.raises(FileError, match="not a valid result sheet"):
        read_previous_results(path, rules)


# Lists as offices keep them (issue 23): title rows, a blank row, a header, a total row.

ELEVEN = [
    (f"Nguyễn Văn {letter}", post)
    for letter, post in zip(
        "ABCDEFGHIKL",
        ["Chủ tịch HĐND tỉnh", "Phó Chủ tịch HĐND tỉnh", "Chủ tịch UBND tỉnh"] * 3
        + ["Trưởng Ban Pháp chế HĐND tỉnh", "Chánh Văn phòng"],
        strict=True,
    )
]


def _office_workbook(path: Path, footer: str | None = "Tổng cộng: 11 người") -> Path:
    """An .xlsx as a provincial office types it: two headings side by side, the list's title
    merged across the columns, a blank row, the header, 11 numbered rows and a total."""
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["HĐND TỈNH VĨNH PHÚC", None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append(["DANH SÁCH NGƯỜI ĐƯỢC LẤY PHIẾU TÍN NHIỆM"])
    sheet.merge_cells("A2:C2")
    sheet.append(["(Kèm theo Tờ trình số 12/TTr-HĐND ngày 01/12/2023)"])
    sheet.merge_cells("A3:C3")
    sheet.append([])
    sheet.append(["STT", "Họ và tên", "Chức vụ"])
    for number, (name, post) in enumerate(ELEVEN, start=1):
        sheet.append([number, name, post])
    if footer is not None:
        sheet.append([footer])
        sheet.merge_cells(f"A{sheet.max_row}:C{sheet.max_row}")
    workbook.save(path)
    return path


def test_an_office_workbook_with_titles_and_a_total_row_gives_eleven_names(tmp_path: Path) -> None:
    listed = read_candidate_list(_office_workbook(tmp_path / "list.xlsx"))
    assert [(c.name, c.position) for c in listed.candidates] == ELEVEN
    assert listed.description == (
        "Excel workbook, 3 title rows skipped, total row skipped, header row skipped"
    )


@pytest.mark.parametrize("footer", ["Tổng cộng: 11 người", "TỔNG SỐ: 11", "Cộng: 11 đồng chí"])
def test_a_total_row_is_never_candidate_twelve(tmp_path: Path, footer: str) -> None:
    listed = read_candidate_list(_office_workbook(tmp_path / "list.xlsx", footer))
    assert len(listed.candidates) == 11
    assert all(not c.name.casefold().startswith(("tổng", "cộng")) for c in listed.candidates)


def test_a_total_that_disagrees_with_the_list_is_refused(tmp_path: Path) -> None:
    path = _office_workbook(tmp_path / "list.xlsx", "Tổng cộng: 12 người")
    with pytest.raises(FileError, match="the total row says 12 but the list has 11 names"):
        read_candidate_list(path)


def test_an_unnumbered_row_under_a_numbered_list_is_refused(tmp_path: Path) -> None:
    path = _office_workbook(tmp_path / "list.xlsx", "Người lập danh sách")
    with pytest.raises(FileError, match="line 17: no number in the first column"):
        read_candidate_list(path)


def test_a_title_without_a_header_row_says_so(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "list.xlsx", [["DANH SÁCH NGƯỜI ĐƯỢC LẤY PHIẾU TÍN NHIỆM"], [], *ROWS])
    with pytest.raises(FileError, match="looks like a title; put a header row") as caught:
        read_candidate_list(path)
    assert "split by a separator" not in str(caught.value)


def test_election_create_reads_the_office_workbook(tmp_path: Path) -> None:
    code, output = _create(tmp_path, _office_workbook(tmp_path / "list.xlsx"))
    assert code == exit_codes.OK, output
    assert " 11. Nguyễn Văn L — Chánh Văn phòng" in output and " 12." not in output
    assert "3 title rows skipped, total row skipped" in output
