"""The terminal voting booth, for boards without a network: one voter (`votecrypt ballot cast`)
or a voting station serving voter after voter (`--kiosk`).

The order protects the voter: the election and its fingerprint are shown first; the code is
checked (its check characters, then the board: issued, unused, voting open) before any
choice is asked; after a challenge the choices are asked again; the screen is cleared when a
voter is done. The code is read without echo, or from standard input, never from the command
line (where `ps` and the shell history would show it).
"""

from __future__ import annotations

import signal
import sys
import termios
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

import click

from votecrypt.errors import BallotError, EncodingError
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.manifest import BLANK
from votecrypt.protocol.results import BLANK_LABELS, BLANK_MEANING
from votecrypt.service.voting import cast, challenge, check_credential, prepare
from votecrypt.storage.board import BulletinBoard, Receipt

from .common import say

BLANK_LABEL = " / ".join(BLANK_LABELS)
#: Home, clear the screen and the scrollback, so the next voter cannot scroll back.
CLEAR = "\033[H\033[2J\033[3J"

CODE_PROMPT = "Mã phiếu bầu / Credential code"
CHOICE_PROMPT = "   Lựa chọn / Your choice"
ACTION_PROMPT = (
    "[c] Bỏ phiếu / Cast   [x] Kiểm tra phiếu này rồi chọn lại / Challenge, then choose again"
    "   [q] Huỷ / Quit"
)
DONE_PROMPT = "Nhấn Enter để kết thúc / Press Enter to finish"
CANCELLED = "Đã huỷ, chưa bỏ phiếu. / Cancelled: nothing was cast."
MISTYPED = (
    "Mã gõ sai (ký tự kiểm tra không khớp), xin gõ lại. / "
    "The code is mistyped (its check characters do not match): type it again."
)
CODE_CANCELLED = (
    "Mã này đã bị Ban kiểm phiếu hủy (phiếu mã đã được thay thế). / "
    "The counting board cancelled this code (its slip was replaced)."
)
STILL_THERE = (
    "Bạn còn đó không? Xin trả lời để tiếp tục, nếu không lựa chọn sẽ bị xoá. / "
    "Are you still there? Answer to go on, or your choices will be cleared."
)
FORGOTTEN = "Hết thời gian chờ: đã xoá, chưa bỏ phiếu. / Timed out: cleared, nothing was cast."
#: Seconds a kiosk waits for an answer before asking whether the voter is still there; it
#: then waits half as long again before forgetting the voter.
IDLE_SECONDS = 60.0


class VoterIdle(Exception):
    """The voter at a kiosk answered nothing for too long: forget them."""


#: Why the board would refuse a ballot on this code, said before any choice is made.
REFUSED_CODE = {
    reasons.UNKNOWN_CREDENTIAL: (
        "Mã này không thuộc cuộc bỏ phiếu này. / This code is not one of this election's."
    ),
    reasons.CREDENTIAL_USED: (
        "Mã này đã được dùng để bỏ phiếu. / A ballot was already cast with this code."
    ),
    reasons.VOTING_CLOSED: "Việc bỏ phiếu không mở. / Voting is not open.",
    reasons.CREDENTIAL_CANCELLED: CODE_CANCELLED,
}


