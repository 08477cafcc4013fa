"""Every CLI step of an election, killed at every write it makes, then run again: the
election must finish, `votecrypt verify` must pass, and nothing acknowledged is lost
(spec 11.4, 18.4; issue 12).

Each round runs a whole election through the CLI. In round r, every step that writes is
killed once, at its write number (r // 2) mod (its writes) + 1, before that write in even
rounds and after it in odd ones, and then run again without a kill. Over 2 x (the most
writes of any step) rounds, every write of every step is killed before and after.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from crash_helpers import KILLED, run_command
from election_helpers import FAST_KDF
from votecrypt_cli import exit_codes

from votecrypt.math import secp256k1
from votecrypt.protocol.credentials import credential_from_code
from votecrypt.record.ballot_codec import ballot_from_plain, ballot_plain, challenged_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.service.election_dir import ElectionDir
from votecrypt.service.voting import load_board, prepare
from votecrypt.storage import secret_file

TRUSTEES = 3
BALLOTS = 4

Args = Callable[[Path], list[str | Path]]


@dataclass(frozen=True)
class Step:
    name: str
    args: Args
    passphrase: str = ""
    #: What the command reads on its standard input (a credential code).
    stdin: Callable[[Path], str] | None = None
    #: Exit codes a rerun may give after a kill that came after the step's last write,
    #: with the text that must then be in its output.
    done_when: tuple[int, str] | None = None


def _codes_in(path: Path) -> list[str]:
    return [line.split()[1] for line in path.read_text().splitlines()] if path.exists() else []


def _codes(base: Path) -> list[str]:
    """The codes in force: those of the roll call but the spoiled one, the late member's and
    the spoiled one's replacement."""
    issued = _codes_in(base / "codes.txt")
    return [*issued[:2], *_codes_in(base / "late.txt"), *_codes_in(base / "replacement.txt")]


def _spoiled(base: Path) -> str:
    """The code of the slip handed back as spoiled (read by `credentials supplement`)."""
    return _codes_in(base / "codes.txt")[2] + "\n"


def _import_file(base: Path) -> Path:
    """One ballot prepared by a "front-end" (code 4), as a JSON-lines file."""
    path = base / "imported.jsonl"
    board, context = load_board(ElectionDir(base / "election"), secp256k1())
    with board:
        prepared = prepare(context, _codes(base)[3], ["high", "low"])
    path.write_bytes(canonical_json(ballot_plain(prepared.ballot)) + b"\n")
    return path


def _submitted_file(base: Path) -> Path:
    """A challenged ballot prepared by a "front-end", for `ballot submit`."""
    path = base / "submitted.json"
    board, context = load_board(ElectionDir(base / "election"), secp256k1())
    with board:
        prepared = prepare(context, _codes(base)[1], ["low", "low"])
    path.write_bytes(canonical_json(challenged_plain(prepared.challenge())))
    return path


def _fp(base: Path) -> str:
    """The election fingerprint, as the issuer announces it."""
    board_free = ElectionDir(base / "election")
    from votecrypt.service.endorsing import endorsement_view

    return endorsement_view(board_free, secp256k1()).fingerprint


def _hash(base: Path) -> str:
    """The board hash at the tally, as announced in the room."""
    board, _ = load_board(ElectionDir(base / "election"), secp256k1(), read_only=True)
    with board:
        return next(board.entries_of("tally")).hash.hex()


def _tracking_code(base: Path) -> str:
    board, context = load_board(ElectionDir(base / "election"), secp256k1(), read_only=True)
    with board:
        entry = next(board.entries_of("ballot"))
        return ballot_from_plain(entry.payload, context.group).tracking_code()


