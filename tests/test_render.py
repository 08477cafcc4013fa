"""The renderers: terminal table, CSV, printable HTML and the JSON result sheet (spec 13.6-13.7).

The example is the Vĩnh Phúc People's Council vote of 13 Dec 2023 (DOMAIN.md), 47 ballots.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from votecrypt.errors import EncodingError
from votecrypt.protocol.results import BLANK, ElectionResults, compute_results
from votecrypt.protocol.rules import rule_set_to_plain
from votecrypt.record.election_codec import results_plain
from votecrypt.record.rule_presets import preset
from votecrypt.render import (
    SheetHeading,
    render_csv,
    render_html,
    render_json,
    render_table,
    results_from_json,
    sheet_from_json,
)
from votecrypt.render.json_results import sheet_plain
from votecrypt.render.text_width import clip, pad, width

SCHEMAS = Path(__file__).resolve().parent.parent / "spec" / "schema"
HEADING = SheetHeading(
    "Lấy phiếu tín nhiệm người giữ chức vụ do HĐND bầu",
    "Hội đồng nhân dân tỉnh Vĩnh Phúc",
    "2023-12-13",
)
#: Counts high / confidence / low; the remainder of 47 is blank.
VINH_PHUC = (
    ("Hoàng Thị Thúy Lan", "Chủ tịch HĐND tỉnh", (46, 0, 1)),
    ("Nguyễn Trung Hải", "Phó Chủ tịch HĐND tỉnh", (33, 8, 6)),
    ("Phạm Quang Nguyên", "Phó Chủ tịch HĐND tỉnh", (44, 3, 0)),
    ("Lê Duy Thành", "Chủ tịch UBND tỉnh", (19, 2, 25)),
    ("Vũ Việt Văn", "Phó Chủ tịch UBND tỉnh", (35, 9, 3)),
)
MALICIOUS = '<script>alert("x")</script><img src="http://evil.example/x.png">'


def vinh_phuc(first_name: str | None = None, rule_set_id: str = "nq96-2023") -> ElectionResults:
    rules = preset(rule_set_id)
    people = [(name, position) for name, position, _ in VINH_PHUC]
    if first_name is not None:
        people[0] = (first_name, people[0][1])
    counts = [
        {**dict(zip(rules.option_keys, row, strict=True)), BLANK: 47 - sum(row)}
        for _, _, row in VINH_PHUC
    ]
    return compute_results(rules, people, counts, issued=47, collected=47, summoned=50, members=50)


# Display width


def test_width_counts_columns_not_code_points() -> None:
    assert width("Nguyễn Thị Kim Ngân") == len("Nguyễn Thị Kim Ngân") == 19
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert len(decomposed) > 6 and width(decomposed) == 6  # combining marks take no column
    assert width("越南") == 4  # wide East Asian characters take two
    assert width(pad("Lê", 5)) == 5 and width(pad("越", 5, right=True)) == 5
    assert clip("Phó Chủ tịch Ủy ban nhân dân", 10) == "Phó Chủ t…" and width("Phó Chủ t…") == 10


# Terminal table


def test_table_has_bilingual_headers_numbers_and_consequences() -> None:
    text = render_table(vinh_phuc(), HEADING, blank_allowed=True)
    lines = text.splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("TT"))
    assert "Họ và tên" in lines[header] and "Tín nhiệm thấp" in lines[header]
    assert "Name" in lines[header + 1] and "Low confidence" in lines[header + 1]
    assert "Phiếu phát ra / issued: 47" in text and "Phiếu thu về / collected: 47" in text
    assert "Phiếu hợp lệ / valid ballots: 47" in text
    assert "Có mặt 47/50 người được triệu tập, đạt từ hai phần ba trở lên" in text
    thanh = next(line for line in lines if "Lê Duy Thành" in line)
    assert "25  53.19%" in thanh and "19  40.43%" in thanh and "1   2.13%" in thanh
    assert "4. Lê Duy Thành: Có quá nửa" in text and "may resign" in text
    assert text.endswith("\n")


def test_table_rows_align_by_display_width() -> None:
    names = ["Nguyễn Thị Kim Ngân", unicodedata.normalize("NFC", "Đặng Thị Ngọc Thịnh"), "王小明"]
    results = vinh_phuc(names[2])
    lines = render_table(results, HEADING, blank_allowed=True).splitlines()
    rows = [line for line in lines if re.match(r"^[1-5] ", line)]
    assert len(rows) == 5
    # Every row ends with the same right-aligned cells, so equal widths mean aligned columns.
    assert len({width(row) for row in rows}) == 1
    starts = {width(row[: row.index("Chủ tịch")]) for row in rows if "Phó" not in row}
    assert len(starts) == 1


def test_table_says_when_nobody_reaches_a_threshold() -> None:
    results = compute_results(
        preset("nq96-2023"),
        [("A", "")],
        [{"high": 3, "medium": 0, "low": 0, BLANK: 0}],
        issued=3,
        collected=3,
        summoned=3,
        members=3,
    )
    assert "No office holder reaches a threshold" in render_table(
        results, HEADING, blank_allowed=False
    )


# CSV


def test_csv_parses_back_with_the_csv_module() -> None:
    data = render_csv(vinh_phuc('Hoàng "Thúy", Lan'), blank_allowed=True).encode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(rows) == 5
    assert rows[0]["name"] == 'Hoàng "Thúy", Lan'
    thanh = rows[3]
    assert [thanh[k] for k in ("number", "name", "low_count", "low_percent", "blank_count")] == [
        "4",
        "Lê Duy Thành",
        "25",
        "53.19",
        "1",
    ]
    assert thanh["bracket"] == "resign-or-vote" and thanh["consequence_vi"].startswith("Có quá nửa")
    assert thanh["consequence_en"].startswith("More than half")
    assert rows[4]["medium_percent"] == "19.15"
    assert {row["denominator"] for row in rows} == {"47"}
    assert {row["denominator_kind"] for row in rows} == {"collected"}
    assert rows[0]["bracket"] == rows[0]["consequence_vi"] == ""


def test_csv_leaves_out_blank_when_not_allowed_and_unused() -> None:
    results = compute_results(
        preset("nq96-2023-vote"),
        [("A", "")],
        [{"confidence": 2, "no_confidence": 1, BLANK: 0}],
        issued=3,
        collected=3,
        summoned=3,
        members=3,
    )
    header = next(csv.reader(io.StringIO(render_csv(results, blank_allowed=False))))
    assert header[3:8] == [
        "valid_lines",
        "confidence_count",
        "confidence_percent",
        "no_confidence_count",
        "no_confidence_percent",
    ]
    assert "blank_count" not in header


# HTML


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parsed_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def test_html_is_a_self_contained_official_sheet() -> None:
    html = render_html(vinh_phuc(), HEADING, blank_allowed=True, election_hash="ab" * 32)
    for title in ("BIÊN BẢN KIỂM PHIẾU", "KẾT QUẢ LẤY PHIẾU TÍN NHIỆM", "Hội đồng nhân dân tỉnh"):
        assert title in html
    assert "ngày 13 tháng 12 năm 2023" in html
    for label in ("Số phiếu phát ra", "Số phiếu thu về", "Số phiếu hợp lệ", "ballots issued"):
        assert label in html
    for percent in ("97,87%", "53,19%", "19,15%", "2,13%"):  # the Vietnamese form by default
        assert percent in html
    assert "Có quá nửa đến dưới hai phần ba" in html and "More than half" in html
    assert "@page { size: A4" in html
    assert "http" not in html and "//" not in html.replace("<!--", "")
    tags = parsed_tags(html)
    assert not [t for t, a in tags if t in ("script", "link", "img", "iframe", "object")]
    assert not [a for _, a in tags if "src" in a or "href" in a]


def _bars(html: str) -> dict[str, list[tuple[str | None, int]]]:
    """Every bar's parts: {name: [(option key or None for the white rest, its count)]}."""
    bars = {}
    found = re.findall(r'<div class="bar" role="img" aria-label="([^"]*)">(.*?)</div>', html)
    for label, body in found:
        parts = re.findall(r'<span (?:[^>]*data-option="([^"]*)")?[^>]*flex-grow:(\d+)"', body)
        bars[label.split(" — ")[0]] = [(key or None, int(grow)) for key, grow in parts]
    return bars


