"""Every refusal the board or the station can give, said in the voter's words by the web
booth at a station (Debian's Chromium): the booth's own Vietnamese and English text for each
reason code (reasons.js, decision A.33), never the server's English message in a Vietnamese
sentence; a slip the counting board cancelled has its own words, from the real board. The
answers of the board are replaced in the browser (Playwright's routing) for every code the
API, the station and the booth's client can give. Screenshots: tests/artifacts/booth-reasons-*.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_booth_keyboard import CHOICES, browser, playwright, station
from test_browser import CHROMIUM, LAPTOP, Booth, Election

from votecrypt.web.errors import STATUS

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")

__all__ = ["browser", "playwright", "station"]  # the fixtures, shared with the keyboard tests

#: Reason codes the station answers with itself (votecrypt/web/station.py), and those the
#: booth's client names (lib/api.js), besides the board's (votecrypt/web/errors.py).
STATION_REASONS = {"station-not-ready", "unreachable", "forbidden", "not-found", "too-large"}
CLIENT_REASONS = {"unreachable", "receipt-mismatch", "record", "not-open"}
SERVER_MESSAGE = "The server's own English sentence, for operators only"


def _reasons(page: Any) -> dict[str, list[str]]:
    return dict(page.evaluate("import('./reasons.js').then((m) => m.REASONS)"))


def _vietnamese(page: Any, selector: str) -> str:
    """The element's text without its English part."""
    return str(
        page.evaluate(
            """(selector) => {
              const copy = document.querySelector(selector).cloneNode(true);
              copy.querySelectorAll('[lang="en"]').forEach((e) => e.remove());
              return copy.textContent.trim();
            }""",
            selector,
        )
    )


def _no_english_in(vi: str, en: str) -> None:
    words = {w for w in re.findall(r"[A-Za-z']{4,}", en)} - {"votecrypt"}
    assert not [w for w in re.findall(r"[A-Za-z']{4,}", vi) if w in words], (vi, en)
    assert re.search(r"[ạảãàáâậầấẩẫăắằặẳẵđêệềếểễôộồốổỗơớờợởỡưứừựửữ]", vi.lower()), vi


def test_every_refusal_is_said_in_the_voters_words(
    station: tuple[Election, str], browser: Any
) -> None:
    election, url = station
    booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "reasons")
    page = booth.page
    reasons = _reasons(page)
    # Every reason code the API, the station and the client can give has the booth's words.
    expected = set(STATUS) | STATION_REASONS | CLIENT_REASONS
    assert expected <= set(reasons), expected - set(reasons)
    assert "credential-cancelled" in STATUS
    for vi, en in reasons.values():
        _no_english_in(vi, en)

    # A refusal of the code, for each reason: the booth's text, never the server's message.
    answer: dict[str, Any] = {}
    page.route(
        "**/api/v1/credentials/*",
        lambda route: route.fulfill(
            status=answer["status"],
            content_type="application/json",
            body=json.dumps({"error": answer["reason"], "message": SERVER_MESSAGE}),
        ),
    )
    for reason in [*sorted(expected - {"station-not-ready"}), "station-not-ready", "a-new-one"]:
        answer.update(reason=reason, status=STATUS.get(reason, 503))
        page.fill("#code-input", election.codes[6])
        page.click("#code-submit")
        page.wait_for_function(
            "() => !document.getElementById('code-submit').disabled"
            " && !document.getElementById('code-message').textContent.startsWith('Đang')"
        )
        vi = _vietnamese(page, "#code-message")
        shown = page.inner_text("#code-message")
        if reason in reasons:
            assert vi == reasons[reason][0] and reasons[reason][1] in shown, (reason, shown)
        else:  # a code this booth does not know: still its own words, the code in English
            assert "Máy chủ từ chối" in vi and "(a-new-one)" in shown, shown
        assert SERVER_MESSAGE not in vi, reason
        assert (SERVER_MESSAGE in shown) == (reason == "station-not-ready"), (reason, shown)
        _no_english_in(vi, f"{SERVER_MESSAGE} {reason.replace('-', ' ')}")
    page.unroute("**/api/v1/credentials/*")
    booth.shot("code-refused")

    # A slip the counting board cancelled: the real board says so, in its own words.
    page.fill("#code-input", election.codes[0])
    page.click("#code-submit")
    page.wait_for_selector("#code-message:has-text('cancelled this code')")
    assert _vietnamese(page, "#code-message") == reasons["credential-cancelled"][0]
    assert "huỷ mã này" in reasons["credential-cancelled"][0]
    booth.shot("cancelled")

    # A ballot refused when cast: busy (the same ballot can be sent again), then cancelled.
    booth.enter_code(election.codes[6])
    booth.choose(CHOICES)
    booth.review_and_encrypt()
    page.route(
        "**/api/v1/ballots",
        lambda route: route.fulfill(
            status=503,
            content_type="application/json",
            headers={"retry-after": "1"},
            body=json.dumps({"error": "overloaded", "message": SERVER_MESSAGE}),
        ),
    )
    page.click("#decide-cast")
    page.wait_for_selector("#decide-message:has-text('busy')")
    vi = _vietnamese(page, "#decide-message")
    assert vi.startswith(reasons["overloaded"][0]) and "«Bỏ phiếu»" in vi
    assert SERVER_MESSAGE not in page.inner_text("#decide-message")
    booth.shot("cast-busy")
    page.unroute("**/api/v1/ballots")
    page.route(
        "**/api/v1/ballots",
        lambda route: route.fulfill(
            status=409,
            content_type="application/json",
            body=json.dumps({"error": "credential-cancelled", "message": SERVER_MESSAGE}),
        ),
    )
    page.click("#decide-cast")
    booth.screen("code")
    assert _vietnamese(page, "#code-message") == reasons["credential-cancelled"][0]
    page.unroute("**/api/v1/ballots")
    # Nothing was cast: the code still votes.
    booth.vote(election.codes[6], CHOICES)


def test_no_vietnamese_sentence_holds_a_server_message() -> None:
    """In the booth's code, a text that carries an error's (English) message is English."""
    static = Path(__file__).resolve().parent.parent / "votecrypt/web/static"
    for name in ("booth.js", "reasons.js"):
        source = (static / name).read_text(encoding="utf-8")
        literals = re.findall(r"`[^`]*`", source)
        carrying = [text for text in literals if "${error" in text or "${detail" in text]
        assert carrying, name if name == "booth.js" else None
        for text in carrying:
            assert not re.search(r"[ạảãàáâậầấẩẫăắằặẳẵđêệềếểễôộồốổỗơớờợởỡưứừựửữ]", text), text