def election_steps() -> list[Step]:
    election = Path("election")

    def at(*parts: str | Path | Callable[[Path], str | Path]) -> Args:
        def args(base: Path) -> list[str | Path]:
            out: list[str | Path] = []
            for part in parts:
                if callable(part):
                    out.append(part(base))
                elif isinstance(part, Path) and not part.is_absolute():
                    out.append(base / part)
                else:
                    out.append(part)
            return out

        return args

    def secret(i: int) -> Path:
        return Path("private") / f"t{i}.secret"

    steps = [
        Step(
            "election create",
            at(
                "election",
                "create",
                election,
                "--title",
                "Lấy phiếu",
                "--body",
                "HĐND",
                "--date",
                "2023-12-13",
                "--candidates",
                Path("candidates.csv"),
                *[a for i in range(1, TRUSTEES + 1) for a in ("--trustee", f"T{i}")],
                "--threshold",
                "2",
                "--ballots",
                str(BALLOTS),
            ),
        ),
    ]
    for i in range(1, TRUSTEES + 1):
        steps.append(
            Step(
                f"trustee init {i}",
                at("trustee", "init", election, "--index", str(i), "--secret", secret(i)),
                f"pw{i}",
            )
        )
    for name in ("commit", "open", "check", "answer", "finalize"):
        for i in range(1, TRUSTEES + 1):
            steps.append(
                Step(
                    f"ceremony {name} {i}",
                    at("ceremony", name, election, "--secret", secret(i)),
                    f"pw{i}",
                )
            )
    code = [lambda base, n=n: _codes(base)[n] + "\n" for n in range(BALLOTS)]
    steps += [
        Step("ceremony status", at("ceremony", "status", election)),
        Step(
            "credentials issue",
            at(
                "credentials",
                "issue",
                election,
                "--present",
                str(BALLOTS - 1),
                "--codes-out",
                Path("codes.txt"),
                "--slips-out",
                Path("slips.html"),
            ),
        ),
        *[
            Step(
                f"credentials sign {i}",
                at("credentials", "sign", election, "--secret", secret(i), "--fingerprint", _fp),
                f"pw{i}",
            )
            for i in (1, 2)
        ],
        Step("board open", at("board", "open", election)),
        # A late member, then a spoiled slip cancelled and replaced (spec 9.6).
        *_supplement_steps(1, "late.txt", ["--add", "1"], None, at, secret),
        *_supplement_steps(
            2, "replacement.txt", ["--add", "1", "--cancel", "1"], _spoiled, at, secret
        ),
        Step(
            "ballot challenge",
            at("ballot", "challenge", election, "--credential-stdin", "--choices", "high,low"),
            stdin=code[0],
        ),
        *[
            Step(
                f"ballot cast {n + 1}",
                at("ballot", "cast", election, "--credential-stdin", "--choices", "high,medium"),
                stdin=code[n],
                done_when=(exit_codes.REJECTED, "credential-used"),
            )
            for n in range(BALLOTS - 1)
        ],
        Step(
            "board import",
            at("board", "import", election, _import_file, "--jobs", "1"),
            done_when=(exit_codes.OK, "rejected: 1"),
        ),
        Step(
            "ballot submit",
            at("ballot", "submit", election, _submitted_file),
            done_when=(exit_codes.REJECTED, "duplicate-ballot-id"),
        ),
        Step("board status", at("board", "status", election)),
        # Trustee 1 verifies the board while voting is open and notes it (spec 12.2): its
        # decrypt below checks only the entries added since.
        Step("trustee check 1", at("trustee", "check", election, "--secret", secret(1)), "pw1"),
        Step("board close", at("board", "close", election)),
        Step("tally", at("tally", election, "--jobs", "1")),
        *[
            Step(
                f"trustee decrypt {i}",
                at("trustee", "decrypt", election, "--secret", secret(i), "--board-hash", _hash),
                f"pw{i}",
            )
            for i in (1, 3)
        ],
        Step("result", at("result", election)),
        Step("board export", at("board", "export", election, "--out", Path("exported"))),
        Step("ballot track", at("ballot", "track", election, _tracking_code)),
        Step("verify", at("verify", Path("election/record"), "--jobs", "1")),
    ]
    return steps


def _supplement_steps(
    number: int,
    codes: str,
    options: list[str],
    stdin: Callable[[Path], str] | None,
    at: Callable[..., Args],
    secret: Callable[[int], Path],
) -> list[Step]:
    election = Path("election")
    added, cancelled = options.count("--add"), options.count("--cancel")
    return [
        Step(
            f"credentials supplement {number}",
            at("credentials", "supplement", election, *options, "--codes-out", Path(codes)),
            stdin=stdin,
        ),
        *[
            Step(
                f"credentials sign-supplement {number} {i}",
                at(
                    "credentials",
                    "sign-supplement",
                    election,
                    "--secret",
                    secret(i),
                    "--number",
                    str(number),
                    "--added",
                    str(added),
                    "--cancelled",
                    str(cancelled),
                ),
                f"pw{i}",
            )
            for i in (1, 2)
        ],
        Step(
            f"credentials publish-supplement {number}",
            at("credentials", "publish-supplement", election, "--number", str(number)),
        ),
    ]


@dataclass
class Figures:
    rounds: int = 0
    kills: int = 0
    killed: set[tuple[str, str, int]] = field(default_factory=set)
    writes: dict[str, int] = field(default_factory=dict)
    unrecoverable: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def _prepare(base: Path) -> None:
    base.mkdir(parents=True)
    (base / "candidates.csv").write_text("Nguyễn Văn A,Chủ tịch\nTrần Thị B,Phó Chủ tịch\n")