def test_html_bars_are_integer_proportions_of_d() -> None:
    html = render_html(vinh_phuc(), HEADING, blank_allowed=True)
    bars = _bars(html)
    assert len(bars) == 5 and all(sum(n for _, n in parts) == 47 for parts in bars.values())
    assert bars["Lê Duy Thành"] == [("high", 19), ("medium", 2), ("low", 25), (BLANK, 1)]
    assert not re.search(r"flex-grow:\d*\.", html)


def test_html_bars_say_nothing_by_colour_alone() -> None:
    """WCAG 1.4.1: every option has its own pattern besides its colour, the legend shows
    the same pattern and colour with the option's name, and a bar's counts are in words."""
    html = render_html(vinh_phuc(), HEADING, blank_allowed=True)
    bar_parts = re.findall(r'class="p-(\w+)" data-option="(\w+)"', html)
    drawn = {key: pattern for pattern, key in bar_parts}
    legend = {
        key: pattern
        for pattern, key in re.findall(r'class="p-(\w+) swatch" data-option="(\w+)"', html)
    }
    assert bar_parts and drawn == legend and set(legend) == {"high", "medium", "low", BLANK}
    assert len(set(legend.values())) == 4  # four options, four patterns
    for pattern in legend.values():
        assert f".p-{pattern} " in html  # each pattern is drawn by the sheet's style
    assert 'aria-label="Lê Duy Thành — Tín nhiệm cao: 19; Tín nhiệm: 2; Tín nhiệm thấp: 25' in html
    vote = compute_results(
        preset("nq96-2023-vote"), [("A", "")], [{"confidence": 2, "no_confidence": 1, BLANK: 0}],
        issued=3, collected=3, summoned=3, members=3,
    )  # fmt: skip
    two = render_html(vote, HEADING, blank_allowed=False)
    patterns = re.findall(r'class="p-(\w+) swatch"', two)
    assert len(patterns) == len(set(patterns)) == 2


