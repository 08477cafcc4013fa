"""What the sheet says and what it rests on (issue 23): one meaning of `valid` per person in
every format, the basis of a two-year consequence beside it, the quorum in words, the roles of
the counting board and the usual preamble, the time of the count fixed once (spec 13.6)."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from pathlib import Path

import click
import pytest
from votecrypt_cli.sheet_options import RESULT_TIME_FILE, count_time

from votecrypt.errors import FileError
from votecrypt.protocol.results import BLANK, ElectionResults, compute_results
from votecrypt.protocol.rules import PreviousResult
from votecrypt.record.rule_presets import preset
from votecrypt.render.csv_sheet import render_csv
from votecrypt.render.html_sheet import render_html
from votecrypt.render.json_results import render_json
from votecrypt.render.sheet import SheetDetails, SheetHeading, member_roles
from votecrypt.render.table import render_table

HEADING = SheetHeading("Lấy phiếu tín nhiệm", "Quốc hội khóa XIII", "2013-06-10")
#: Vĩnh Phúc 2023 (DOMAIN.md): Lê Duy Thành 19 / 2 / 25 of 47, one line left blank.
THANH = {"high": 19, "medium": 2, "low": 25, BLANK: 1}


def _thanh() -> ElectionResults:
    return compute_results(
        preset("nq96-2023"), [("Lê Duy Thành", "Chủ tịch UBND tỉnh")], [THANH],
        issued=47, collected=47, summoned=50, members=50,
    )  # fmt: skip


def test_valid_has_one_meaning_per_name_in_every_format() -> None:
    """The CSV's `valid` was the ballots' 47 where the sheet's "Hợp lệ" said 46; then it was
    the person's 46 where the JSON's `valid` is the ballots' 47. Now a person's lines are
    `valid_lines` / "Hợp lệ, Valid lines" and `valid` is only ever the ballots' count."""
    results = _thanh()
    row = next(csv.DictReader(io.StringIO(render_csv(results, blank_allowed=True))))
    assert "valid" not in row  # the name that meant two things is in no CSV
    assert row["valid_lines"] == "46" and row["blank_count"] == "1"
    assert row["valid_ballots"] == "47"  # the ballots' count has its own name
    sheet = json.loads(render_json(results, HEADING))
    assert sheet["valid"] == 47 and sheet["collected"] == 47  # the JSON's `valid`: ballots
    assert not any("valid" in key for line in sheet["candidates"] for key in line)
    table = render_table(results, HEADING, blank_allowed=True)
    assert "Phiếu hợp lệ / valid ballots: 47" in table
    line = next(text for text in table.splitlines() if "Lê Duy Thành" in text)
    assert line.split()[line.split().index("tỉnh") + 1] == "46"  # the "Hợp lệ" column
    assert "Hợp lệ" in table and "Valid lines" in table  # never "Valid" alone: the JSON's
    html = render_html(results, HEADING, blank_allowed=True)
    assert "<th>Hợp lệ<div class=en>Valid lines</div></th>" in html
    assert "<td class=count>46</td>" in html
    assert "(valid ballots)</span>:</td><td><b>47</b>" in html


def _nq35_two_years() -> ElectionResults:
    # 2013: 260 of 493 deputies rated "low"; the year before, 250 of 496: both above half.
    return compute_results(
        preset("nq35-2012"),
        [("Nguyễn Văn A", "Bộ trưởng"), ("Trần Thị B", "Bộ trưởng")],
        [
            {"high": 140, "medium": 0, "low": 260, BLANK: 0},
            {"high": 390, "medium": 0, "low": 10, BLANK: 0},
        ],
        issued=400, collected=400, summoned=493, members=493,
        previous={"Nguyễn Văn A": PreviousResult({"low": 250}, 496)},
    )  # fmt: skip


