"""`ceremony decide` and an answer that grows, killed at every write and run again (spec 8.9,
rule "every step completes or leaves nothing behind"): the rerun publishes the same decision
or answer an uninterrupted run publishes, and the file in the directory only grows."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_helpers import KILLED, run_command
from election_helpers import FAST_KDF

from votecrypt.math import secp256k1
from votecrypt.protocol.ceremony.messages import Complaint, Signed
from votecrypt.record.ceremony_codec import message_from_json, message_to_json
from votecrypt.storage import secret_file


@pytest.fixture(autouse=True)
def fast_kdf() -> Iterator[None]:
    real_seal = secret_file.seal_with_passphrase
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            secret_file,
            "seal_with_passphrase",
            lambda data, passphrase, label, kdf=None: real_seal(
                data, passphrase, label, kdf or FAST_KDF
            ),
        )
        yield


def votecrypt(base: Path, *args: object, passphrase: str = "", kill: tuple[str, int] | None = None):  # type: ignore[no-untyped-def]
    return run_command([str(a) for a in args], passphrase=passphrase, kill=kill, log=base / "log")


def _election(base: Path, present: list[int]) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    (base / "candidates.csv").write_text("Nguyễn Văn A,Chủ tịch\n")
    election = base / "election"
    names = [a for i in (1, 2, 3) for a in ("--trustee", f"T{i}")]
    done = votecrypt(
        base, "election", "create", election, "--title", "Lấy phiếu", "--body", "HĐND",
        "--date", "2023-12-13", "--candidates", base / "candidates.csv", *names,
        "--threshold", "2", "--ballots", "2",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    for i in present:
        secret = base / f"t{i}.secret"
        done = votecrypt(
            base, "trustee", "init", election, "--index", i, "--secret", secret, passphrase=f"pw{i}"
        )
        assert done.exit_code == 0, done.output
    return election


def _killed_everywhere(
    base: Path, reference: Path, args: list[object], passphrase: str
) -> list[Path]:
    """Copies of `reference`, each with the step killed before or after one of its writes and
    then run again; returns the copies."""
    counted = votecrypt(base, *_at(args, reference, base / "count"), passphrase=passphrase)
    shutil.rmtree(base / "count")
    assert counted.exit_code == 0 and counted.writes > 0, counted.output
    copies = []
    for when in ("before", "after"):
        for n in range(1, counted.writes + 1):
            copy = base / f"{when}-{n}"
            killed = votecrypt(
                base, *_at(args, reference, copy), passphrase=passphrase, kill=(when, n)
            )
            assert killed.exit_code == KILLED, killed.output
            again = votecrypt(base, *_at(args, reference, copy), passphrase=passphrase)
            assert again.exit_code == 0, again.output
            copies.append(copy)
    return copies


def _at(args: list[object], reference: Path, copy: Path) -> list[object]:
    """`args` run on a fresh copy of the reference folder (its election and secret files)."""
    if not copy.exists():
        shutil.copytree(reference, copy)
    return [copy / a.relative_to(reference) if isinstance(a, Path) else a for a in args]


def test_decide_killed_at_every_write_publishes_the_same_decision(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    election = _election(reference, [1, 2])  # trustee 3 is absent
    args: list[object] = [
        "ceremony",
        "decide",
        election,
        "--secret",
        reference / "t1.secret",
        "--without",
        "3",
    ]
    done = votecrypt(tmp_path, *_at(args, reference, tmp_path / "whole"), passphrase="pw1")
    assert done.exit_code == 0, done.output
    expected = (tmp_path / "whole" / "election" / "ceremony" / "decide-1.json").read_bytes()
    for copy in _killed_everywhere(tmp_path, reference, args, "pw1"):
        assert (copy / "election" / "ceremony" / "decide-1.json").read_bytes() == expected


def test_a_growing_answer_killed_at_every_write_only_grows(tmp_path: Path) -> None:
    """Dealer 1 answered trustee 3's complaint; then trustee 2's other version of its check
    (complaining about 1 too) reaches it. `ceremony answer` again, killed anywhere, ends with
    the answer revealing both shares, and never with a smaller one."""
    reference = tmp_path / "reference"
    election = _election(reference, [1, 2, 3])
    for step in ("commit", "open", "check"):
        for i in (1, 2, 3):
            done = votecrypt(
                tmp_path, "ceremony", step, election, "--secret", reference / f"t{i}.secret",
                passphrase=f"pw{i}",
            )  # fmt: skip
            assert done.exit_code == 0, done.output
    group = secp256k1()

    def complain(i: int) -> None:
        trustee = secret_file.load_trustee(reference / f"t{i}.secret", f"pw{i}", group)
        path = election / "ceremony" / f"check-{i}.json"
        check = message_from_json(path.read_bytes(), group, "check").message
        forged = dataclasses.replace(
            check,
            accepted=tuple(d for d in check.accepted if d != 1),
            complaints=(Complaint(1, "mismatch"),),
        )
        signed = Signed.create(forged, trustee.export_secrets().signing_key)
        path.write_bytes(message_to_json(signed))

    complain(3)
    args: list[object] = ["ceremony", "answer", election, "--secret", reference / "t1.secret"]
    done = votecrypt(tmp_path, *args, passphrase="pw1")
    assert done.exit_code == 0, done.output
    answer = election / "ceremony" / "answer-1.json"
    first = message_from_json(answer.read_bytes(), group, "answer").message
    assert [r.recipient for r in first.revealed] == [3]
    complain(2)
    for copy in _killed_everywhere(tmp_path, reference, args, "pw1"):
        grown = message_from_json(
            (copy / "election" / "ceremony" / "answer-1.json").read_bytes(), group, "answer"
        ).message
        assert [r.recipient for r in grown.revealed] == [2, 3]
        assert set(first.revealed) <= set(grown.revealed)