def test_html_escapes_a_malicious_name_and_heading() -> None:
    heading = SheetHeading(MALICIOUS, "Body & <b>Co</b>", "2023-12-13")
    html = render_html(vinh_phuc(MALICIOUS), heading, blank_allowed=True)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "Body &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    tags = parsed_tags(html)
    assert {t for t, _ in tags} <= {
        "html", "head", "meta", "title", "style", "body", "div", "br", "strong", "p", "h1",
        "h2", "span", "table", "thead", "tbody", "tr", "td", "th", "b", "small",
    }  # fmt: skip


def test_html_leaves_the_members_who_did_not_vote_white() -> None:
    results = compute_results(
        preset("nq85-2014"),
        [("Phùng Xuân Nhạ", "Bộ trưởng")],
        [{"high": 140, "medium": 194, "low": 137, BLANK: 4}],
        issued=475,
        collected=475,
        summoned=485,
        members=485,
    )
    html = render_html(results, HEADING, blank_allowed=False)
    parts = _bars(html)["Phùng Xuân Nhạ"]
    assert parts == [("high", 140), ("medium", 194), ("low", 137), (BLANK, 4), (None, 10)]
    assert "tổng số đại biểu" in html and "28,87%" in html and "40,00%" in html


# JSON result sheet


def test_json_is_canonical_and_has_no_floats() -> None:
    text = render_json(vinh_phuc(), HEADING)
    value = json.loads(text, parse_float=lambda s: pytest.fail(f"float {s}"))
    assert text == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    thanh = value["candidates"][3]
    assert thanh["percentages"] == {
        "high": "40.43",
        "medium": "4.26",
        "low": "53.19",
        "blank": "2.13",
    }
    assert thanh["hundredths"] == {"high": 4043, "medium": 426, "low": 5319, "blank": 213}
    assert thanh["counts"] == {"high": 19, "medium": 2, "low": 25, "blank": 1}
    assert thanh["bracket"] == "resign-or-vote"
    assert value["rule_set"] == rule_set_to_plain(preset("nq96-2023"))
    assert (value["denominator"], value["denominator_kind"], value["quorum_met"]) == (
        47,
        "collected",
        True,
    )


