"""The web booth as WCAG 2.2 AA asks, in Debian's Chromium through `votecrypt station`:

- a whole vote with the keyboard only (Tab, Shift+Tab, arrows, Space, Enter), from the code
  field to the receipt, a challenge on the way: focus always on something visible with a
  ring of 3:1 or more, every control named with its state for a screen reader (Chromium's
  accessibility tree), and axe-core with no violation at every screen;
- 200 % zoom: a 1280 px laptop at 200 % (640 CSS px), a phone with its text size at 200 %,
  and 320 CSS px (WCAG 1.4.10): no sideways scrolling and no clipped text on any screen;
- the phone's screens as short as they can be (heights in tests/artifacts/).

Screenshots go to tests/artifacts/booth-keys-*, booth-zoom-*, booth-short-*; refusals in the
voter's words are tests/test_booth_words.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from test_booth_at_the_meeting import WCAG, _axe_source, _set_idle
from test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LAPTOP,
    Booth,
    Election,
    board_and_station,
)
from test_station_browser import PHONE

from votecrypt.math import secp256k1
from votecrypt.protocol.manifest import BLANK

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")

CHOICES = ["high", "medium", "low", BLANK, "high"]
OPTIONS = ["high", "medium", "low", BLANK]  # in the booth's order


def _cancel_first_code(election: Election) -> None:
    """The counting board cancels the slip of code 0 and hands out a new one, code 6
    (spec 9.6). Each test votes with its own code: 1 keys, 2-4 zoom, 5 phone, 6 reasons."""
    from votecrypt.service.supplements import (
        endorse_supplement,
        prepare_supplement,
        publish_supplement,
        supplement_view,
    )
    from votecrypt.service.voting import load_board

    group = secp256k1()
    board, context = load_board(election.directory, group)
    try:
        added, supplement = prepare_supplement(
            election.directory, board, context, 1, [election.codes[0]], lambda issued: None
        )
        view = supplement_view(election.directory, group, supplement.number)
        for i in (1, 2):
            endorse_supplement(
                election.directory, view, election.secrets[i], election.passphrases[i], group,
                added=1, cancelled=1,
            )  # fmt: skip
        publish_supplement(election.directory, board, context, supplement.number)
        election.codes.append(added[0].code)  # the new slip: code 6
    finally:
        board.close_connection()


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Election, str]]:
    root = tmp_path_factory.mktemp("keys")
    election = Election(root)
    _cancel_first_code(election)
    with board_and_station(root, election) as (_, url):
        yield election, url


@pytest.fixture()
def playwright() -> Iterator[Any]:
    with sync_api.sync_playwright() as running:
        yield running


@pytest.fixture()
def browser(playwright: Any) -> Iterator[Any]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


# --- what a keyboard user and a screen reader get -------------------------------------------

#: The focused element, and whether a focus ring shows on it (or on the choice box holding a
#: radio): its outline style, width and colour, and its place in the viewport.
FOCUS = """() => {
  const element = document.activeElement;
  const holder = element.closest('.option') ?? element;
  const style = getComputedStyle(holder);
  const box = holder.getBoundingClientRect();
  return {
    id: element.id, tag: element.tagName, type: element.type ?? null,
    name: element.name ?? null, value: element.value ?? null,
    outline: [style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor],
    inView: box.top >= 0 && box.bottom <= window.innerHeight && box.width > 0,
    focusVisible: element.matches(':focus-visible'),
  };
}"""


def _luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _focus(page: Any) -> dict[str, Any]:
    """The focused element, asserting that a keyboard user sees where the focus is."""
    focus = dict(page.evaluate(FOCUS))
    assert focus["tag"] != "BODY", "the focus was lost"
    style, width, colour = focus["outline"]
    assert focus["focusVisible"] and style != "none" and width >= 2, focus
    # The ring against the white page: 3:1 or more (WCAG 1.4.11).
    assert (1.05) / (_luminance(colour) + 0.05) >= 3, focus
    assert focus["inView"], focus
    return focus


def _press(page: Any, key: str) -> dict[str, Any]:
    page.keyboard.press(key)
    return _focus(page)


INTERACTIVE = {"button", "radio", "textbox", "checkbox", "link", "combobox", "alertdialog"}


def _accessibility(page: Any) -> list[dict[str, Any]]:
    """Every control Chromium's accessibility tree exposes: role, name, states."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    controls = []
    for node in nodes:
        role = node.get("role", {}).get("value")
        if node.get("ignored") or role not in INTERACTIVE:
            continue
        properties = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        name = node.get("name", {}).get("value", "")
        description = node.get("description", {}).get("value", "")
        controls.append({"role": role, "name": name, "description": description, **properties})
    return controls


