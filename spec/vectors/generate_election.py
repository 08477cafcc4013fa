"""Generate the election-record vectors of spec 16.5, deterministically.

    python spec/vectors/generate_election.py          # rewrite spec/vectors/election/
    python spec/vectors/generate_election.py --check  # compare with the committed files

Every random value comes from a fixed seed through the library's one randomness seam, so the
output is the same byte for byte on every run. The record is a small complete election; each
tampered copy changes one thing and lists, in expected.json, the checks it must fail.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from votecrypt import __version__
from votecrypt.math import Scalar, secp256k1
from votecrypt.math.randomness import _deterministic
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.primitives.sealing import seal
from votecrypt.protocol.ceremony.messages import (
    Answer,
    CeremonyParameters,
    Opening,
    RevealedShare,
    SealedShare,
    Signed,
    share_binding,
)
from votecrypt.protocol.ceremony.transcript import Transcript, evaluate
from votecrypt.protocol.ceremony.trustee import Trustee
from votecrypt.protocol.manifest import Candidate, Manifest
from votecrypt.protocol.rules import preset
from votecrypt.record.ceremony_codec import message_to_json, outcome_to_json
from votecrypt.record.log import Entry, entry_from_line, entry_hash, entry_to_line
from votecrypt.service.demo import run_election
from votecrypt.verifier import verify_record
from votecrypt.verifier.verify import Checkpoint

HERE = Path(__file__).resolve().parent / "election"
SEED = b"election-record-v1"

Edit = Callable[[list[Entry]], None]


def manifest() -> Manifest:
    return Manifest.build(
        title="Lấy phiếu tín nhiệm (vectors)",
        body="Hội đồng nhân dân tỉnh Mẫu",
        date="2026-12-10",
        candidates=[Candidate("Nguyễn Văn A", "Chủ tịch"), Candidate("Trần Thị B", "Phó Chủ tịch")],
        rules=preset("nq96-2023"),
        trustees=["Thành viên 1", "Thành viên 2", "Thành viên 3"],
        threshold=2,
        credentials=4,
        summoned=5,
    )


CHOICES = [["low", "high"], ["low", "medium"], ["high", "high"], ["low", "blank"]]


def record_lines() -> list[bytes]:
    """The log of the vector election, one canonical line per entry."""
    with tempfile.TemporaryDirectory() as folder, _deterministic(SEED):
        outcome = run_election(
            Path(folder) / "election",
            secp256k1(),
            manifest(),
            CHOICES,
            challenges=1,
            decrypting=[1, 3],
            kdf=KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024),
        )
        return (outcome.record / "log.jsonl").read_bytes().splitlines(keepends=True)


def _index(entries: list[Entry], kind: str, n: int = 0) -> int:
    return [i for i, e in enumerate(entries) if e.kind == kind][n]


def _with_payload(entries: list[Entry], i: int, change: Callable[[Any], None]) -> None:
    payload = copy.deepcopy(entries[i].payload)
    change(payload)
    e = entries[i]
    entries[i] = Entry(e.seq, e.kind, payload, e.prev, e.hash)


def _move_after_close(entries: list[Entry], i: int) -> None:
    moved = entries.pop(i)
    entries.insert(_index(entries, "close") + 1, moved)


def _insert_copy(entries: list[Entry], i: int, at: int, change: Callable[[Any], None]) -> None:
    """Insert at `at` a copy of entry `i` with its payload changed."""
    payload = copy.deepcopy(entries[i].payload)
    change(payload)
    e = entries[i]
    entries.insert(at, Entry(e.seq, e.kind, payload, e.prev, e.hash))


def _operator_key(payload: Any) -> None:
    """The operator's own key as the joint key: it would read every ballot."""
    payload["joint_key"] = G_HEX