@pytest.mark.parametrize("rule_set_id", ["nq96-2023", "qd96-2023", "nq85-2014"])
def test_json_round_trips(rule_set_id: str) -> None:
    results = vinh_phuc(rule_set_id=rule_set_id)
    text = render_json(results, HEADING)
    assert results_from_json(text) == results
    assert sheet_from_json(text.encode("utf-8")) == (HEADING, results)
    pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    assert results_from_json(pretty) == results  # white space is not significant


def test_json_candidates_are_those_of_the_results_entry() -> None:
    results = vinh_phuc()
    entry = results_plain(bytes(32), results, (1, 2))
    assert sheet_plain(results, HEADING)["candidates"] == entry["candidates"]


def _tamper(change: Callable[[dict[str, Any]], object]) -> Callable[[], str]:
    def make() -> str:
        value = json.loads(render_json(vinh_phuc(), HEADING))
        change(value)
        return json.dumps(value, ensure_ascii=False)

    return make


def _thanh(value: dict[str, Any]) -> dict[str, Any]:
    candidate: dict[str, Any] = value["candidates"][3]
    return candidate


BASE = render_json(vinh_phuc(), HEADING)

BAD_SHEETS: dict[str, tuple[Callable[[], str], str]] = {
    "percentage": (_tamper(lambda v: _thanh(v)["percentages"].update(low="53.20")), "53.20"),
    "hundredths": (_tamper(lambda v: _thanh(v)["hundredths"].update(low=5320)), "hundredths"),
    "hundredths as text": (_tamper(lambda v: _thanh(v)["hundredths"].update(low="5319")), "low"),
    "bracket": (_tamper(lambda v: _thanh(v).update(bracket=None)), "bracket"),
    "invented bracket": (_tamper(lambda v: v["candidates"][0].update(bracket="dismissal")), "0]"),
    "count without its percentage": (
        _tamper(lambda v: _thanh(v)["counts"].update(low=24, blank=2)),
        "candidates[3].hundredths.blank: announced 213, recomputed 426",
    ),
    "counts that do not add up": (
        _tamper(lambda v: _thanh(v)["counts"].update(low=24)),
        "inconsistent",
    ),
    "negative count": (_tamper(lambda v: _thanh(v)["counts"].update(low=-1)), "counts.low"),
    "boolean quorum as integer": (_tamper(lambda v: v.update(quorum_met=1)), "quorum_met"),
    "quorum": (_tamper(lambda v: v.update(quorum_met=False)), "quorum_met"),
    "quorum inequality": (
        _tamper(lambda v: v.update(quorum_inequality="3*47 >= 2*50")),
        "quorum_inequality",
    ),
    "denominator": (_tamper(lambda v: v.update(denominator=50)), "denominator"),
    "denominator kind": (_tamper(lambda v: v.update(denominator_kind="members")), "kind"),
    "valid": (_tamper(lambda v: v.update(valid=46)), "valid"),
    "more collected than issued": (_tamper(lambda v: v.update(issued=46)), "inconsistent"),
    "unknown field": (_tamper(lambda v: v.update(signed_by="x")), "unknown field"),
    "unknown candidate field": (_tamper(lambda v: _thanh(v).update(note="")), "unknown field"),
    "missing field": (_tamper(lambda v: v.pop("valid")), "missing field 'valid'"),
    "missing blank count": (_tamper(lambda v: _thanh(v)["counts"].pop("blank")), "blank"),
    "extra count": (_tamper(lambda v: _thanh(v)["counts"].update(void=0)), "unknown field"),
    "wrong type": (_tamper(lambda v: v.update(type="votecrypt/results")), "sheet.type"),
    "wrong version": (_tamper(lambda v: v.update(version=2)), "version"),
    "bad rule set": (_tamper(lambda v: v["rule_set"].update(quorum="4/6")), "rule_set"),
    "rule set changed": (
        # Self-consistent sheets follow their own rule set: Thành's 25/47 would now be "dismissal".
        _tamper(lambda v: v["rule_set"]["brackets"][0]["when"][0].update(fraction="1/2")),
        "candidates[3].bracket: announced 'resign-or-vote', recomputed 'dismissal'",
    ),
    "name not NFC": (
        _tamper(lambda v: _thanh(v).update(name=unicodedata.normalize("NFD", "Lê Duy Thành"))),
        "candidates[3].name: the text is not in Unicode NFC",
    ),
    "float": (lambda: BASE.replace('"issued":47', '"issued":47.0'), "not an integer"),
    "duplicate key": (lambda: BASE.replace('"issued":47', '"issued":47,"issued":47'), "twice"),
    "not JSON": (lambda: BASE[:-1], "not valid JSON"),
}


