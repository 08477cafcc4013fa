"""The ceremony vectors of spec/vectors/election (8.8): each transcript evaluates to its
outcome byte for byte, and every reason text of spec 8.8's table occurs in them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from votecrypt.math import secp256k1
from votecrypt.protocol.ceremony.messages import ROUNDS, CeremonyParameters
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript, evaluate
from votecrypt.record.ceremony_codec import message_from_json, outcome_from_json, outcome_to_json

ROOT = Path(__file__).resolve().parent.parent
ELECTION = ROOT / "spec" / "vectors" / "election"
FOLDERS = [ELECTION / "ceremony", *sorted((ELECTION / "ceremony-reasons").iterdir())]


def _transcript(folder: Path) -> Transcript:
    parameters = json.loads((folder / "parameters.json").read_text())
    rounds: dict[str, dict[int, object]] = {name: {} for name in ROUNDS}
    for path in folder.glob("*-*.json"):
        round_name, _, sender = path.stem.rpartition("-")
        rounds[round_name][int(sender)] = message_from_json(
            path.read_bytes(), secp256k1(), round_name
        )
    return Transcript(
        CeremonyParameters(
            bytes.fromhex(parameters["election"]), parameters["trustees"], parameters["threshold"]
        ),
        announcements=rounds["announce"],  # type: ignore[arg-type]
        commits=rounds["commit"],  # type: ignore[arg-type]
        openings=rounds["open"],  # type: ignore[arg-type]
        checks=rounds["check"],  # type: ignore[arg-type]
        answers=rounds["answer"],  # type: ignore[arg-type]
    )


def _outcomes() -> list[CeremonyOutcome]:
    return [
        outcome_from_json((folder / "outcome.json").read_bytes(), secp256k1()) for folder in FOLDERS
    ]


def _reason_table() -> list[tuple[re.Pattern[str], str]]:
    """(pattern of the reason text, "decrypts" column) for every row of the table in 8.8."""
    text = (ROOT / "spec" / "08-ceremony.md").read_text(encoding="utf-8")
    section = text[text.index("## 8.8") : text.index("## 8.9")]
    rows = re.findall(r"^\| \w+ \| [^|]+ \| `([^`]+)` \| ([^|]+) \|$", section, re.MULTILINE)
    assert len(rows) >= 20
    table = []
    for reason, decrypts in rows:
        pattern = re.escape(reason)
        pattern = pattern.replace(re.escape("<list>"), r"\[\d+(?:, \d+)*\]")
        for name in ("<i>", "<j>", "<k>"):
            pattern = pattern.replace(re.escape(name), r"\d+")
        table.append((re.compile(pattern + "$"), decrypts.strip()))
    return table


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_transcript_evaluates_to_its_outcome(folder: Path) -> None:
    outcome = evaluate(secp256k1(), _transcript(folder), close=True)
    assert outcome_to_json(outcome) + b"\n" == (folder / "outcome.json").read_bytes()


def test_every_reason_of_the_table_has_a_vector() -> None:
    table = _reason_table()
    used: set[str] = set()
    for outcome in _outcomes():
        holders = {j for j, _ in outcome.verification_keys}
        for trustee, reason in outcome.disqualified:
            matches = [(p, d) for p, d in table if p.match(reason)]
            assert len(matches) == 1, reason
            pattern, decrypts = matches[0]
            used.add(pattern.pattern)
            if decrypts == "no":
                assert trustee not in holders, reason
    assert used == {p.pattern for p, _ in table}