def clear_screen() -> None:
    if sys.stdout.isatty():
        click.echo(CLEAR, nl=False)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl-C is held off while a ballot goes to the board, so that the voter is never told
    "cancelled" about a ballot that was cast."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to hold off
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class TerminalBooth:
    """One election's booth in this terminal, on an open board."""

    def __init__(
        self, board: BulletinBoard, context: ElectionContext, idle_seconds: float | None = None
    ) -> None:
        self.board = board
        self.context = context
        #: At a kiosk, how long a prompt waits for the voter (None: forever).
        self.idle_seconds = idle_seconds
        self._warned = False
        manifest = context.manifest
        self._labels = {o.key: f"{o.label_vi} / {o.label_en}" for o in manifest.rules.options}
        self._labels[BLANK] = BLANK_LABEL

    # A voter who walks away

    def _on_alarm(self, _signum: int, _frame: FrameType | None) -> None:
        if self._warned:
            raise VoterIdle
        self._warned = True
        say()
        say(STILL_THERE)
        signal.setitimer(signal.ITIMER_REAL, (self.idle_seconds or IDLE_SECONDS) / 2)

    def prompt(self, text: str, **options: Any) -> Any:
        """click.prompt; at a kiosk, a prompt left unanswered asks whether the voter is still
        there, then raises VoterIdle."""
        if self.idle_seconds is None:
            return click.prompt(text, **options)
        self._warned = False
        signal.setitimer(signal.ITIMER_REAL, self.idle_seconds)
        try:
            return click.prompt(text, **options)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    # What the voter sees

    def show_election(self) -> None:
        manifest = self.context.manifest
        say(manifest.title)
        say(f"{manifest.body} — {manifest.date}")
        say(f"Mã nhận dạng cuộc bỏ phiếu / Election fingerprint: {self.context.fingerprint}")
        say("(so với dấu được công bố tại hội trường / compare it with the one announced)")
        say()

    def summary(self, choices: Sequence[str], heading: str) -> None:
        say()
        say(heading)
        for candidate, choice in zip(self.context.manifest.candidates, choices, strict=True):
            say(f"   {candidate.name:<30} {self._labels[choice]}")

    # The code

    def check_code(self, code: str) -> None:
        """Raise EncodingError for a mistyped code and BallotError if the board would refuse
        a ballot on it (spec 11.3 steps 5-7), before any choice is asked."""
        try:
            check_credential(self.board, self.context, code)
        except BallotError as refused:
            text = REFUSED_CODE.get(refused.reason, refused.detail)
            raise BallotError(refused.reason, text) from None

    def ask_code(self) -> str:
        """Ask for the code without echo until it is typed right and the board accepts it."""
        while True:
            code = str(click.prompt(CODE_PROMPT, hide_input=True))
            try:
                self.check_code(code)
            except EncodingError:
                say(MISTYPED)
                continue
            except BallotError as refused:
                if refused.reason == reasons.VOTING_CLOSED:
                    raise
                say(refused.detail)
                continue
            return code

    # The choices

    def ask_choices(self) -> list[str]:
        outcomes = self.context.manifest.outcomes()
        numbered = [key for key in outcomes if key != BLANK]
        valid = [str(i) for i in range(1, len(numbered) + 1)] + (["0"] if BLANK in outcomes else [])
        choices = []
        candidates = self.context.manifest.candidates
        if BLANK in outcomes:  # what a line left unmarked means, before any choice (spec 13.6)
            say()
            say(" / ".join(BLANK_MEANING))
        for number, candidate in enumerate(candidates, start=1):
            say()
            say(f"[{number}/{len(candidates)}] {candidate.name} — {candidate.position}")
            for option_number, key in enumerate(numbered, start=1):
                say(f"   {option_number}. {self._labels[key]}")
            if BLANK in outcomes:
                say(f"   0. {self._labels[BLANK]}")
            answer = self.prompt(CHOICE_PROMPT, type=click.Choice(valid), show_choices=False)
            choices.append(BLANK if answer == "0" else numbered[int(answer) - 1])
        return choices

    def parse_choices(self, text: str) -> list[str]:
        choices = [part.strip() for part in text.split(",")]
        outcomes = self.context.manifest.outcomes()
        rows = len(self.context.manifest.candidates)
        if len(choices) != rows or any(choice not in outcomes for choice in choices):
            raise click.BadParameter(
                f"give {rows} comma-separated choices among {', '.join(outcomes)}",
                param_hint="--choices",
            )
        return choices

    # One voter

    def vote(self, code: str, choices: list[str] | None, *, confirm: bool) -> Receipt | None:
        """Encrypt, show the tracking code, then cast or challenge (and choose again) or quit.
        `choices` given: cast them without asking; `confirm` False: cast without asking."""
        while True:
            selected = choices if choices is not None else self.ask_choices()
            prepared = prepare(self.context, code, selected)
            self.summary(selected, "Lá phiếu của bạn / Your ballot:")
            say(f"Mã theo dõi / Tracking code: {prepared.tracking_code}")
            action = "c"
            if confirm and choices is None:
                action = self.prompt(
                    ACTION_PROMPT, type=click.Choice(["c", "x", "q"]), show_choices=False
                )
            if action == "q":
                say("Chưa bỏ phiếu. / Nothing was cast.")
                return None
            if action == "x":
                with uninterrupted():
                    receipt = challenge(self.board, prepared)
                opened = [
                    self.context.manifest.outcomes()[o] for o in prepared.challenge().outcomes
                ]
                self.summary(
                    opened,
                    f"Phiếu kiểm tra {receipt.tracking_code} đã được công bố và mở / "
                    "Challenged ballot published and opened:",
                )
                say(
                    "Bảng tin đã kiểm tra: phiếu mã hoá đúng các lựa chọn trên. Phiếu này sẽ không "
                    "được đếm; xin chọn lại. / The board checked that it encrypts exactly these "
                    "choices. It will not be counted: choose again."
                )
                continue
            with uninterrupted():
                receipt = cast(self.board, prepared)
            say(
                f"Đã bỏ phiếu / Ballot cast. Mã theo dõi / Tracking code: {receipt.tracking_code} "
                f"(board entry {receipt.seq})."
            )
            return receipt

    # A station

    def kiosk(self, stdin: TextIO) -> None:
        """Voter after voter: Ctrl-C cancels the current voter and returns to the code
        prompt; the screen is cleared after each voter; a voter who answers nothing for
        `idle_seconds` is asked whether they are still there, then forgotten like one who
        pressed Ctrl-C. Ends when voting closes, or when
        standard input ends (when it is not a terminal). Ctrl-Z and Ctrl-\\ are ignored."""
        for name in ("SIGTSTP", "SIGQUIT"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        try:
            self._serve(stdin)
        finally:
            signal.signal(signal.SIGALRM, previous)

    def _serve(self, stdin: TextIO) -> None:
        notice = ""
        while True:
            clear_screen()
            self.show_election()
            if notice:
                say(notice)
                notice = ""
            if self.board.phase() != "voting":
                say(REFUSED_CODE[reasons.VOTING_CLOSED])
                return
            try:
                receipt = self.vote(self.ask_code(), None, confirm=True)
                if receipt is not None:
                    say("Xin ghi lại mã theo dõi. / Please write down the tracking code.")
                self.prompt(DONE_PROMPT, default="", show_default=False)
            except VoterIdle:
                notice = FORGOTTEN
                if stdin.isatty():  # what was typed and not yet entered is forgotten too
                    termios.tcflush(stdin, termios.TCIFLUSH)
            except KeyboardInterrupt:
                notice = CANCELLED
            except click.Abort:  # Ctrl-C or Ctrl-D at a prompt
                if not stdin.isatty():  # the end of scripted input
                    clear_screen()
                    return
                notice = CANCELLED
            except BallotError as refused:
                notice = REFUSED_CODE.get(refused.reason, f"{refused.reason}: {refused.detail}")