def _check_names_and_states(page: Any, screen: str) -> list[dict[str, Any]]:
    """Every control has a name; every radio says whether it is checked; what the page
    shows as checked or invalid is what the tree says."""
    controls = _accessibility(page)
    assert controls, screen
    for control in controls:
        assert control["name"].strip(), (screen, control)
        if control["role"] == "radio":
            assert control.get("checked") in ("true", "false"), (screen, control)
    radios = [c for c in controls if c["role"] == "radio"]
    checked = page.evaluate(
        "document.querySelectorAll('.screen:not([hidden]) input:checked').length"
    )
    assert sum(c["checked"] == "true" for c in radios) == checked, screen
    return controls


def _axe(page: Any) -> list[tuple[str, list[str]]]:
    result = page.evaluate(
        "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", WCAG
    )
    return [(v["id"], [node["target"][0] for node in v["nodes"]][:5]) for v in result["violations"]]


def _choose_row(page: Any, row: int, key: str) -> None:
    """On row `row`'s first radio (nothing chosen yet): Space, then arrows to `key`."""
    focus = _focus(page)
    assert (focus["name"], focus["value"]) == (f"row-{row}", OPTIONS[0]), focus
    page.keyboard.press("Space")
    for _ in range(OPTIONS.index(key)):
        focus = _press(page, "ArrowDown")
    assert (focus["name"], focus["value"]) == (f"row-{row}", key), focus
    assert page.is_checked(f"input[name='row-{row}'][value='{key}']")