def _substitute_credential(payload: Any) -> None:
    """One issued credential swapped for a key the operator holds (endorsements kept)."""
    operator = hashlib.sha256(b"operator credential").digest()
    from votecrypt.primitives.signing import SigningKey

    key = SigningKey.from_secret_bytes(operator).verify_key.hex()
    payload["public_keys"] = sorted([*payload["public_keys"][1:], key])


def _spaced_hex(value: str) -> str:
    """The same bytes with white space inside the hex (bytes.fromhex would accept it)."""
    return value[:16] + "  " + value[16:]


def _bump(value: str) -> str:
    return (Scalar.from_canonical_bytes(bytes.fromhex(value)) + Scalar(1)).hex()


G_HEX = secp256k1().generator.hex()

#: name -> (edit, re-chain the log after the edit?, checks that must fail, description)
TAMPERINGS: dict[str, tuple[Edit, bool, list[str], str]] = {
    "ballot-proof": (
        lambda es: _with_payload(
            es,
            _index(es, "ballot"),
            lambda p: p["rows"][0]["proof"]["responses"][0].__setitem__(
                0, _bump(p["rows"][0]["proof"]["responses"][0][0])
            ),
        ),
        True,
        ["ballot-proofs", "ballot-signatures"],
        "a response of a row proof changed",
    ),
    "ballot-signature": (
        lambda es: _with_payload(
            es, _index(es, "ballot", 1), lambda p: p.__setitem__("signature", "00" * 64)
        ),
        True,
        ["ballot-signatures"],
        "a ballot's signature replaced",
    ),
    "ciphertext": (
        lambda es: _with_payload(
            es,
            _index(es, "ballot", 2),
            lambda p: p["rows"][1]["ciphertexts"][0].__setitem__("beta", G_HEX),
        ),
        True,
        ["ballot-proofs", "ballot-signatures", "tally"],
        "a ballot's ciphertext replaced",
    ),
    "removed-ballot": (
        lambda es: es.pop(_index(es, "ballot", 3)),
        True,
        ["close", "tally"],
        "a cast ballot removed",
    ),
    "inserted-ballot": (
        lambda es: es.insert(_index(es, "ballot") + 1, copy.deepcopy(es[_index(es, "ballot")])),
        True,
        ["ballot-credentials", "ballot-uniqueness", "close", "tally"],
        "a cast ballot duplicated",
    ),
    "edited-entry": (
        lambda es: _with_payload(es, _index(es, "close"), lambda p: p.__setitem__("ballots", 9)),
        False,
        ["log-chain", "close"],
        "the close entry edited without recomputing the chain",
    ),
    "reordered-entries": (
        lambda es: _move_after_close(es, _index(es, "ballot", 0)),
        True,
        ["close", "log-order"],
        "a ballot moved after the close entry",
    ),
    "commitment": (
        lambda es: _with_payload(
            es,
            next(
                i
                for i, e in enumerate(es)
                if e.kind == "ceremony" and e.payload["type"].endswith("/open")
            ),
            lambda p: p["message"]["commitments"].__setitem__(0, G_HEX),
        ),
        True,
        ["ceremony-messages", "ceremony-outcome", "credentials"],
        "a dealer's commitment replaced",
    ),
    "decryption-share": (
        lambda es: _with_payload(
            es,
            _index(es, "decryption-share"),
            lambda p: p["partials"][0][0].__setitem__("value", G_HEX),
        ),
        True,
        [
            "decryption-shares",
            "decryption",
            "result-counts",
            "result-percentages",
            "result-brackets",
            "result-totals",
        ],
        "a partial decryption replaced (only one valid share is left)",
    ),
    "announced-counts": (
        lambda es: _with_payload(
            es, _index(es, "results"), lambda p: p["candidates"][0]["counts"].update(low=2, high=2)
        ),
        True,
        ["result-counts", "result-percentages"],
        "announced counts changed",
    ),
    "percentage": (
        lambda es: _with_payload(
            es,
            _index(es, "results"),
            lambda p: p["candidates"][0]["percentages"].__setitem__("low", "50.00"),
        ),
        True,
        ["result-percentages"],
        "an announced percentage changed",
    ),
    "bracket": (
        lambda es: _with_payload(
            es, _index(es, "results"), lambda p: p["candidates"][0].__setitem__("bracket", None)
        ),
        True,
        ["result-brackets"],
        "the announced consequence removed",
    ),
    "forged-outcome-first": (
        lambda es: _insert_copy(
            es, _index(es, "ceremony-outcome"), _index(es, "ceremony-outcome"), _operator_key
        ),
        True,
        [
            "log-order",
            "ceremony-outcome",
            "election-context",
            "ballot-format",
            "challenges",
            "close",
            "tally",
            "result-totals",
        ],
        "an outcome with the operator's key inserted before the real one (a booth taking the "
        "first would encrypt under it)",
    ),
    "substituted-credentials": (
        lambda es: _with_payload(es, _index(es, "credentials"), _substitute_credential),
        True,
        [
            "credentials",
            "election-context",
            "ballot-format",
            "ballot-credentials",
            "challenges",
            "close",
            "tally",
            "result-totals",
        ],
        "one credential of the endorsed list swapped for a key the operator holds",
    ),
    "second-tally": (
        lambda es: _insert_copy(es, _index(es, "tally"), _index(es, "tally") + 1, lambda p: None),
        True,
        ["log-order"],
        "a second tally entry after the first",
    ),
    "whitespace-in-hex": (
        lambda es: _with_payload(
            es,
            _index(es, "ballot"),
            lambda p: p.__setitem__("ballot_id", _spaced_hex(p["ballot_id"])),
        ),
        True,
        ["ballot-format", "tally"],
        "white space inside a ballot's hex: the same bytes in a second encoding",
    ),
}