def test_a_two_year_consequence_prints_last_years_count_and_d_beside_it() -> None:
    results = _nq35_two_years()
    assert results.candidates[0].bracket_id == "two-years-running"
    basis = 'Căn cứ lần lấy phiếu trước: 250 phiếu "Tín nhiệm thấp" trên D = 496'
    html = render_html(results, HEADING, blank_allowed=True)
    consequence = html.index("hai năm liên tiếp")
    assert html.index(escape(basis)) > consequence and "Nguyễn Văn A: " + escape(basis) in html
    assert escape('basis in the previous vote: 250 "Low confidence" of D = 496') in html
    table = render_table(results, HEADING, blank_allowed=True)
    assert table.index("Căn cứ lần lấy phiếu trước: 250") > table.index("hai năm liên tiếp")
    rows = list(csv.DictReader(io.StringIO(render_csv(results, blank_allowed=True))))
    assert (rows[0]["previous_low"], rows[0]["previous_denominator"]) == ("250", "496")
    assert (rows[1]["previous_low"], rows[1]["previous_denominator"]) == ("", "")
    assert list(rows[0]).index("previous_low") < list(rows[0]).index("bracket")
    # A rule set that never looks at the previous vote has no such column.
    assert "previous_low" not in render_csv(_thanh(), blank_allowed=True)


@pytest.mark.parametrize("present, met", [(56, True), (40, True), (39, False)])
def test_the_quorum_is_said_in_words(present: int, met: bool) -> None:
    results = compute_results(
        preset("nq96-2023"), [("A", "B")], [{"high": present, "medium": 0, "low": 0, BLANK: 0}],
        issued=present, collected=present, summoned=60, members=60,
    )  # fmt: skip
    html = render_html(results, HEADING, blank_allowed=True)
    table = render_table(results, HEADING, blank_allowed=True)
    for text in (html, table):
        assert f"Có mặt {present}/60 người được triệu tập" in text
        assert "3*" not in text and ">=" not in text
        if met:
            assert "đạt từ hai phần ba trở lên: đủ điều kiện tiến hành" in text
        else:
            assert "chưa đạt hai phần ba" in text


def test_the_signature_lines_carry_roles_and_the_sheet_opens_as_minutes_do() -> None:
    assert member_roles(("A", "B", "C", "D")) == [
        ("A", "Trưởng ban", "Head of the board"),
        ("B", "Thư ký", "Secretary"),
        ("C", "Ủy viên", "Member"),
        ("D", "Ủy viên", "Member"),
    ]
    assert [role for _, role, _ in member_roles(("A", "B"))] == ["Trưởng ban", "Ủy viên"]
    details = SheetDetails(
        place="Hội trường tỉnh",
        time="9 giờ 05 phút (UTC+07:00)",
        board_members=("An", "Bình", "Chi"),
    )
    html = render_html(_thanh(), HEADING, blank_allowed=True, details=details)
    assert (
        "Căn cứ Nghị quyết số 96/2023/QH15. Hôm nay, vào hồi 9 giờ 05 phút (UTC+07:00), ngày 10 "
        "tháng 6 năm 2013, tại Hội trường tỉnh, Ban kiểm phiếu gồm: An (trưởng ban); Bình (thư "
        "ký); Chi (ủy viên), đã tiến hành kiểm phiếu lấy phiếu tín nhiệm “Lấy phiếu tín nhiệm”."
    ) in html
    for role in ("TRƯỞNG BAN", "THƯ KÝ", "ỦY VIÊN"):
        assert f"<span class=role>{role}</span>" in html


def test_the_time_of_the_count_is_fixed_by_the_first_sheet(tmp_path: Path) -> None:
    assert count_time(tmp_path, "Asia/Ho_Chi_Minh", fix=False) == ""  # export only reads
    assert not (tmp_path / RESULT_TIME_FILE).exists()
    first = count_time(tmp_path, "Asia/Ho_Chi_Minh")
    stamp = (tmp_path / RESULT_TIME_FILE).read_text()
    assert first.endswith("(UTC+07:00)") and " giờ " in first
    assert count_time(tmp_path, "Asia/Ho_Chi_Minh") == first  # a rerun keeps the time
    assert (tmp_path / RESULT_TIME_FILE).read_text() == stamp
    (tmp_path / RESULT_TIME_FILE).write_text("2023-12-13T02:45:00Z\n")
    assert count_time(tmp_path, "Asia/Ho_Chi_Minh") == "9 giờ 45 phút (UTC+07:00)"
    assert count_time(tmp_path, "Europe/Paris") == "3 giờ 45 phút (UTC+01:00)"
    assert count_time(tmp_path, "Europe/Paris", fix=False) == "3 giờ 45 phút (UTC+01:00)"
    with pytest.raises(click.BadParameter, match="unknown time zone"):
        count_time(tmp_path, "Mars/Olympus")
    (tmp_path / RESULT_TIME_FILE).write_text("yesterday")
    with pytest.raises(FileError, match="does not hold a time"):
        count_time(tmp_path, "Asia/Ho_Chi_Minh")