@pytest.mark.parametrize("name", sorted(BAD_SHEETS))
def test_json_decoder_refuses_tampered_sheets(name: str) -> None:
    make, message = BAD_SHEETS[name]
    with pytest.raises(EncodingError, match=re.escape(message)):
        results_from_json(make())


def test_the_untampered_base_decodes() -> None:
    assert results_from_json(_tamper(lambda v: None)()) == vinh_phuc()


# Schemas (JSON Schema draft 2020-12)


def _validator(name: str) -> Draft202012Validator:
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.schema.json")]
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry)


def test_the_result_sheet_validates_against_its_schema() -> None:
    validator = _validator("result-sheet")
    for results in (vinh_phuc(), vinh_phuc(rule_set_id="nq85-2014")):
        validator.validate(json.loads(render_json(results, HEADING)))
    broken = json.loads(render_json(vinh_phuc(), HEADING))
    broken["candidates"][0]["percentages"]["high"] = 97.87
    assert list(validator.iter_errors(broken))


def test_the_results_entry_validates_against_its_schema() -> None:
    entry = results_plain(bytes(32), vinh_phuc(), (1, 3))
    _validator("results").validate(json.loads(json.dumps(entry)))


def test_party_votes_carry_the_party_heading() -> None:
    from votecrypt.protocol.results import compute_results
    from votecrypt.record.rule_presets import preset
    from votecrypt.render.html_sheet import render_html
    from votecrypt.render.sheet import SheetHeading

    heading = SheetHeading("Lấy phiếu tín nhiệm", "Tỉnh ủy", "2023-11-20")
    for rules_id, expected, absent in (
        ("qd96-2023", "ĐẢNG CỘNG SẢN VIỆT NAM", "CỘNG HÒA"),
        ("nq96-2023", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐẢNG CỘNG SẢN"),
    ):
        rules = preset(rules_id)
        counts = [{"high": 5, "medium": 3, "low": 1, "blank": 0}]
        results = compute_results(
            rules, [("A", "B")], counts, issued=9, collected=9, summoned=10, members=10
        )
        html = render_html(results, heading, blank_allowed=True)
        assert expected in html and absent not in html


# Number formats, the heading after the rule set, the quorum, the facts (spec 13.6)


def test_number_formats_keep_the_exact_hundredths() -> None:
    from votecrypt.render.sheet import NumberFormat

    comma_trim = NumberFormat(decimal_comma=True, trim_zeros=True)
    assert [comma_trim.percent(h) for h in (9010, 4000, 9787, 82, 0)] == [
        "90,1", "40", "97,87", "0,82", "0",
    ]  # fmt: skip
    assert NumberFormat(trim_zeros=True).percent(2887) == "28.87"
    assert NumberFormat(decimal_comma=True).percent(4000) == "40,00"
    assert NumberFormat().percent(None) == "—"


def test_every_output_follows_the_number_format() -> None:
    from votecrypt.render.csv_sheet import CSV_ENCODING
    from votecrypt.render.sheet import NumberFormat

    fmt = NumberFormat(decimal_comma=True, trim_zeros=True)
    results = vinh_phuc()
    assert "53,19%" in render_table(results, HEADING, blank_allowed=True, fmt=fmt)
    assert "53,19%" in render_html(results, HEADING, blank_allowed=True, fmt=fmt)
    text = render_csv(results, blank_allowed=True, fmt=fmt)
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[3]["low_percent"] == "53,19" and rows[0]["medium_percent"] == "0"
    assert text.encode(CSV_ENCODING).startswith(b"\xef\xbb\xbf")
    # The JSON sheet is for programs: one canonical form, always "53.19".
    assert '"53.19"' in render_json(results, HEADING)


def test_the_heading_follows_the_rule_set() -> None:
    results = compute_results(
        preset("nq96-2023-vote"),
        [("Nguyễn Văn A", "Bộ trưởng")],
        [{"confidence": 20, "no_confidence": 27, BLANK: 0}],
        issued=47, collected=47, summoned=50, members=50,
    )  # fmt: skip
    html = render_html(results, HEADING, blank_allowed=False)
    assert "KẾT QUẢ BỎ PHIẾU TÍN NHIỆM" in html and "LẤY PHIẾU" not in html
    assert "KẾT QUẢ BỎ PHIẾU TÍN NHIỆM" in render_table(results, HEADING, blank_allowed=False)
    assert "KẾT QUẢ LẤY PHIẾU TÍN NHIỆM" in render_html(vinh_phuc(), HEADING, blank_allowed=True)


def test_void_lines_are_called_invalid_and_valid_lines_are_shown_per_person() -> None:
    html = render_html(vinh_phuc(), HEADING, blank_allowed=True)
    assert "Không hợp lệ" in html and "Không đánh giá" not in html
    # Hoàng Thị Thúy Lan's counts add up to 47; Vũ Việt Văn's to 47 too; the others to 46:
    # the valid lines of a person are the lines marked for them.
    rows = re.findall(r"<tr><td class=number>(\d+)</td>.*?<td class=count>(\d+)</td>", html)
    assert [valid for _, valid in rows] == ["47", "47", "47", "46", "47"]


def test_below_the_quorum_the_sheets_announce_no_consequence() -> None:
    results = compute_results(
        preset("nq96-2023"),
        [("Nguyễn Văn A", "Bộ trưởng")],
        [{"high": 3, "medium": 5, "low": 25, BLANK: 0}],
        issued=33, collected=33, summoned=50, members=50,
    )  # fmt: skip
    from votecrypt.render.sheet import SheetDetails

    details = SheetDetails(quorum_override="Kỳ họp quyết định tiến hành")
    html = render_html(results, HEADING, blank_allowed=True, details=details)
    assert "KHÔNG ĐỦ SỐ NGƯỜI CÓ MẶT" in html and "class=notice" in html
    assert "Kỳ họp quyết định tiến hành" in html
    assert "miễn nhiệm" not in html and "(a)" not in html
    text = render_table(results, HEADING, blank_allowed=True, details=details)
    assert "QUORUM NOT MET: no consequence is announced." in text and "miễn nhiệm" not in text
    rows = list(csv.DictReader(io.StringIO(render_csv(results, blank_allowed=True))))
    assert rows[0]["bracket"] == rows[0]["consequence_vi"] == ""


def test_the_sheet_states_the_facts_of_the_count() -> None:
    from votecrypt.render.sheet import SheetDetails

    details = SheetDetails(
        place="Hội trường tỉnh",
        time="10:45",
        board_members=("Trần Văn Một", "Lê Thị Hai", "Phạm Văn Ba"),
        decrypted_by=("1. Trần Văn Một", "3. Phạm Văn Ba"),
        challenged=2,
        fingerprint="7K2Q-M9DX-3FAB-W0PC",
        published_at="https://example.gov.vn/record",
    )
    html = render_html(vinh_phuc(), HEADING, blank_allowed=True, details=details)
    assert "Hôm nay, vào hồi 10:45, ngày 13 tháng 12 năm 2023, tại Hội trường tỉnh" in html
    assert html.count("(Ký, ghi rõ họ tên)") == 3
    assert "1. Trần Văn Một, 3. Phạm Văn Ba" in html
    assert "7K2Q-M9DX-3FAB-W0PC" in html and "https://example.gov.vn/record" in html
    assert "(ballots challenged, not counted)</span>: 2" in html
    with pytest.raises(EncodingError, match="U\\+001B"):
        SheetDetails(place="Hội trường\x1b[2J")
