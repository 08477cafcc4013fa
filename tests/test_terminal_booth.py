"""The terminal booth: the code is checked before any choice, never taken on the command line,
a challenge is followed by new choices, and a --kiosk station survives Ctrl-C, clears the
screen after each voter and ends when voting closes."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from election_helpers import OpenElection
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main
from votecrypt_cli.terminal_booth import CLEAR

from votecrypt.math import Group
from votecrypt.protocol.credentials import new_code
from votecrypt.service.voting import close_voting


@pytest.fixture()
def opened(tmp_path: Path, fast_group: Group) -> Iterator[OpenElection]:
    election = OpenElection(tmp_path / "e", fast_group, ballots=4, candidates=2)
    yield election
    election.close()


def _booth(opened: OpenElection, *args: str, input: str, code: int = 0) -> Result:
    result = CliRunner().invoke(
        main, ["ballot", "cast", str(opened.directory.root), *args], input=input
    )
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def _asked_choices(output: str) -> bool:
    return "[1/2]" in output


def _mistype(code: str) -> str:
    last = code[-1]
    return code[:-1] + ("A" if last != "A" else "B")


def test_the_election_and_its_fingerprint_come_first(opened: OpenElection) -> None:
    code = opened.credentials[0].code
    result = _booth(opened, "--credential-stdin", "--choices", "high,low", input=code)
    lines = result.output.splitlines()
    assert lines[0] == opened.manifest.title
    assert f"Election fingerprint: {opened.context.fingerprint}" in lines[2]
    assert "Ballot cast." in result.output


def test_a_mistyped_code_is_refused_before_any_choice(opened: OpenElection) -> None:
    typo = _mistype(opened.credentials[0].code)
    result = _booth(
        opened, "--credential-stdin", "--choices", "high,low", input=typo, code=exit_codes.BAD_INPUT
    )
    assert "mistyped" in result.output
    assert opened.board.count("ballot") == 0


def test_unknown_and_used_codes_are_refused_before_any_choice(opened: OpenElection) -> None:
    stranger = _booth(opened, "--credential-stdin", input=new_code(), code=exit_codes.REJECTED)
    assert "unknown-credential" in stranger.output and not _asked_choices(stranger.output)
    code = opened.credentials[0].code
    _booth(opened, "--credential-stdin", "--choices", "high,low", input=code)
    again = _booth(opened, "--credential-stdin", input=code, code=exit_codes.REJECTED)
    assert "credential-used" in again.output and not _asked_choices(again.output)
    assert opened.board.count("ballot") == 1


def test_the_code_is_asked_again_until_it_is_right(opened: OpenElection) -> None:
    code = opened.credentials[0].code
    used = opened.credentials[1].code
    _booth(opened, "--credential-stdin", "--choices", "low,low", input=used)
    typed = "\n".join([_mistype(code), new_code(), used, code, "1", "0", "c"]) + "\n"
    result = _booth(opened, input=typed)
    before_choices = result.output.split("[1/2]")[0]
    assert "mistyped" in before_choices
    assert "This code is not one of this election's" in before_choices
    assert "A ballot was already cast with this code" in before_choices
    assert code not in result.output  # typed without echo
    assert opened.board.count("ballot") == 2


def test_after_a_challenge_the_choices_are_asked_again(opened: OpenElection) -> None:
    code = opened.credentials[0].code
    # high/blank, challenge; then low/medium, cast.
    result = _booth(opened, input=f"{code}\n1\n0\nx\n3\n2\nc\n")
    after_challenge = result.output.split("Challenged ballot published and opened:")[1]
    assert after_challenge.index("Tín nhiệm cao / High confidence") < after_challenge.index(
        "It will not be counted: choose again."
    )
    assert after_challenge.count("[1/2]") == 1  # asked again
    assert (opened.board.count("challenge"), opened.board.count("ballot")) == (1, 1)
    challenged = next(opened.board.challenged_ballots())
    cast = next(opened.board.cast_ballots())
    assert challenged.ballot_id != cast.ballot_id
    outcomes = opened.context.manifest.outcomes()
    assert [outcomes[o] for o in challenged.outcomes] == ["high", "blank"]


def test_the_code_is_never_a_command_line_argument(opened: OpenElection) -> None:
    code = opened.credentials[0].code
    refused = CliRunner().invoke(
        main, ["ballot", "cast", str(opened.directory.root), "--credential", code]
    )
    assert refused.exit_code == exit_codes.USAGE
    helped = CliRunner().invoke(main, ["ballot", "cast", "--help"]).output
    assert "--credential-stdin" in helped and "--credential " not in helped


def test_a_kiosk_serves_voter_after_voter(opened: OpenElection) -> None:
    first, second = opened.credentials[0].code, opened.credentials[1].code
    script = [first, "1", "1", "c", "", first, second, "2", "0", "c", ""]
    result = _booth(opened, "--kiosk", input="\n".join(script) + "\n")
    assert result.output.count("Ballot cast.") == 2
    assert "A ballot was already cast with this code" in result.output
    assert opened.board.count("ballot") == 2


def test_a_kiosk_stops_when_voting_closes(opened: OpenElection) -> None:
    close_voting(opened.board, opened.context)
    result = _booth(opened, "--kiosk", input="")
    assert "Voting is not open." in result.output
    assert "Mã phiếu bầu / Credential code" not in result.output


def test_kiosk_takes_no_scripted_options(opened: OpenElection) -> None:
    _booth(opened, "--kiosk", "--choices", "high,low", input="", code=exit_codes.USAGE)


def test_a_kiosk_in_a_terminal_survives_ctrl_c(opened: OpenElection) -> None:
    pexpect = pytest.importorskip("pexpect")
    command = "from votecrypt_cli.main import main; main()"
    args = ["-c", command, "ballot", "cast", str(opened.directory.root), "--kiosk"]
    child = pexpect.spawn(sys.executable, args, encoding="utf-8", timeout=60)
    try:
        child.expect("Credential code")
        child.sendline(opened.credentials[0].code)
        child.expect(r"Your choice")
        child.sendcontrol("c")  # the voter walks away mid-ballot
        child.expect("Cancelled: nothing was cast.")
        child.expect("Credential code")
        child.sendcontrol("z")  # no way out to the shell
        child.sendcontrol("\\")
        child.sendline(opened.credentials[0].code)
        for answer in ("1", "2"):
            child.expect("Your choice")
            child.sendline(answer)
        child.expect(r"\[c\]")
        child.sendline("c")
        child.expect("Ballot cast.")
        child.expect("Press Enter to finish")
        child.sendline("")
        child.expect_exact(CLEAR)  # the next voter sees nothing of this one
        child.expect("Credential code")
        assert child.isalive()
    finally:
        child.kill(signal.SIGTERM)
        child.wait()
    assert opened.board.count("ballot") == 1


def test_a_kiosk_forgets_a_voter_who_walks_away(opened: OpenElection) -> None:
    pexpect = pytest.importorskip("pexpect")
    command = "from votecrypt_cli.main import main; main()"
    args = ["-c", command, "ballot", "cast", str(opened.directory.root), "--kiosk"]
    child = pexpect.spawn(
        sys.executable, [*args, "--idle-seconds", "1"], encoding="utf-8", timeout=60
    )
    try:
        child.expect("Credential code")
        child.sendline(opened.credentials[0].code)
        child.expect("Your choice")  # the voter walks away at the first choice
        child.expect("Are you still there?")
        child.expect_exact(CLEAR)  # the next voter sees nothing of this one
        child.expect("Timed out: cleared, nothing was cast.")
        child.expect("Credential code")
        assert child.isalive()
    finally:
        child.kill(signal.SIGTERM)
        child.wait()
    # Nothing was sent for the code: its voter can still vote.
    assert opened.board.count("ballot") == 0 and opened.board.count("challenge") == 0
    code = opened.credentials[0].code
    _booth(opened, "--credential-stdin", "--choices", "high,low", input=code)


def test_the_idle_time_is_a_kiosk_setting(opened: OpenElection) -> None:
    helped = CliRunner().invoke(main, ["ballot", "cast", "--help"]).output
    assert "--idle-seconds" in helped and "60" in helped
    _booth(opened, "--kiosk", "--idle-seconds", "0", input="", code=exit_codes.USAGE)
