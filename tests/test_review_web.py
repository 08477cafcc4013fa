"""Review of the board server and the web booth as an attacker sees them: a board operator
serving an outcome of its own making, and a kiosk that keeps a voter's choices in the page
after the voter is done. (One client holding every connection of the server: see
tests/test_server_connections.py.)"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, LAPTOP, Booth, Election, server, sync_api

from votecrypt.math import secp256k1
from votecrypt.protocol.manifest import BLANK
from votecrypt.service.voting import close_voting, load_board

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")

__all__ = ["server"]  # the fixture, shared with test_browser

#: What `_traces` reads of a page that holds nothing of the last voter: no choice table, no
#: opened ballot, no tracking code, no code typed.
NOTHING_LEFT = {
    "choices": "",
    "review": "",
    "challenged": "",
    "challengedTracking": "",
    "challengedCheck": "",
    "decideTracking": "",
    "code": "",
    "dataChoice": "0",
}


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_booth_refuses_an_outcome_whose_keys_the_openings_do_not_give() -> None:
    """tests/js/review_web.test.mjs: an operator replaces the joint key (or a verification
    key) of the ceremony outcome by its own and recomputes the context hash, `open` and the
    fingerprint; envelopes, transcript hash and endorsements all still verify. The booth must
    re-derive the keys from the signed openings and refuse (spec 17.1)."""
    assert NODE is not None
    result = subprocess.run(
        [NODE, "--test", "--test-reporter=tap", "tests/js/review_web.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# pass 3" in result.stdout and "# fail 0" in result.stdout


def _traces(page: Any) -> dict[str, str]:
    """What the page still holds of a voter, hidden or not: the choice tables and lists, the
    tracking codes of encrypted or challenged ballots, the typed code."""
    return dict(
        page.evaluate(
            """() => ({
              choices: document.getElementById('choices-list').innerHTML,
              review: document.getElementById('review-list').innerHTML,
              challenged: document.getElementById('challenged-list').innerHTML,
              challengedTracking: document.getElementById('challenged-tracking').textContent,
              challengedCheck: document.getElementById('challenged-check').textContent,
              decideTracking: document.getElementById('decide-tracking').textContent,
              code: document.getElementById('code-input').value,
              dataChoice: String(document.querySelectorAll('[data-choice]').length),
            })"""
        )
    )


def _challenge_then_encrypt(booth: Booth, code: str, choices: list[str]) -> None:
    page = booth.page
    booth.enter_code(code)
    booth.choose(choices)
    booth.review_and_encrypt()
    page.click("#decide-challenge")
    booth.screen("challenged")
    page.click("#challenged-again")
    booth.choose(choices)
    booth.review_and_encrypt()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_after_a_cast_the_kiosk_holds_nothing_of_the_voter(server: tuple[Election, str]) -> None:
    """A voter challenges a ballot (its opened choices are the voter's), chooses again and
    casts. On the cast screen, which the next person may find, only the cast tracking code
    may remain: not the opened choices of the challenge, nor any other trace."""
    election, url = server
    choices = ["high", "medium", "low", BLANK, "high"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "review-cast")
            _challenge_then_encrypt(booth, election.codes[0], choices)
            tracking = booth.cast()
            traces = _traces(booth.page)
            assert traces == NOTHING_LEFT, traces
            assert booth.page.inner_text("#cast-tracking") == tracking
        finally:
            browser.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_a_refused_cast_leaves_nothing_of_the_voter(server: tuple[Election, str]) -> None:
    """The board closes (from the CLI's side) while a voter decides; the cast is refused and
    the booth returns to the code prompt for the next person: the refused voter's choices,
    challenge and tracking codes must be gone from the page."""
    election, url = server
    choices = ["low", "low", "high", BLANK, "medium"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            booth = Booth(browser.new_context(viewport=LAPTOP).new_page(), url, "review-refused")
            _challenge_then_encrypt(booth, election.codes[1], choices)
            board, context = load_board(election.directory, secp256k1())
            with board:
                close_voting(board, context)
            booth.page.click("#decide-cast")
            booth.screen("code")
            assert "closed" in booth.page.inner_text("#code-message")
            traces = _traces(booth.page)
            assert traces == NOTHING_LEFT, traces
        finally:
            browser.close()
