"""The result sheet as a real browser prints it: A4, at most two pages for 11 office holders,
table headers repeated on every page. Chromium prints it to PDF; the first page is kept as a
picture in tests/artifacts/ for a person to look at (skipped when Chromium is not installed;
CI installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from votecrypt.protocol.results import BLANK, compute_results
from votecrypt.record.rule_presets import preset
from votecrypt.render.html_sheet import render_html
from votecrypt.render.sheet import NumberFormat, SheetDetails, SheetHeading

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

#: People's Council of Ho Chi Minh City, 7 Dec 2023 (DOMAIN.md): 11 office holders, 81 voting;
#: the last two lines are changed so that the sheet shows both consequences.
HCMC = [
    (73, 6, 2), (67, 12, 2), (66, 12, 3), (66, 15, 0), (70, 9, 2), (69, 10, 2),
    (69, 12, 0), (64, 14, 3), (59, 17, 5), (20, 15, 46), (10, 10, 61),
]  # fmt: skip
POSTS = [
    "Chủ tịch Hội đồng nhân dân Thành phố",
    "Phó Chủ tịch Hội đồng nhân dân Thành phố",
    "Trưởng Ban Kinh tế - Ngân sách Hội đồng nhân dân Thành phố",
    "Chủ tịch Ủy ban nhân dân Thành phố",
    "Phó Chủ tịch Thường trực Ủy ban nhân dân Thành phố",
]


def eleven_office_holders(number: int = 11) -> str:
    """The sheet of HCMC 2023 (its first NUMBER office holders; up to 11)."""
    rules = preset("nq96-2023")
    people = [(f"Nguyễn Thị Phương Thảo Số {n}", POSTS[n % len(POSTS)]) for n in range(1, 12)]
    counts = [{"high": h, "medium": m, "low": low, BLANK: 81 - h - m - low} for h, m, low in HCMC]
    people, counts = people[:number], counts[:number]
    results = compute_results(
        rules, people, counts, issued=81, collected=81, summoned=95, members=95
    )
    details = SheetDetails(
        place="Hội trường Hội đồng nhân dân Thành phố Hồ Chí Minh",
        time="10 giờ 45 phút (UTC+07:00)",
        board_members=(
            "Trần Văn Một", "Lê Thị Hai", "Phạm Văn Ba", "Võ Thị Bốn", "Đặng Văn Năm",
        ),
        decrypted_by=("1. Trần Văn Một", "3. Phạm Văn Ba", "4. Võ Thị Bốn"),
        challenged=2,
        fingerprint="7K2Q-M9DX-3FAB-W0PC",
        published_at="https://hdnd.example.gov.vn/ket-qua/2023-12-07",
    )  # fmt: skip
    heading = SheetHeading(
        "Lấy phiếu tín nhiệm đối với người giữ chức vụ do Hội đồng nhân dân bầu",
        "Hội đồng nhân dân Thành phố Hồ Chí Minh khóa X",
        "2023-12-07",
    )
    return render_html(
        results,
        heading,
        blank_allowed=True,
        election_hash="ab" * 32,
        fmt=NumberFormat(decimal_comma=True),
        details=details,
    )


def _print(html_text: str, tmp_path: Path, name: str) -> tuple[Path, int]:
    """Print with Chromium to tests/artifacts/NAME.pdf; the PDF and its number of pages."""
    assert CHROMIUM is not None
    html = tmp_path / f"{name}.html"
    html.write_text(html_text, encoding="utf-8")
    pdf = tmp_path / f"{name}.pdf"
    subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", html.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy2(pdf, ARTIFACTS / f"{name}.pdf")
    shutil.copy2(html, ARTIFACTS / f"{name}.html")
    return pdf, _pages(pdf)


def _picture(pdf: Path, name: str, page: int = 1) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:  # the picture is for people; the page count is the test
        subprocess.run(
            [pdftoppm, "-png", "-r", "80", "-f", str(page), "-l", str(page),
             "-singlefile", str(pdf), str(ARTIFACTS / f"{name}-page{page}")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        assert (ARTIFACTS / f"{name}-page{page}.png").stat().st_size > 10_000


def _page_text(pdf: Path, page: int) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None
    return subprocess.run(
        [pdftotext, "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip


def _pages(pdf: Path) -> int:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
        match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
        assert match is not None
        return int(match[1])
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_eleven_office_holders_print_on_at_most_two_a4_pages(tmp_path: Path) -> None:
    pdf, pages = _print(eleven_office_holders(), tmp_path, "results-11")
    assert 1 <= pages <= 2, f"{pages} pages"
    # A4 is 595 x 842 points (Chromium writes 594.96 x 841.92).
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", pdf.read_bytes())
    assert boxes and all(abs(float(w) - 595) < 1 and abs(float(h) - 842) < 1 for w, h in boxes)
    for page in range(1, pages + 1):
        _picture(pdf, "results-11", page)


@pytest.mark.skipif(
    CHROMIUM is None or shutil.which("pdftotext") is None, reason="Chromium or poppler missing"
)
@pytest.mark.parametrize("number", [7, 8, 9, 10, 11])
def test_the_signature_lines_are_printed_with_the_last_rows(tmp_path: Path, number: int) -> None:
    """Nobody signs a page without results: the page of the signature lines also holds the
    last office holder's row (spec 13.6), whatever the length of the list."""
    pdf, pages = _print(eleven_office_holders(number), tmp_path, f"results-{number}")
    texts = [_page_text(pdf, page) for page in range(1, pages + 1)]
    signed = [n for n, text in enumerate(texts) if "CÁC THÀNH VIÊN BAN KIỂM PHIẾU" in text]
    assert len(signed) == 1, texts
    assert re.search(rf"Thảo Số {number}\b", texts[signed[0]]), texts
    if number == 11:
        _picture(pdf, "results-11-signatures", pages)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_credential_slips_print_six_to_an_a4_page(tmp_path: Path) -> None:
    from votecrypt.protocol.credentials import new_code
    from votecrypt.render.slips import render_slips

    heading = SheetHeading(
        "Lấy phiếu tín nhiệm đối với người giữ chức vụ do Hội đồng nhân dân bầu",
        "Hội đồng nhân dân tỉnh Vĩnh Phúc",
        "2023-12-13",
    )
    page = render_slips(
        heading,
        [new_code() for _ in range(17)],
        fingerprint="7K2Q-M9DX-3FAB-W0PC",
        booth_address="Phòng họp số 2, Trụ sở HĐND tỉnh",
    )
    pdf, pages = _print(page, tmp_path, "slips-17")
    assert pages == 3  # 6 + 6 + 5
    _picture(pdf, "slips-17")


