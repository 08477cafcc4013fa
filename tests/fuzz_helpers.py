"""A small finished election built once, and mutations of the files the CLI reads."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from election_helpers import OpenElection
from hypothesis import strategies as st
from votecrypt_cli import exit_codes
from votecrypt_cli.main import main

from votecrypt.math import Group
from votecrypt.record.ballot_codec import ballot_plain, challenged_plain
from votecrypt.record.log import entry_hash
from votecrypt.service.counting import (
    compute_tally,
    publish_results,
    tally_to_decrypt,
    trustee_decrypt,
)
from votecrypt.service.export import export_record
from votecrypt.service.voting import cast, challenge, close_voting, prepare

#: Stands for an integer too long to write with json.dumps (Python refuses > 4,300 digits).
HUGE_DIGITS = "9" * 5000
_HUGE_MARK = "@@huge-integer@@"


def invoke(*args: str | Path, passphrase: str = "", input: str | None = None) -> Result:
    """Run the CLI in this process; what no command may ever do is checked by `no_crash`."""
    return CliRunner().invoke(
        main, [str(a) for a in args], env={"VOTECRYPT_PASSPHRASE": passphrase}, input=input
    )


def no_crash(result: Result, what: str) -> None:
    """Never exit 1 (internal error), never a traceback, never an escaped exception."""
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not escaped, f"{what}: {result.exception!r}\n{result.output}"
    assert result.exit_code != exit_codes.INTERNAL, f"{what}: exit 1\n{result.output}"
    assert "Traceback" not in result.output, f"{what}\n{result.output}"
    if result.exit_code != exit_codes.OK:
        errors = [line for line in result.output.splitlines() if line.startswith("error")]
        assert len(errors) == 1 or result.exit_code in (
            exit_codes.USAGE,
            exit_codes.VERIFY_FAILED,
        ), f"{what}: {result.output}"


class FinishedElection:
    """An election in `root`: 3 trustees (2 needed), 3 ballots cast, 1 challenged, the
    results published and the record exported; 2 credentials left unused, and one unused
    ballot prepared for them (for import tests)."""

    def __init__(self, root: Path, group: Group) -> None:
        opened = OpenElection(root, group, ballots=5, candidates=2)
        self.directory = opened.directory
        self.passphrases = opened.passphrases
        self.secrets = opened.secrets
        context = opened.context
        board = opened.board
        codes = [c.code for c in opened.credentials]
        self.codes = codes
        challenge(board, prepare(context, codes[0], ["high", "blank"]))
        votes = (["high", "low"], ["medium", "low"], ["low", "high"])
        for code, choices in zip(codes[:3], votes, strict=True):
            cast(board, prepare(context, code, choices))
        self.spare_ballot = ballot_plain(prepare(context, codes[3], ["high", "high"]).ballot)
        self.spare_challenge = challenged_plain(
            prepare(context, codes[4], ["low", "low"]).challenge()
        )
        self.open_copy = root.parent / f"{root.name}-open"
        board.close_connection()
        shutil.copytree(root, self.open_copy)
        board = type(board)(self.directory.board)
        board.use_context(context)
        close_voting(board, context)
        compute_tally(board, context)
        verified = tally_to_decrypt(self.directory, group)
        self.board_hash = verified.board_hash
        for i in (1, 3):
            trustee_decrypt(
                self.directory,
                self.secrets[i],
                self.passphrases[i],
                group,
                verified,
                announced=verified.board_hash,
            )
        board.close_connection()
        self.tallied_copy = root.parent / f"{root.name}-tallied"
        shutil.copytree(root, self.tallied_copy)
        board = type(board)(self.directory.board)
        board.use_context(context)
        publish_results(self.directory, board, context)
        export_record(board, self.directory.record)
        board.close_connection()
        self.root = root

    @property
    def record(self) -> Path:
        return self.directory.record


def log_lines(record: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (record / "log.jsonl").read_text().splitlines()]


def write_log(record: Path, entries: list[dict[str, Any]]) -> None:
    lines = [_dumps(entry) for entry in entries]
    (record / "log.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _dumps(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True, sort_keys=True)
    return text.replace(f'"{_HUGE_MARK}"', HUGE_DIGITS)


def dumps(value: Any) -> bytes:
    """JSON text of a mutated value (lone surrogates escaped, huge integers written out)."""
    return _dumps(value).encode()


def rechain(entries: list[dict[str, Any]], start: int) -> None:
    """Recompute the hashes from entry `start` on, so a mutated payload reaches the checks
    behind the hash chain (when the mutated value can be hashed at all)."""
    for index in range(start, len(entries)):
        entry = entries[index]
        try:
            if index > 0:
                entry["prev"] = entries[index - 1]["hash"]
            digest = entry_hash(
                entry["seq"], bytes.fromhex(entry["prev"]), entry["kind"], entry["payload"]
            )
        except Exception:
            return
        entry["hash"] = digest.hex()


WEIRD = st.one_of(
    st.sampled_from(
        [
            -1,
            0,
            2**50,
            2**63,
            2**256,
            _HUGE_MARK,
            "\ud800",
            "x\udfff",
            "",
            "AB" * 32,
            " " + "ab" * 31 + " ",
            "ab cd",
            "00" * 33,
            "02" + "ff" * 32,
            [],
            {},
            [[[[[[]]]]]],
            None,
            True,
            "votecrypt/ballot",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=8),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            paths += _paths(item, (*prefix, position))
    return paths


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """`value` (plain JSON) with one to three parts replaced, removed or added."""
    value = json.loads(json.dumps(value))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        weird = copy.deepcopy(draw(WEIRD))  # the strategy's lists must never be changed
        if not path:
            if action == "replace":
                value = weird
            continue
        parent = value
        for part in path[:-1]:
            parent = parent[part]
        if action == "replace":
            parent[path[-1]] = weird
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "type", "version"]))] = weird
        else:
            parent.append(weird)
    return value


@st.composite
def damaged_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with bytes flipped, cut, inserted or repeated."""
    action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
    if not data:
        return draw(st.binary(max_size=50))
    position = draw(st.integers(0, len(data) - 1))
    if action == "flip":
        bit = 1 << draw(st.integers(0, 7))
        return data[:position] + bytes([data[position] ^ bit]) + data[position + 1 :]
    if action == "cut":
        return data[:position] + data[position + draw(st.integers(1, 40)) :]
    if action == "insert":
        return data[:position] + draw(st.binary(min_size=1, max_size=20)) + data[position:]
    return data[:position]