#: name -> (number of entries kept, description): a log cut short, verified against a
#: checkpoint taken on the whole record (spec 16.4).
SHORTENED = {
    "shorter-than-checkpoint": (-3, "the last entries removed after an observer's checkpoint"),
}


def rechained(entries: list[Entry]) -> list[bytes]:
    previous = bytes(32)
    lines = []
    for seq, entry in enumerate(entries):
        digest = entry_hash(seq, previous, entry.kind, entry.payload)
        lines.append(entry_to_line(Entry(seq, entry.kind, entry.payload, previous, digest)))
        previous = digest
    return lines


def ceremony_files() -> dict[str, bytes]:
    """A 2-of-4 ceremony with complaints (spec 8.6-8.8): dealer 2 sends a bad share to
    trustee 4 and answers the complaint correctly (it stays); dealer 3 sends a bad share to
    trustee 1 and reveals a wrong one (it is disqualified)."""
    group = secp256k1()
    parameters = CeremonyParameters(hashlib.sha256(b"ceremony vectors").digest(), 4, 2)
    with _deterministic(SEED + b"/ceremony"):
        trustees = [
            Trustee.create(group, parameters, i, f"Trustee {i}") for i in parameters.indices
        ]
        transcript = Transcript(parameters, announcements={t.index: t.announce() for t in trustees})
        transcript = dataclasses.replace(
            transcript, commits={t.index: t.commit(transcript) for t in trustees}
        )
        openings = {}
        for trustee in trustees:
            signed = trustee.open(transcript)
            victim = {2: 4, 3: 1}.get(trustee.index)
            openings[trustee.index] = (
                signed if victim is None else _bad_share(trustee, signed, transcript, victim)
            )
        transcript = dataclasses.replace(transcript, openings=openings)
        transcript = dataclasses.replace(
            transcript, checks={t.index: t.check(transcript) for t in trustees}
        )
        answers = {}
        for trustee in trustees:
            answer = trustee.answer(transcript)
            if answer is not None and trustee.index == 3:
                wrong = Answer(parameters.election, 3, (RevealedShare(1, Scalar(12345)),))
                answer = Signed.create(wrong, trustee.export_secrets().signing_key)
            if answer is not None:
                answers[trustee.index] = answer
        transcript = dataclasses.replace(transcript, answers=answers)
    outcome = evaluate(group, transcript, close=True)
    files = {
        "ceremony/parameters.json": (
            json.dumps({"election": parameters.election.hex(), "trustees": 4, "threshold": 2})
            + "\n"
        ).encode(),
        "ceremony/outcome.json": outcome_to_json(outcome) + b"\n",
    }
    for _, messages in transcript.rounds():
        for index, signed in messages.items():
            files[f"ceremony/{signed.message.ROUND}-{index}.json"] = message_to_json(signed) + b"\n"
    return files