#: What a provincial meeting prints on its slips: the vote's full title, the session and a
#: booth address that names the room and the station's web address (issue 23).
REALISTIC_SLIP = SheetHeading(
    "Lấy phiếu tín nhiệm đối với người giữ chức vụ do Hội đồng nhân dân tỉnh Vĩnh Phúc khóa "
    "XVII, nhiệm kỳ 2021-2026 bầu, tại kỳ họp thứ mười lăm",
    "Hội đồng nhân dân tỉnh Vĩnh Phúc khóa XVII, nhiệm kỳ 2021-2026 — Kỳ họp thứ 15",
    "2023-12-13",
)
REALISTIC_BOOTH = (
    "Hội trường tầng 3, Trụ sở HĐND tỉnh, máy số 1-5: https://bophieu.hdnd.vinhphuc.gov.vn/"
)


def _slips_page(count: int = 8) -> str:
    from votecrypt.protocol.credentials import new_code
    from votecrypt.render.slips import render_slips

    return render_slips(
        REALISTIC_SLIP,
        [new_code() for _ in range(count)],
        fingerprint="7K2Q-M9DX-3FAB-W0PC",
        booth_address=REALISTIC_BOOTH,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_nothing_on_a_realistic_slip_is_clipped(tmp_path: Path) -> None:
    """Every line of every slip is inside the slip as printed: the English line used to be
    cut off by the slip's fixed height (checked in the print layout, then printed)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    html = tmp_path / "slips.html"
    html.write_text(_slips_page(), encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
            page.emulate_media(media="print")
            page.goto(html.as_uri())
            overflow = page.evaluate(
                """() => [...document.querySelectorAll('.slip')].map(slip => {
                    const box = slip.getBoundingClientRect();
                    const last = slip.lastElementChild.getBoundingClientRect();
                    return {inside: last.bottom <= box.bottom - 2,
                            scroll: slip.scrollHeight - slip.clientHeight};
                })"""
            )
        finally:
            browser.close()
    assert overflow and all(s["inside"] and s["scroll"] <= 0 for s in overflow), overflow
    pdf, pages = _print(_slips_page(), tmp_path, "slips-realistic")
    assert pages == 2  # 6 + 2
    _picture(pdf, "slips-realistic")


def test_the_table_header_repeats_on_every_printed_page() -> None:
    html = eleven_office_holders()
    assert "<thead>" in html and "thead { display: table-header-group; }" in html
    assert "break-inside: avoid" in html


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_a_vote_below_the_quorum_prints_its_notice(tmp_path: Path) -> None:
    rules = preset("qd96-2023")
    counts = [
        {"high": 2, "medium": 1, "low": 9, BLANK: 0},
        {"high": 10, "medium": 2, "low": 0, BLANK: 0},
    ]
    results = compute_results(
        rules,
        [("Trần Văn Hòa", "Bí thư Đảng ủy"), ("Lý Thị Mai", "Phó Bí thư Đảng ủy")],
        counts,
        issued=12, collected=12, summoned=19, members=19,
    )  # fmt: skip
    html = render_html(
        results,
        SheetHeading("Lấy phiếu tín nhiệm", "Đảng ủy phường An Bình", "2026-12-10"),
        blank_allowed=True,
        details=SheetDetails(board_members=("A", "B", "C"), quorum_override="Theo quyết định"),
    )
    assert "sẽ bị miễn nhiệm" not in html
    pdf, pages = _print(html, tmp_path, "below-quorum")
    assert pages == 1
    _picture(pdf, "below-quorum")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_the_sheet_passes_axe_and_prints_its_patterns(tmp_path: Path) -> None:
    """WCAG 2.2 AA on the sheet as a page (axe-core, pinned: contrast included), and no
    information by colour alone on paper: every part of a bar is printed in its option's
    pattern, the legend's, besides its colour (WCAG 1.4.1)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_booth_at_the_meeting import WCAG, _axe_source

    html = eleven_office_holders()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content(html)
            page.add_script_tag(content=_axe_source())
            result = page.evaluate(
                "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", WCAG
            )
            violations = [
                (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            ]
            assert violations == []
            assert result["passes"] and any(p["id"] == "color-contrast" for p in result["passes"])
            page.emulate_media(media="print")
            drawn = page.evaluate(
                """() => [...document.querySelectorAll('[data-option]')].map((e) => {
                  const style = getComputedStyle(e);
                  return [e.dataset.option, e.classList.contains('swatch'),
                          style.backgroundImage, style.backgroundColor,
                          e.getBoundingClientRect().width];
                })"""
            )
        finally:
            browser.close()
    looks: dict[tuple[str, bool], set[tuple[str, str]]] = {}
    for option, swatch, image, colour, width in drawn:
        assert width > 0, option
        looks.setdefault((option, swatch), set()).add((image, colour))
    options = {option for option, swatch in looks if swatch}
    assert options == {"high", "medium", "low", BLANK}
    assert {option for option, swatch in looks if not swatch} == {"high", "medium", "low"}
    for option, swatch in looks:
        # One look per option, the same in the bars and the legend.
        assert looks[(option, swatch)] == looks[(option, True)], option
        assert len(looks[(option, swatch)]) == 1
    patterns = {next(iter(looks[(o, True)]))[0] for o in options}
    assert len(patterns) == 4  # four options, four patterns (solid is "none")
    assert sum("gradient" in pattern for pattern in patterns) == 3
