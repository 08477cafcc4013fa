"""The result sheets: terminal table, CSV and printable HTML (spec 13.6)."""

from __future__ import annotations

import csv
import io
import re

from election_helpers import VINH_PHUC

from votecrypt.protocol.results import compute_results
from votecrypt.protocol.rules import preset
from votecrypt.render.csv_sheet import render_csv
from votecrypt.render.html_sheet import render_html
from votecrypt.render.sheet import SheetHeading
from votecrypt.render.table import render_table

HEADING = SheetHeading("Lấy phiếu tín nhiệm", "Hội đồng nhân dân tỉnh Vĩnh Phúc", "2023-12-13")


def vinh_phuc(names: list[str] | None = None):  # type: ignore[no-untyped-def]
    rules = preset("nq96-2023")
    people = [(name, position) for name, position, _ in VINH_PHUC]
    if names:
        people = [(names[i] if i < len(names) else n, p) for i, (n, p) in enumerate(people)]
    counts = [
        {**dict(zip(rules.option_keys, row, strict=True)), "blank": 47 - sum(row)}
        for _, _, row in VINH_PHUC
    ]
    return compute_results(rules, people, counts, issued=47, collected=47, summoned=50, members=50)


def test_table_shows_counts_percentages_and_consequences() -> None:
    text = render_table(vinh_phuc(), HEADING, blank_allowed=True)
    assert "Lê Duy Thành" in text
    assert "53.19%" in text and "97.87%" in text
    assert "4. Lê Duy Thành: Quá nửa" in text
    assert "Phiếu thu về / collected: 47" in text


def test_csv_parses_back() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(vinh_phuc(), blank_allowed=True))))
    assert len(rows) == 5
    thanh = rows[3]
    assert (thanh["name"], thanh["low_count"], thanh["low_percent"], thanh["blank_count"]) == (
        "Lê Duy Thành",
        "25",
        "53.19",
        "1",
    )
    assert thanh["bracket"] == "resign-or-vote"
    assert rows[0]["bracket"] == ""


def test_html_is_self_contained_and_escapes_text() -> None:
    malicious = '<script>alert("x")</script><img src="http://evil.example/x.png">'
    html = render_html(vinh_phuc([malicious]), HEADING, blank_allowed=True, election_hash="ab" * 32)
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "http://" not in html.replace("&quot;http://evil.example", "")
    assert "<link" not in html and "@import" not in html
    assert html.count("<svg") == 5  # one bar per candidate
    assert "BIÊN BẢN KIỂM PHIẾU" in html and "53.19%" in html