def run_election(base: Path, figures: Figures, round_number: int | None) -> None:
    """One election; in a numbered round every writing step is killed once and rerun."""
    _prepare(base)
    for index, step in enumerate(election_steps()):
        args = step.args(base)
        given = step.stdin(base) if step.stdin else ""
        log = base / f"step-{index}.log"
        writes = figures.writes.get(step.name, 0)
        if round_number is not None and writes > 0:
            side = "before" if round_number % 2 == 0 else "after"
            number = (round_number // 2) % writes + 1
            killed = run_command(
                args, passphrase=step.passphrase, kill=(side, number), log=log, stdin=given
            )
            if killed.exit_code != KILLED:
                figures.unrecoverable.append(f"{step.name}: not killed at {side} {number}")
                return
            figures.kills += 1
            figures.killed.add((step.name, side, number))
            last = side == "after" and number == writes
            rerun = run_command(args, passphrase=step.passphrase, log=log, stdin=given)
            allowed = {exit_codes.OK}
            if last and step.done_when is not None:
                allowed.add(step.done_when[0])
                if step.done_when[1] not in rerun.output:
                    allowed.discard(step.done_when[0])
            if rerun.exit_code not in allowed or "Traceback" in rerun.output:
                figures.unrecoverable.append(
                    f"{step.name} killed {side} write {number}: rerun exit {rerun.exit_code}: "
                    f"{rerun.output.strip()[-300:]}"
                )
                return
        else:
            outcome = run_command(args, passphrase=step.passphrase, log=log, stdin=given)
            if outcome.exit_code != 0:
                figures.unrecoverable.append(
                    f"{step.name}: exit {outcome.exit_code}: {outcome.output}"
                )
                return
            if round_number is None:
                figures.writes[step.name] = outcome.writes
    _check_nothing_lost(base, figures, round_number)


def _check_nothing_lost(base: Path, figures: Figures, round_number: int | None) -> None:
    """Every code was kept and matches the published list; every ballot is on the board."""
    election = ElectionDir(base / "election")
    published = json.loads(election.credentials.read_text())["public_keys"]
    board, context = load_board(election, secp256k1())
    with board:

        def keys(codes: list[str]) -> list[str]:
            return sorted(
                credential_from_code(context.manifest_hash, code).public_key.hex() for code in codes
            )

        if keys(_codes_in(base / "codes.txt")) != published:
            figures.lost.append(f"round {round_number}: the codes file and the list differ")
        supplements = [entry.payload for entry in board.entries_of("credential-supplement")]
        added = sorted(key for payload in supplements for key in payload["added"])
        cancelled = [key for payload in supplements for key in payload["cancelled"]]
        late = [*_codes_in(base / "late.txt"), *_codes_in(base / "replacement.txt")]
        spoiled = _codes_in(base / "codes.txt")[2:3]
        if added != keys(late) or cancelled != keys(spoiled) or board.issued() != BALLOTS:
            figures.lost.append(f"round {round_number}: the supplements and their codes differ")
        if board.count("ballot") != BALLOTS or board.phase() != "published":
            figures.lost.append(
                f"round {round_number}: {board.count('ballot')} ballots, phase {board.phase()}"
            )


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    figures = Figures()
    real_seal = secret_file.seal_with_passphrase
    with pytest.MonkeyPatch.context() as patch:
        # The CLI's Argon2id defaults cost ~0.2 s per save; the kills do not depend on them.
        patch.setattr(
            secret_file,
            "seal_with_passphrase",
            lambda data, passphrase, label, kdf=None: real_seal(
                data, passphrase, label, kdf or FAST_KDF
            ),
        )
        base = tmp_path_factory.mktemp("crash")
        run_election(base / "reference", figures, None)
        assert not figures.unrecoverable, figures.unrecoverable
        most = max(figures.writes.values())
        for round_number in range(2 * most):
            figures.rounds += 1
            run_election(base / f"round-{round_number}", figures, round_number)
    return figures


def test_every_step_killed_at_every_write_finishes_and_verifies(figures: Figures) -> None:
    writing = {name: count for name, count in figures.writes.items() if count > 0}
    expected = {
        (name, side, number)
        for name, count in writing.items()
        for side in ("before", "after")
        for number in range(1, count + 1)
    }
    print(
        f"\nkill test: {len(figures.writes)} CLI steps ({len(writing)} that write), "
        f"{len(expected)} (step, write, before/after) points, {figures.rounds} elections, "
        f"{figures.kills} kills; unrecoverable {len(figures.unrecoverable)}, "
        f"lost {len(figures.lost)}\nwrites per step: {figures.writes}"
    )
    assert not figures.unrecoverable, "\n".join(figures.unrecoverable)
    assert not figures.lost, "\n".join(figures.lost)
    assert figures.killed == expected
    # Every step of the election, except those that only read, writes something.
    assert set(figures.writes) - set(writing) == {
        "ceremony status",
        "board status",
        "ballot track",
        "verify",
    }
