"""The web booth for anyone at the meeting: a voter who walks away is asked whether they are
still there and then forgotten; on a 390 px wide phone the code field shows the whole code,
codes never break across lines, buttons keep a normal height and nothing scrolls sideways.

Every screen, on a laptop and a phone, passes axe-core (pinned in package.json and
tests/js/axe-core.json) with no WCAG 2.2 A/AA violation. Screenshots of the phone screens
and the idle question are kept in tests/artifacts/.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LAPTOP,
    ROOT,
    Booth,
    Election,
    board_and_station,
)
from test_station_browser import PHONE

from votecrypt.protocol.manifest import BLANK

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Election, str]]:
    root = tmp_path_factory.mktemp("booth")
    election = Election(root)
    with board_and_station(root, election) as (_, url):
        yield election, url


@pytest.fixture()
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _set_idle(page: Any, idle: float, warning: float) -> None:
    """Shorten the booth's idle settings (read each time a wait starts)."""
    page.evaluate(
        """([idle, warning]) => {
          document.querySelector('meta[name="idle-seconds"]').content = String(idle);
          document.querySelector('meta[name="idle-warning-seconds"]').content = String(warning);
        }""",
        [idle, warning],
    )


def test_a_voter_who_walks_away_is_asked_then_forgotten(
    station: tuple[Election, str], browser: Any
) -> None:
    election, url = station
    booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "idle")
    page = booth.page
    # The shipped settings: a minute, then half a minute more.
    assert page.get_attribute('meta[name="idle-seconds"]', "content") == "60"
    assert page.get_attribute('meta[name="idle-warning-seconds"]', "content") == "30"
    assert page.is_hidden("#idle-warning")
    booth.enter_code(election.codes[5])
    booth.choose(["high", "low", BLANK, "medium", "high"])
    # Then a short wait (set after the choices, so that a slow machine cannot bring the
    # question in the middle of them), and a long warning, so that the voter's answer is
    # sure to come in time; a key restarts the wait with these settings.
    _set_idle(page, 0.5, 600)
    page.keyboard.press("Shift")
    page.wait_for_selector("#idle-warning", state="visible", timeout=30_000)
    assert "Are you still there?" in page.inner_text("#idle-warning")
    assert page.evaluate("document.activeElement.id") == "idle-continue"
    booth.shot("1-still-there")
    # The voter is there: their choices stay.
    _set_idle(page, 600, 600)
    page.click("#idle-continue")
    assert page.is_hidden("#idle-warning")
    booth.screen("choices")
    assert len(page.query_selector_all("#choices-list input:checked")) == 5
    # The voter walks away: asked, then forgotten; the code screen shows nothing of them.
    _set_idle(page, 0.5, 0.5)
    page.keyboard.press("Tab")  # any key restarts the wait, with the new settings
    page.wait_for_selector("#idle-warning", state="visible", timeout=30_000)
    booth.screen("code", timeout=30_000)
    assert page.is_hidden("#idle-warning")
    assert page.query_selector("#choices-list input") is None
    assert page.input_value("#code-input") == ""
    # A code typed and left is forgotten too.
    page.fill("#code-input", election.codes[5][:10])
    page.wait_for_selector("#idle-warning", state="visible", timeout=30_000)
    page.wait_for_selector("#idle-warning", state="hidden", timeout=30_000)
    assert page.input_value("#code-input") == ""
    # The code can still vote: nothing was sent for it.
    _set_idle(page, 600, 600)
    page.keyboard.press("Tab")
    booth.vote(election.codes[5], ["high", "low", BLANK, "medium", "high"])
    assert not [m for m in booth.console if m.startswith("error")], booth.console