def _bad_share(
    trustee: Trustee, signed: Signed[Opening], transcript: Transcript, victim: int
) -> Signed[Opening]:
    secrets = trustee.export_secrets()
    assert secrets.polynomial is not None
    key = transcript.announcements[victim].message.exchange_key
    opening = signed.message
    wrong = secrets.polynomial.evaluate(victim) + Scalar(1)
    box = seal(key, wrong.to_bytes(), share_binding(opening.election, opening.sender, victim, key))
    shares = tuple(SealedShare(victim, box) if s.recipient == victim else s for s in opening.shares)
    return Signed.create(dataclasses.replace(opening, shares=shares), secrets.signing_key)


def build() -> dict[str, bytes]:
    """Every file of spec/vectors/election/, by relative path."""
    lines = record_lines()
    entries = [entry_from_line(line, n + 1) for n, line in enumerate(lines)]
    files = {"record/log.jsonl": b"".join(lines)}
    expected: dict[str, Any] = {
        "origin": f"spec/vectors/generate_election.py, votecrypt {__version__}, seed "
        f"{SEED.decode()}",
        "record": {"path": "record", "failed": []},
        "tampered": {},
    }
    for name, (edit, rechain, failed, description) in TAMPERINGS.items():
        changed = [copy.deepcopy(e) for e in entries]
        edit(changed)
        data = b"".join(rechained(changed) if rechain else [entry_to_line(e) for e in changed])
        files[f"tampered/{name}/log.jsonl"] = data
        expected["tampered"][name] = {
            "path": f"tampered/{name}",
            "description": description,
            "failed": sorted(failed),
        }
    for name, (keep, description) in SHORTENED.items():
        files[f"tampered/{name}/log.jsonl"] = b"".join(lines[:keep])
        last = entries[-1]
        expected["tampered"][name] = {
            "path": f"tampered/{name}",
            "description": description,
            "checkpoint": {"seq": last.seq, "hash": last.hash.hex()},
            "failed": ["log-chain"],
        }
    files.update(ceremony_files())
    files["expected.json"] = (
        json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    ).encode()
    return files


def check_expectations(root: Path) -> list[str]:
    """Run the verifier on every vector; list the disagreements with expected.json."""
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    problems = []
    cases = {"record": expected["record"], **expected["tampered"]}
    for name, case in cases.items():
        since = case.get("checkpoint")
        report = verify_record(
            root / case["path"],
            jobs=1,
            since=None if since is None else Checkpoint(since["seq"], bytes.fromhex(since["hash"])),
        )
        failed = sorted(c.name for c in report.failed())
        if failed != case["failed"]:
            problems.append(f"{name}: failed {failed}, expected {case['failed']}")
        if name == "record" and not report.complete:
            problems.append("record: not complete")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    files = build()
    if args.check:
        different = [
            p for p, d in files.items() if not (HERE / p).exists() or (HERE / p).read_bytes() != d
        ]
        print("\n".join(different) or "the election vectors are up to date")
        return 1 if different else 0
    for path, data in files.items():
        (HERE / path).parent.mkdir(parents=True, exist_ok=True)
        (HERE / path).write_bytes(data)
    problems = check_expectations(HERE)
    print("\n".join(problems) or f"wrote {len(files)} files; every expectation holds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
