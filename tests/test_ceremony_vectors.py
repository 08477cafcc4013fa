"""The ceremony vectors of spec/vectors/election (8.8): each transcript evaluates to its
outcome byte for byte, every reason text of spec 8.8's table occurs in them, and every
message's digest follows from its file and the typed-encoding table of spec 8.2 alone."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from votecrypt.math import secp256k1
from votecrypt.protocol.ceremony.messages import ROUNDS, CeremonyParameters, InvalidCeremonyMessage
from votecrypt.protocol.ceremony.transcript import CeremonyOutcome, Transcript, evaluate
from votecrypt.record.ceremony_codec import (
    evidence_from_json,
    message_from_json,
    outcome_from_json,
    outcome_to_json,
)

ROOT = Path(__file__).resolve().parent.parent
ELECTION = ROOT / "spec" / "vectors" / "election"
LATE_FOLDERS = sorted((ELECTION / "ceremony-late").iterdir())
FOLDERS = [
    ELECTION / "ceremony",
    *sorted((ELECTION / "ceremony-reasons").iterdir()),
    *LATE_FOLDERS,
]
SPEC = (ROOT / "spec" / "08-ceremony.md").read_text(encoding="utf-8")
PLACEHOLDERS = {
    "<i>": r"\d+",
    "<j>": r"\d+",
    "<k>": r"\d+",
    "<count>": r"\d+",
    "<round>": "(?:commit|open|check|answer|decide)",
}
LIST = r"\[[1-9]\d*(?:, [1-9]\d*)*\]"


def _transcript(folder: Path, parameters_folder: Path | None = None) -> Transcript:
    parameters = json.loads(((parameters_folder or folder) / "parameters.json").read_text())
    rounds: dict[str, dict[int, object]] = {name: {} for name in ROUNDS}
    evidence = {}
    for path in folder.glob("*-*.json"):
        round_name, _, sender = path.stem.rpartition("-")
        if round_name == "evidence":
            evidence[int(sender)] = evidence_from_json(path.read_bytes(), secp256k1())
            continue
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
        decisions=rounds["decide"],  # type: ignore[arg-type]
        evidence=evidence,
    )


def _outcomes() -> list[CeremonyOutcome]:
    return [
        outcome_from_json((folder / "outcome.json").read_bytes(), secp256k1()) for folder in FOLDERS
    ]


def _section(number: str) -> str:
    start = SPEC.index(f"## {number} ")
    return SPEC[start : SPEC.index("\n## ", start + 1)]


def _reason_table() -> list[tuple[re.Pattern[str], str]]:
    """(pattern of the reason text, "decrypts" column) for every row of the table in 8.8."""
    row = r"^\| \w+ \| [^|]+ \| `([^`]+)` \| ([^|]+) \|$"
    rows = re.findall(row, _section("8.8"), re.MULTILINE)
    assert len(rows) >= 18
    table = []
    for reason, decrypts in rows:
        assert set(re.findall(r"<[a-z]+>", reason)) <= {*PLACEHOLDERS, "<list>"}, reason
        pattern = re.escape(reason).replace(re.escape("<list>"), LIST)
        for name, digits in PLACEHOLDERS.items():
            pattern = pattern.replace(re.escape(name), digits)
        table.append((re.compile(pattern + "$"), decrypts.strip()))
    return table


def test_every_placeholder_is_defined() -> None:
    """8.8 defines how each placeholder of a reason text is written (byte-normative)."""
    defined = set(re.findall(r"^- `(<[a-z]+>)`:", _section("8.8"), re.MULTILINE))
    assert defined == {*PLACEHOLDERS, "<list>"}


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_transcript_evaluates_to_its_outcome(folder: Path) -> None:
    outcome = evaluate(secp256k1(), _transcript(folder))
    assert outcome_to_json(outcome) == (folder / "outcome.json").read_bytes()


def test_every_reason_of_the_table_has_a_vector() -> None:
    table = _reason_table()
    used: set[str] = set()
    for outcome in _outcomes():
        holders = {j for j, _ in outcome.verification_keys}
        for trustee, reason in outcome.disqualified:
            matches = [(p, d) for p, d in table if p.match(reason)]
            assert len(matches) == 1, reason
            assert reason.isascii() and re.search(r"\b0\d", reason) is None, reason
            pattern, decrypts = matches[0]
            used.add(pattern.pattern)
            if decrypts == "no":
                assert trustee not in holders, reason
    assert used == {p.pattern for p, _ in table}


def test_precedence_vector_fixes_the_first_failure() -> None:
    """Trustees failing in several ways get the reason of their first failure, naming the
    smallest index (spec 8.2-8.8); the vector holds them so that no implementation guesses."""
    outcome = outcome_from_json(
        (ELECTION / "ceremony-reasons" / "precedence" / "outcome.json").read_bytes(), secp256k1()
    )
    assert dict(outcome.disqualified) == {
        3: "announced an exchange key of small order",
        4: "announced the same signing key as trustee 3",
        5: "announced the same signing key as trustee 3",
        6: "trustee 6 opened 3 commitments",
        7: "trustee 7's proof of knowledge for coefficient 0 is invalid",
        8: "trustee 8 sent a wrong number of proofs",
        9: "published a check naming a dealer twice",
        10: "revealed a share for trustee 1 that does not match",
        11: "revealed a share for trustee 1 that does not match",
        13: "the board went on without it",
        14: "revealed a share twice",
    }
    assert outcome.qualified == (1, 2, 12)


def test_decide_vector_counts_t_votes_and_ignores_late_messages() -> None:
    """Spec 8.8: a trustee is left out when at least t trustees' decisions name it; one vote
    is no decision; the messages of a trustee the board went on without are in no digest row,
    whenever they came (4's opening and 5's announcement arrived after the decision)."""
    folder = ELECTION / "ceremony-reasons" / "decide"
    outcome = outcome_from_json((folder / "outcome.json").read_bytes(), secp256k1())
    assert outcome.qualified == (1, 2, 3)
    assert dict(outcome.disqualified) == {
        4: "the board went on without it",
        5: "the board went on without it",
    }
    rows = json.loads((folder / "digests.json").read_text())["rows"]
    assert [(n, j) for n, j, _ in rows if j in (4, 5)] == [("decide", 4)]
    assert (folder / "open-4.json").exists() and (folder / "announce-5.json").exists()
    transcript = _transcript(folder)
    without_late = dataclasses.replace(
        transcript,
        openings={i: m for i, m in transcript.openings.items() if i != 4},
        announcements={i: m for i, m in transcript.announcements.items() if i != 5},
    )
    assert evaluate(secp256k1(), without_late) == evaluate(secp256k1(), transcript) == outcome
    # Evidence against a trustee the board went on without is one of its files: not examined,
    # even forged (spec 8.8.1); the booth's JavaScript reads it so too (ceremony.test.mjs).
    from votecrypt.protocol.ceremony.messages import Evidence

    commit = transcript.commits[4]
    forged = dataclasses.replace(
        commit, message=dataclasses.replace(commit.message, commitment_hash=bytes(32))
    )
    late = dataclasses.replace(transcript, evidence={4: Evidence.of(commit, forged)})
    assert evaluate(secp256k1(), late) == outcome


def _late_table() -> list[re.Pattern[str]]:
    """The name of every kind of late item, from the table of spec 8.8.2."""
    start = SPEC.index("### 8.8.2 ")
    section = SPEC[start : SPEC.index("\n## ", start)]
    rows = re.findall(r"^\| [^|]+ \| `([^`]+)` \|$", section, re.MULTILINE)
    assert len(rows) == 2
    patterns = []
    for text in rows:
        pattern = re.escape(text)
        for placeholder, value in PLACEHOLDERS.items():
            pattern = pattern.replace(re.escape(placeholder), value)
        patterns.append(re.compile(pattern.replace("(?:commit", "(?:announce|commit") + "$"))
    return patterns


@pytest.mark.parametrize("folder", LATE_FOLDERS, ids=lambda f: f.name)
def test_late_items_are_named_and_change_nothing(folder: Path) -> None:
    """Spec 8.8.2: the endorsed transcript gives its outcome whatever is late; each late item
    is checked against it and named as late.json says, by a row of the spec's table, or
    refused in its words. Taken into the transcript instead, a named late item would change
    the outcome (why it is kept apart)."""
    from votecrypt.protocol.ceremony.late import late_items

    transcript = _transcript(folder)
    late = _transcript(folder / "late", folder)
    expected = json.loads((folder / "late.json").read_text())
    if "refused" in expected:  # a late item that is not its sender's (anyone could write it)
        with pytest.raises(InvalidCeremonyMessage) as refused:
            late_items(transcript, late)
        assert str(refused.value) == expected["refused"]
        return
    names = [name for _, _, name in late_items(transcript, late)]
    assert names == expected["late"]
    table = _late_table()
    assert all(sum(bool(p.match(n)) for p in table) == 1 for n in names), names
    outcome = outcome_from_json((folder / "outcome.json").read_bytes(), secp256k1())
    assert evaluate(secp256k1(), transcript) == outcome
    merged = dataclasses.replace(
        transcript,
        answers={**transcript.answers, **late.answers},
        evidence={**transcript.evidence, **late.evidence},
    )
    assert evaluate(secp256k1(), merged) != outcome


# A second reading of spec 8.2: the digest of every message from its file and the type table
# alone, with the typed encoding of 3.1 written out here (not votecrypt's encoder).


def _frame(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + len(body).to_bytes(8, "big") + body


def _bytes(value: str) -> bytes:
    return _frame(0x01, bytes.fromhex(value))


def _text(value: str) -> bytes:
    return _frame(0x02, unicodedata.normalize("NFC", value).encode())


def _int(value: int) -> bytes:
    return _frame(0x03, value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _scalar(value: str) -> bytes:
    assert len(value) == 64
    return _frame(0x04, bytes.fromhex(value))


def _point(value: str) -> bytes:
    assert len(value) == 66
    return _frame(0x05, bytes.fromhex(value))


def _list(items: list[bytes]) -> bytes:
    return _frame(0x06, b"".join(items))


def _map(entries: dict[str, bytes]) -> bytes:
    keys = sorted(entries, key=lambda k: k.encode())
    return _frame(0x07, b"".join(_text(k) + entries[k] for k in keys))


FIELD_ENCODINGS: dict[str, Any] = {
    "election": _bytes,
    "sender": _int,
    "name": _text,
    "signing_key": _bytes,
    "exchange_key": _bytes,
    "commitment_hash": _bytes,
    "commitments": lambda v: _list([_point(c) for c in v]),
    "proofs": lambda v: _list([_list([_scalar(p["c"]), _scalar(p["z"])]) for p in v]),
    "shares": lambda v: _list(
        [_list([_int(s["recipient"]), _bytes(s["ephemeral"]), _bytes(s["ciphertext"])]) for s in v]
    ),
    "accepted": lambda v: _list([_int(d) for d in v]),
    "complaints": lambda v: _list([_list([_int(c["dealer"]), _text(c["reason"])]) for c in v]),
    "revealed": lambda v: _list([_list([_int(r["recipient"]), _scalar(r["share"])]) for r in v]),
    "without": lambda v: _list([_int(i) for i in v]),
    "seen": lambda v: _list(
        [_list([_text(r["round"]), _int(r["sender"]), _bytes(r["digest"])]) for r in v]
    ),
}


def _spec_fields() -> dict[str, set[str]]:
    """The fields of each round, read from the table of spec 8.2."""
    row = r"^\| ([^|]+) \| `(\w+)` \| [^|]+ \| [^|]+ \|$"
    rows = re.findall(row, _section("8.2"), re.MULTILINE)
    common = {field for where, field in rows if where == "every round"}
    fields: dict[str, set[str]] = {name: set(common) for name in ROUNDS}
    for where, field in rows:
        if where != "every round":
            fields[where.strip("`")].add(field)
    return fields


def _tagged(tag: str, *items: bytes) -> bytes:
    return hashlib.sha256(_text(tag) + b"".join(items)).digest()


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_digests_follow_from_the_files_and_the_type_table(folder: Path) -> None:
    fields = _spec_fields()
    assert set(fields["open"]) == {"election", "sender", "commitments", "proofs", "shares"}
    digests = json.loads((folder / "digests.json").read_text())
    messages = [row for row in digests["rows"] if row[0] != "evidence"]
    order = [(ROUNDS.index(name), sender) for name, sender, _ in messages]
    assert order == sorted(set(order))  # by round, then increasing sender, one each (8.8)
    keys = {}
    rows = []
    evidence_rows = [row for row in digests["rows"] if row[0] == "evidence"]
    assert digests["rows"] == messages + evidence_rows  # the evidence last (8.8 step 9)
    for row_name, sender, digest in messages + evidence_rows:
        name = row_name
        if row_name == "evidence":
            data = _evidence_message(folder, sender, digest)
            name = data["type"].removeprefix("votecrypt/ceremony/")
        else:
            data = json.loads((folder / f"{name}-{sender}.json").read_text())
        message = data["message"]
        assert set(message) == fields[name]
        content = _map({k: FIELD_ENCODINGS[k](v) for k, v in message.items()})
        assert _tagged("votecrypt/1/ceremony-message", _text(name), content).hex() == digest
        if sender not in keys:  # a decision of a trustee the board went on without, too
            announced = json.loads((folder / f"announce-{sender}.json").read_text())["message"]
            keys[sender] = Ed25519PublicKey.from_public_bytes(
                bytes.fromhex(announced["signing_key"])
            )
        keys[sender].verify(bytes.fromhex(data["signature"]), bytes.fromhex(digest))  # raw
        rows.append(_list([_text(row_name), _int(sender), _bytes(digest)]))
    files = {p.name for p in folder.glob("*-*.json")}
    outcome = json.loads((folder / "outcome.json").read_text())
    # Every message has a row, except those of a trustee the board went on without (8.8) or
    # convicted (8.8.1), whose evidence has two rows.
    left_out = {
        d["trustee"]
        for d in outcome["disqualified"]
        if d["reason"] == "the board went on without it" or d["reason"].startswith("signed two")
    }
    unlisted = files - {f"{n}-{j}.json" for n, j, _ in digests["rows"]}
    assert {int(name.split("-")[1].removesuffix(".json")) for name in unlisted} <= left_out
    assert not any(name.startswith("decide-") for name in unlisted)
    parameters = json.loads((folder / "parameters.json").read_text())
    transcript_hash = _tagged(
        "votecrypt/1/ceremony-transcript",
        _bytes(parameters["election"]),
        _int(parameters["trustees"]),
        _int(parameters["threshold"]),
        _list(rows),
    )
    assert transcript_hash.hex() == digests["transcript_hash"] == outcome["transcript_hash"]


def _evidence_message(folder: Path, sender: int, digest: str) -> dict[str, Any]:
    """The message of `evidence-<sender>.json` an evidence row names: its rows are the two
    digests, the smaller first (spec 8.8.1)."""
    evidence = json.loads((folder / f"evidence-{sender}.json").read_text())
    assert set(evidence) == {"type", "version", "messages"}
    assert evidence["type"] == "votecrypt/ceremony/evidence" and len(evidence["messages"]) == 2
    position = [
        row
        for row in json.loads((folder / "digests.json").read_text())["rows"]
        if row[:2] == ["evidence", sender]
    ].index(["evidence", sender, digest])
    return dict(evidence["messages"][position])


def test_evidence_vector_convicts_the_liar_and_spares_its_victim() -> None:
    """Spec 8.8.1: trustee 5 signed two checks; dealer 3, whom one of them accuses, answered
    nothing and is qualified; trustee 5 has the conviction's reason and no key share, and its
    own messages have no digest row (only the evidence's two)."""
    folder = ELECTION / "ceremony-reasons" / "evidence"
    outcome = outcome_from_json((folder / "outcome.json").read_bytes(), secp256k1())
    assert outcome.qualified == (1, 2, 3, 4)
    assert dict(outcome.disqualified) == {5: "signed two different check messages"}
    assert [j for j, _ in outcome.verification_keys] == [1, 2, 3, 4]
    assert not list(folder.glob("answer-*.json"))
    rows = json.loads((folder / "digests.json").read_text())["rows"]
    assert [(n, j) for n, j, _ in rows if j == 5] == [("evidence", 5), ("evidence", 5)]
    first, second = (d for n, _, d in rows if n == "evidence")
    assert first < second
    # Without the evidence, the check shown to the others makes everyone wait for dealer 3.
    from votecrypt.protocol.ceremony.transcript import CeremonyNotReady

    transcript = _transcript(folder)
    with pytest.raises(
        CeremonyNotReady, match=r"trustee 3 to answer the complaints of trustees \[5\]"
    ):
        evaluate(secp256k1(), dataclasses.replace(transcript, evidence={}))
    # Whichever version the directory holds, the evidence gives one outcome.
    for version in (transcript.evidence[5].first, transcript.evidence[5].second):
        copy = dataclasses.replace(transcript, checks={**transcript.checks, 5: version})
        assert evaluate(secp256k1(), copy) == outcome


def test_every_vector_message_validates_against_the_schema() -> None:
    """spec/schema/ceremony-message.schema.json describes every round, `decide` included (the
    other reason vectors hold messages that decode but are malformed on purpose, 8.6)."""
    from test_schemas import validator

    checked = set()
    for folder in (ELECTION / "ceremony", ELECTION / "ceremony-reasons" / "decide"):
        for path in folder.glob("*-*.json"):
            validator("ceremony-message").validate(json.loads(path.read_text()))
            checked.add(path.stem.rpartition("-")[0])
    assert checked == set(ROUNDS)
    unsorted = json.loads((ELECTION / "ceremony-reasons" / "decide" / "decide-1.json").read_text())
    unsorted["message"]["without"] = [5, 5]
    assert list(validator("ceremony-message").iter_errors(unsorted))
    evidence = json.loads(
        (ELECTION / "ceremony-reasons" / "evidence" / "evidence-5.json").read_text()
    )
    validator("ceremony-message").validate(evidence)
    evidence["messages"] = evidence["messages"][:1]
    assert list(validator("ceremony-message").iter_errors(evidence))
