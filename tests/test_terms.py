"""One name for a line left unmarked, everywhere (spec 13.6): the rule set's "phiếu không hợp
lệ". The web booth, the terminal booth, the CLI and the result sheet use the same texts, and
the booths say what the choice means before the voter reviews the ballot."""

from __future__ import annotations

import re
from pathlib import Path

from votecrypt.protocol.results import BLANK_LABELS, BLANK_MEANING

ROOT = Path(__file__).resolve().parent.parent
BOOTH = ROOT / "votecrypt" / "web" / "static" / "booth.js"
#: The names used for it before: none may come back anywhere a voter or a board reads.
RETIRED = ("Để trống", "Leave blank", "Không đánh giá", "Blank")


def _js_texts(name: str, script: Path = BOOTH) -> tuple[str, str]:
    """The {vi, en} texts of the JavaScript constant `name` in `script`."""
    source = script.read_text(encoding="utf-8")
    found = re.search(
        rf"const {name} = \{{\s*vi: '([^']*)',\s*en: '([^']*)',?\s*\}};", source, re.DOTALL
    )
    assert found, f"{name} not found in booth.js"
    return found.group(1), found.group(2)


def test_the_web_booth_uses_the_rule_sets_name_and_meaning() -> None:
    assert _js_texts("BLANK_LABEL") == BLANK_LABELS
    assert _js_texts("BLANK_MEANING") == BLANK_MEANING
    # The page that checks a challenged ballot on another device names it the same way.
    assert _js_texts("BLANK_LABEL", BOOTH.with_name("check.js")) == BLANK_LABELS


def test_the_name_is_the_rule_sets_phieu_khong_hop_le() -> None:
    assert BLANK_LABELS == ("Không hợp lệ", "Invalid")
    vi, en = BLANK_MEANING
    assert "phiếu không hợp lệ" in vi and "thu về" in vi
    assert "invalid vote for that person only" in en and "collected" in en


def test_no_other_name_is_left_in_what_people_read() -> None:
    shipped = [
        *ROOT.joinpath("cli").glob("*.py"),
        *ROOT.joinpath("votecrypt").rglob("*.py"),
        *ROOT.joinpath("votecrypt", "web", "static").glob("*.js"),
        *ROOT.joinpath("votecrypt", "web", "static").glob("*.html"),
        ROOT / "docs" / "counting-board.md",
        ROOT / "docs" / "voting-stations.md",
        ROOT / "README.md",
    ]
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        for retired in RETIRED:
            assert not re.search(rf"(?<![\w-]){re.escape(retired)}(?![\w-])", text), (
                f"{path.relative_to(ROOT)} still says {retired!r}"
            )


def test_the_tracking_page_says_opened_for_checking_as_the_booth_does() -> None:
    """The check page (the voters' tracking page) names a challenged ballot with the words of
    the booth's screen after a challenge, in both languages."""
    booth = BOOTH.with_name("index.html").read_text(encoding="utf-8")
    check = BOOTH.with_name("check.js").read_text(encoding="utf-8")
    vi, en = "Phiếu đã được mở để kiểm tra", "The ballot was opened for checking"
    assert f'{vi} <span class="en" lang="en">{en}</span>' in booth
    assert f"'{vi}', '{en}'" in check