def test_a_whole_vote_with_the_keyboard_only(station: tuple[Election, str], browser: Any) -> None:
    election, url = station
    context = browser.new_context(viewport=LAPTOP)
    context.add_init_script(script=_axe_source())
    booth = Booth(context.new_page(), url, "keys")
    page = booth.page
    found: dict[str, list[tuple[str, list[str]]]] = {}
    names: dict[str, list[dict[str, Any]]] = {}

    def screen(name: str, timeout: float = 30_000) -> None:
        booth.screen(name, timeout)
        found[name] = _axe(page)
        names[name] = _check_names_and_states(page, name)
        booth.shot(name)

    # The code: the field has the focus when the page opens.
    screen("code")
    assert _focus(page)["id"] == "code-input"
    textbox = next(c for c in names["code"] if c["role"] == "textbox")
    assert "Ballot code" in textbox["name"]
    page.keyboard.type(election.codes[1][:8])
    page.keyboard.press("Enter")  # too short: said, and the field says it is invalid
    assert _focus(page)["id"] == "code-input"
    assert page.get_attribute("#code-input", "aria-invalid") == "true"
    textbox = next(c for c in _accessibility(page) if c["role"] == "textbox")
    assert textbox.get("invalid") == "true", textbox
    for _ in range(8):
        page.keyboard.press("Backspace")
    page.keyboard.type(election.codes[1])
    page.keyboard.press("Enter")

    # The choices: one radio group per person, named by the person; arrows choose.
    screen("choices")
    groups = page.evaluate(
        "[...document.querySelectorAll('#choices-list fieldset')]"
        ".map((f) => f.getAttribute('aria-describedby'))"
    )
    assert groups[0] == "choices-instructions"  # what "Invalid" means, read with the first row
    for row, key in enumerate(CHOICES[:-1]):
        _choose_row(page, row, key)
        _press(page, "Tab")
    # A chosen level is told by more than its colour: the radio's dot, a thicker border.
    borders = page.evaluate(
        """() => [...document.querySelectorAll('.candidate[data-row="0"] .option')].map((o) =>
             [o.querySelector('input').checked, parseFloat(getComputedStyle(o).borderTopWidth)])"""
    )
    chosen = {width for checked, width in borders if checked}
    others = {width for checked, width in borders if not checked}
    assert len(chosen) == 1 and min(chosen) > max(others), borders
    # Sent with the last row left: refused, said in words, the focus on that row.
    assert _press(page, "Tab")["id"] == "choices-cancel"
    assert _press(page, "Tab")["id"] == "choices-submit"
    page.keyboard.press("Enter")
    assert "No choice yet for: 5" in page.inner_text("#choices-message")
    assert "Chưa chọn" in page.inner_text(".candidate[data-row='4'] legend")
    found["choices-missing"] = _axe(page)
    _choose_row(page, 4, CHOICES[4])
    assert page.query_selector(".candidate[data-row='4'] .missing-note") is None
    assert _press(page, "Tab")["id"] == "choices-cancel"
    assert _press(page, "Tab")["id"] == "choices-submit"
    page.keyboard.press("Enter")

    # The review: Shift+Tab to change, back on the first row's choice, the choices kept.
    screen("review")
    assert booth.review_choices() == CHOICES
    assert _focus(page)["id"] == "review-encrypt"
    assert _press(page, "Shift+Tab")["id"] == "review-back"
    page.keyboard.press("Enter")
    booth.screen("choices")
    focus = _focus(page)
    assert (focus["name"], focus["value"]) == ("row-0", CHOICES[0])
    for row in range(1, 5):  # Tab goes from each row's choice to the next row's
        focus = _press(page, "Tab")
        assert (focus["name"], focus["value"]) == (f"row-{row}", CHOICES[row])
    _press(page, "Tab")
    assert _press(page, "Tab")["id"] == "choices-submit"
    page.keyboard.press("Enter")
    booth.screen("review")
    page.keyboard.press("Enter")

    # The tracking code, then a challenge: Shift+Tab and Enter.
    screen("decide", timeout=60_000)
    assert _focus(page)["id"] == "decide-cast"
    cast = next(c for c in names["decide"] if c["role"] == "button" and "Cast" in c["name"])
    # On the button a screen reader lands on, the tracking code is read out with its name.
    assert page.inner_text("#decide-tracking") in cast["description"], cast
    assert _press(page, "Shift+Tab")["id"] == "decide-challenge"
    page.keyboard.press("Enter")
    screen("challenged")
    assert _focus(page)["id"] == "challenged-again"
    assert "matches" in page.inner_text("#challenged-check")
    page.keyboard.press("Enter")

    # Choose again, all by keys, and cast with Enter.
    booth.screen("choices")
    assert page.query_selector("#choices-list input:checked") is None
    for row, key in enumerate(CHOICES):
        _choose_row(page, row, key)
        _press(page, "Tab")
    assert _press(page, "Tab")["id"] == "choices-submit"
    page.keyboard.press("Enter")
    booth.screen("review")
    page.keyboard.press("Enter")
    booth.screen("decide", timeout=60_000)
    tracking = page.inner_text("#decide-tracking")
    page.keyboard.press("Enter")

    # The receipt: its tracking code, named for a screen reader, and Enter starts afresh.
    screen("cast")
    assert page.inner_text("#cast-tracking") == tracking
    assert _focus(page)["id"] == "cast-done"
    done = next(c for c in names["cast"] if c["role"] == "button")
    assert "Done" in done["name"] and tracking in done["description"], done
    assert page.inner_text("#cast-confirmation").strip()  # what the receipt proves, in words
    page.keyboard.press("Enter")
    booth.screen("code")
    assert _focus(page)["id"] == "code-input"

    # The idle question: its button takes the focus and Enter answers it.
    _set_idle(page, 0.5, 600)
    page.keyboard.type("ABC")
    page.wait_for_selector("#idle-warning", state="visible", timeout=30_000)
    assert _focus(page)["id"] == "idle-continue"
    found["idle-warning"] = _axe(page)
    _set_idle(page, 600, 600)
    # The question is modal: Tab and Shift+Tab stay on it; the page behind is inert.
    assert _press(page, "Tab")["id"] == "idle-continue"
    assert _press(page, "Shift+Tab")["id"] == "idle-continue"
    assert page.evaluate("document.querySelector('main').inert") is True
    controls = _accessibility(page)
    assert [c["role"] for c in controls] == ["alertdialog", "button"], controls
    page.keyboard.press("Enter")
    assert page.is_hidden("#idle-warning")
    # Back where the voter was, the typed characters kept.
    assert _focus(page)["id"] == "code-input"
    assert page.input_value("#code-input") == "ABC"
    assert page.evaluate("document.querySelector('main').inert") is False

    assert {name: v for name, v in found.items() if v} == {}
    assert not [m for m in booth.console if m.startswith("error")], booth.console


# --- 200 % zoom and reflow ------------------------------------------------------------------

#: Anything wider than the page, or text cut off by its box.
OVERFLOW = """() => {
  const page = document.documentElement;
  const width = page.clientWidth;
  const problems = [];
  if (page.scrollWidth > width) problems.push(['page', page.scrollWidth, width]);
  for (const element of document.querySelectorAll('body *')) {
    if (!element.getClientRects().length || element.closest('.visually-hidden, [hidden]')) continue;
    const box = element.getBoundingClientRect();
    const name = element.id || element.className || element.tagName;
    if (box.right > width + 0.5 || box.left < -0.5) {
      problems.push([name, 'outside', box.left, box.right]);
    }
    if (element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1) {
      problems.push([name, 'clipped', element.scrollWidth, element.clientWidth]);
    }
  }
  return problems;
}"""


def _no_overflow(page: Any, where: str) -> None:
    problems = page.evaluate(OVERFLOW)
    assert problems == [], f"{where}: {problems}"