def _layout(page: Any) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => {
              const box = (id) => document.getElementById(id).getBoundingClientRect();
              const lineHeight = (id) =>
                parseFloat(getComputedStyle(document.getElementById(id)).lineHeight);
              const buttons = [...document.querySelectorAll('.screen:not([hidden]) button')]
                .map((b) => [b.id, b.getBoundingClientRect().height,
                             b.scrollWidth <= b.clientWidth]);
              const wide = [...document.querySelectorAll('body *')]
                .filter((e) => e.getClientRects().length &&
                               e.getBoundingClientRect().right > window.innerWidth + 0.5)
                .map((e) => e.id || e.className || e.tagName);
              return {
                wide,
                pageWidth: document.documentElement.scrollWidth,
                viewport: window.innerWidth,
                buttons,
                fingerprint: [box('fingerprint').height, lineHeight('fingerprint'),
                              box('fingerprint').right],
                // The booth digest's groups (before " · votecrypt ...") on one line.
                digestLines: (() => {
                  const text = document.getElementById('booth-digest').firstChild;
                  const range = document.createRange();
                  range.setStart(text, 0);
                  range.setEnd(text, text.textContent.indexOf(' '));
                  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
                })(),
                tracking: ['decide-tracking', 'cast-tracking'].map((id) =>
                  [box(id).height, lineHeight(id), document.getElementById(id).scrollWidth,
                   document.getElementById(id).clientWidth, box(id).right]),
              };
            }"""
        )
    )


def _check_phone_screen(page: Any, name: str) -> dict[str, Any]:
    layout = _layout(page)
    assert layout["viewport"] == PHONE["width"], (name, layout)
    assert layout["pageWidth"] <= layout["viewport"] and not layout["wide"], (name, layout)
    for button, height, fits in layout["buttons"]:
        assert 40 <= height <= 110, (name, button, height)
        assert fits, (name, button)
    height, line, right = layout["fingerprint"]
    assert height < 1.5 * line and right <= PHONE["width"], (name, layout["fingerprint"])
    assert layout["digestLines"] == 1, (name, layout)
    return layout


def test_the_booth_fits_a_phone(station: tuple[Election, str], browser: Any) -> None:
    election, url = station
    booth = Booth(browser.new_context(viewport=PHONE, is_mobile=True).new_page(), url, "phone")
    page = booth.page
    _check_phone_screen(page, "code")
    # The whole code is in view in its field: 26 characters with the dashes.
    code = election.codes[4]
    assert len(code) == 26
    page.fill("#code-input", code)
    width = page.evaluate(
        "(() => { const i = document.getElementById('code-input'); "
        "return [i.scrollWidth, i.clientWidth]; })()"
    )
    assert width[0] <= width[1], width
    booth.shot("1-code")
    page.click("#code-submit")
    booth.choose(["high", "medium", "low", BLANK, "high"])
    _check_phone_screen(page, "choices")
    booth.shot("2-choices")
    page.click("#choices-submit")
    booth.screen("review")
    _check_phone_screen(page, "review")
    booth.shot("3-review")
    page.click("#review-encrypt")
    booth.screen("decide", timeout=60_000)
    layout = _check_phone_screen(page, "decide")
    height, line, scroll, client, right = layout["tracking"][0]
    assert height < 1.5 * line and scroll <= client and right <= PHONE["width"], layout
    booth.shot("4-tracking-code")
    booth.cast()
    layout = _check_phone_screen(page, "cast")
    height, line, scroll, client, right = layout["tracking"][1]
    assert height < 1.5 * line and scroll <= client and right <= PHONE["width"], layout
    booth.shot("5-cast")
    assert (ARTIFACTS / "booth-phone-4-tracking-code.png").exists()


AXE = json.loads((ROOT / "tests/js/axe-core.json").read_text(encoding="utf-8"))
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def test_axe_core_is_pinned() -> None:
    """Exactly one version in package.json, the lock file's integrity, this file's digest."""
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    locked = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    entry = locked["packages"]["node_modules/axe-core"]
    assert package["devDependencies"]["axe-core"] == AXE["version"] == entry["version"]
    assert entry["integrity"] == AXE["integrity"]


def _axe_source() -> str:
    """axe-core from node_modules, checked against its pinned version and digest."""
    path = ROOT / AXE["file"]
    if not path.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE["sha256"], "axe-core differs from its pin"
    package = json.loads((path.parent / "package.json").read_text(encoding="utf-8"))
    assert package["version"] == AXE["version"]
    return data.decode("utf-8")


def _violations(page: Any) -> list[tuple[str, list[str]]]:
    result = page.evaluate(
        "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", WCAG
    )
    return [(v["id"], [node["target"][0] for node in v["nodes"]][:5]) for v in result["violations"]]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_screen_passes_axe(
    station: tuple[Election, str], browser: Any, viewport: dict[str, int]
) -> None:
    election, url = station
    context = browser.new_context(viewport=viewport)
    # Loaded by the test, before the page's own scripts: the booth's policy allows no other.
    context.add_init_script(script=_axe_source())
    booth = Booth(context.new_page(), url, f"axe-{viewport['width']}")
    page = booth.page
    code = election.codes[3 if viewport is LAPTOP else 2]
    found = {"code": _violations(page)}
    page.fill("#code-input", code[:5])
    page.click("#code-submit")
    found["code-mistyped"] = _violations(page)
    booth.enter_code(code)
    booth.choose(["high", "medium", "low", BLANK, "high"])
    found["choices"] = _violations(page)
    page.click("#choices-submit")
    booth.screen("review")
    found["review"] = _violations(page)
    page.click("#review-encrypt")
    booth.screen("decide", timeout=60_000)
    found["decide"] = _violations(page)
    _set_idle(page, 0.5, 600)
    page.keyboard.press("Shift")
    page.wait_for_selector("#idle-warning", state="visible", timeout=30_000)
    found["idle-warning"] = _violations(page)
    _set_idle(page, 600, 600)
    page.click("#idle-continue")
    page.click("#decide-challenge")
    booth.screen("challenged")
    found["challenged"] = _violations(page)
    page.click("#challenged-again")
    booth.choose(["high", "medium", "low", BLANK, "high"])
    booth.review_and_encrypt()
    booth.cast()
    found["cast"] = _violations(page)
    assert {screen: v for screen, v in found.items() if v} == {}