def _every_screen(booth: Booth, code: str, check: Any) -> None:
    """Go through every screen, calling check(name) on each."""
    page = booth.page
    check("code")
    page.fill("#code-input", code[:5])
    page.click("#code-submit")
    check("code-mistyped")
    page.fill("#code-input", code)
    check("code-typed")
    page.click("#code-submit")
    booth.choose(CHOICES[:-1])
    page.click("#choices-submit")
    check("choices-missing")
    page.check(f"input[name='row-4'][value='{CHOICES[4]}']")
    page.click("#choices-submit")
    booth.screen("review")
    check("review")
    page.click("#review-encrypt")
    booth.screen("decide", timeout=60_000)
    check("decide")
    _set_idle(page, 0.5, 600)
    page.keyboard.press("Shift")
    page.wait_for_selector("#idle-warning", state="visible", timeout=30_000)
    check("idle-warning")
    _set_idle(page, 600, 600)
    page.click("#idle-continue")
    page.click("#decide-challenge")
    booth.screen("challenged")
    check("challenged")
    page.click("#challenged-again")
    booth.choose(CHOICES)
    booth.review_and_encrypt()
    booth.cast()
    check("cast")


@contextmanager
def _context(
    playwright: Any, browser: Any, profile: Path, viewport: dict[str, int], scale: int, text: int
) -> Iterator[Any]:
    """A browser context; with `text` other than 16, a browser whose text size setting (a
    phone's "font size", not a page zoom) is `text` px, set in its profile as a person
    sets it."""
    if text == 16:
        context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    else:
        (profile / "Default").mkdir(parents=True)
        webprefs = {"default_font_size": text, "default_fixed_font_size": text * 13 // 16}
        (profile / "Default" / "Preferences").write_text(
            json.dumps({"webkit": {"webprefs": webprefs}})
        )
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            viewport=viewport, device_scale_factor=scale,
        )  # fmt: skip
    try:
        yield context
    finally:
        context.close()


@pytest.mark.parametrize(
    ("name", "viewport", "scale", "text"),
    [
        ("laptop-200", {"width": 640, "height": 400}, 2, 16),  # 1280x800 at 200 %
        ("phone-text-200", PHONE, 3, 32),  # a 390 px phone with its text at 200 %
        ("320", {"width": 320, "height": 640}, 2, 16),  # WCAG 1.4.10's reflow width
    ],
)
def test_the_booth_reflows_at_200_percent(
    station: tuple[Election, str],
    playwright: Any,
    browser: Any,
    tmp_path: Path,
    name: str,
    viewport: dict[str, int],
    scale: int,
    text: int,
) -> None:
    election, url = station
    with _context(playwright, browser, tmp_path / "profile", viewport, scale, text) as context:
        page = context.new_page()
        booth = Booth(page, url, f"zoom-{name}")
        root = "parseFloat(getComputedStyle(document.documentElement).fontSize)"

        def check(screen: str) -> None:
            # The text really is that large, on every screen: 18 px at the usual 16 px.
            assert page.evaluate(root) == pytest.approx(text / 16 * 18, abs=0.5), screen
            booth.shot(screen)
            _no_overflow(page, f"{name} {screen}")

        code = election.codes[{"laptop-200": 2, "phone-text-200": 3, "320": 4}[name]]
        _every_screen(booth, code, check)


# --- the phone's page length ----------------------------------------------------------------

#: Page heights (CSS px) of each screen on a 390x844 phone, five office holders, before the
#: screens were made short (measured with this test on the earlier booth).
BEFORE = {"code": 919, "choices": 3144, "review": 1408, "decide": 1261, "cast": 1179}


def test_the_phone_screens_are_short(station: tuple[Election, str], browser: Any) -> None:
    election, url = station
    page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    booth = Booth(page, url, "short")
    heights: dict[str, int] = {}

    def measure(name: str) -> None:
        heights[name] = int(page.evaluate("document.documentElement.scrollHeight"))
        booth.shot(name)

    measure("code")
    booth.enter_code(election.codes[5])
    booth.choose(CHOICES)
    measure("choices")
    rows = page.evaluate("document.getElementById('choices-list').getBoundingClientRect().height")
    per_row = rows / len(CHOICES)
    page.click("#choices-submit")
    booth.screen("review")
    measure("review")
    page.click("#review-encrypt")
    booth.screen("decide", timeout=60_000)
    measure("decide")
    booth.cast()
    measure("cast")
    screens = {name: round(height / PHONE["height"], 2) for name, height in heights.items()}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "booth-phone-heights.json").write_text(
        json.dumps(
            {"before": BEFORE, "after": heights, "screens": screens, "per_office_holder": per_row},
            indent=1,
        )
    )
    for name, height in heights.items():
        assert height < BEFORE[name], (name, height, BEFORE[name])
    # An office holder's four choices take under 40 % of the phone's height.
    assert per_row < 0.4 * PHONE["height"], per_row
