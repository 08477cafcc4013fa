"""The verifier: a complete record verifies; every kind of tampering fails the right check."""

from __future__ import annotations

import copy
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from election_helpers import run_counts

from votecrypt.math import Scalar, secp256k1
from votecrypt.record.log import Entry, entry_from_line, entry_hash, entry_to_line
from votecrypt.service.demo import DemoOutcome
from votecrypt.verifier import Checkpoint, verify_record
from votecrypt.verifier.report import CHECKS

Entries = list[Entry]


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> DemoOutcome:
    # Low counts chosen so that candidate 1 is in the "resign-or-vote" bracket.
    root = tmp_path_factory.mktemp("verifier") / "election"
    return run_counts(
        root,
        secp256k1(),
        [("Nguyễn Văn A", "Chủ tịch"), ("Trần Thị B", "Phó Chủ tịch")],
        [(1, 1, 4), (4, 2, 0)],
        7,
        challenges=2,
    )


def read_entries(record: Path) -> Entries:
    lines = (record / "log.jsonl").read_bytes().splitlines()
    return [entry_from_line(line, i + 1) for i, line in enumerate(lines)]


def write_record(path: Path, entries: Entries, *, rechain: bool = True) -> Path:
    """A record holding only these entries; with `rechain`, every hash is recomputed, as an
    attacker who controls the whole log would do."""
    path.mkdir(parents=True)
    previous = bytes(32)
    with open(path / "log.jsonl", "wb") as log:
        for seq, entry in enumerate(entries):
            if rechain:
                digest = entry_hash(seq, previous, entry.kind, entry.payload)
                entry = Entry(seq, entry.kind, entry.payload, previous, digest)
                previous = digest
            log.write(entry_to_line(entry))
    return path


def tampered(
    election: DemoOutcome, tmp_path: Path, edit: Callable[[Entries], None], *, rechain: bool = True
) -> set[str]:
    entries = [copy.deepcopy(e) for e in read_entries(election.record)]
    edit(entries)
    report = verify_record(write_record(tmp_path / "tampered", entries, rechain=rechain), jobs=1)
    return {check.name for check in report.failed()}


def first(entries: Entries, kind: str, n: int = 0) -> int:
    return [i for i, e in enumerate(entries) if e.kind == kind][n]


def replace_payload(entries: Entries, index: int, payload: Any) -> None:
    e = entries[index]
    entries[index] = Entry(e.seq, e.kind, payload, e.prev, e.hash)


def bump_hex(value: str) -> str:
    """Change a 32-byte scalar in hex to another canonical one."""
    return (Scalar.from_canonical_bytes(bytes.fromhex(value)) + Scalar(1)).hex()


def test_the_record_verifies(election: DemoOutcome) -> None:
    report = verify_record(election.record, jobs=1)
    assert report.complete, "\n".join(report.lines())
    assert [c.number for c in report.checks.values()] == [number for number, *_ in CHECKS]
    assert report["ballot-proofs"].checked == 7
    assert report["challenges"].checked == 2


def test_the_record_verifies_on_two_processes_and_from_archives(
    election: DemoOutcome, tmp_path: Path
) -> None:
    assert verify_record(election.record, jobs=2).complete
    archive = shutil.make_archive(str(tmp_path / "record"), "zip", election.record)
    assert verify_record(Path(archive), jobs=1).complete
    tar_path = tmp_path / "record.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(election.record, arcname="record")
    assert verify_record(tar_path, jobs=1).complete
    assert zipfile.is_zipfile(archive)


def test_reference_backend_gives_the_same_verdict(election: DemoOutcome) -> None:
    report = verify_record(election.record, jobs=1, group=secp256k1("py_ecc"))
    assert report.complete, "\n".join(report.lines())


def test_ballot_proof(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = first(entries, "ballot")
        payload = copy.deepcopy(entries[i].payload)
        responses = payload["rows"][0]["proof"]["responses"]
        responses[0][0] = bump_hex(responses[0][0])
        replace_payload(entries, i, payload)

    failed = tampered(election, tmp_path, edit)
    assert {"ballot-proofs", "ballot-signatures"} <= failed


def test_ballot_signature(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = first(entries, "ballot", 2)
        payload = copy.deepcopy(entries[i].payload)
        payload["signature"] = "00" * 64
        replace_payload(entries, i, payload)

    assert tampered(election, tmp_path, edit) == {"ballot-signatures"}


def test_ciphertext(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = first(entries, "ballot", 1)
        payload = copy.deepcopy(entries[i].payload)
        ciphertext = payload["rows"][1]["ciphertexts"][0]
        ciphertext["beta"] = secp256k1().generator.hex()
        replace_payload(entries, i, payload)

    failed = tampered(election, tmp_path, edit)
    assert {"ballot-proofs", "tally"} <= failed


def test_removed_ballot(election: DemoOutcome, tmp_path: Path) -> None:
    failed = tampered(election, tmp_path, lambda entries: entries.pop(first(entries, "ballot", 3)))
    assert {"tally", "close"} <= failed


def test_inserted_ballot(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = first(entries, "ballot", 0)
        entries.insert(i + 1, copy.deepcopy(entries[i]))

    failed = tampered(election, tmp_path, edit)
    assert {"ballot-credentials", "ballot-uniqueness", "tally"} <= failed


def test_edited_entry_without_rechaining(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = first(entries, "close")
        payload = dict(entries[i].payload)
        payload["ballots"] = 99
        replace_payload(entries, i, payload)

    failed = tampered(election, tmp_path, edit, rechain=False)
    assert {"log-chain", "close"} <= failed


def test_reordered_entries(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        ballot = entries.pop(first(entries, "ballot", 0))
        entries.insert(first(entries, "close") + 1, ballot)

    assert "log-order" in tampered(election, tmp_path, edit)


def test_commitment(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = next(
            n
            for n, e in enumerate(entries)
            if e.kind == "ceremony" and e.payload["type"].endswith("/open")
        )
        payload = copy.deepcopy(entries[i].payload)
        payload["message"]["commitments"][0] = secp256k1().generator.hex()
        replace_payload(entries, i, payload)

    failed = tampered(election, tmp_path, edit)
    assert {"ceremony-messages", "ceremony-outcome"} <= failed


@pytest.mark.parametrize("adjacent", [True, False], ids=["next-to-it", "after-the-others"])
def test_second_ceremony_message_of_a_round_and_sender_is_ignored(
    election: DemoOutcome, tmp_path: Path, adjacent: bool
) -> None:
    """Spec 8.2: the first message of a round and sender enters the transcript; a later one,
    here a commit with another hash and no valid signature, fails check 3 and is ignored."""

    def edit(entries: Entries) -> None:
        i = next(
            n
            for n, e in enumerate(entries)
            if e.kind == "ceremony" and e.payload["type"].endswith("/commit")
        )
        payload = copy.deepcopy(entries[i].payload)
        payload["message"]["commitment_hash"] = "00" * 32
        at = i + 1 if adjacent else first(entries, "ceremony-outcome")
        entries.insert(at, Entry(0, "ceremony", payload, bytes(32), bytes(32)))

    assert tampered(election, tmp_path, edit) == {"log-order"}


def test_decryption_share(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = first(entries, "decryption-share")
        payload = copy.deepcopy(entries[i].payload)
        payload["partials"][0][0]["value"] = secp256k1().generator.hex()
        replace_payload(entries, i, payload)

    assert "decryption-shares" in tampered(election, tmp_path, edit)


def _edit_results(
    field: str, change: Callable[[dict[str, Any]], None]
) -> Callable[[Entries], None]:
    def edit(entries: Entries) -> None:
        i = first(entries, "results")
        payload = copy.deepcopy(entries[i].payload)
        change(payload["candidates"][0][field])
        replace_payload(entries, i, payload)

    return edit


def test_announced_counts(election: DemoOutcome, tmp_path: Path) -> None:
    def change(counts: dict[str, Any]) -> None:
        counts["low"] -= 1
        counts["high"] += 1

    assert "result-counts" in tampered(election, tmp_path, _edit_results("counts", change))


def test_percentage(election: DemoOutcome, tmp_path: Path) -> None:
    def change(percentages: dict[str, Any]) -> None:
        percentages["low"] = "50.00"

    assert tampered(election, tmp_path, _edit_results("percentages", change)) == {
        "result-percentages"
    }


def test_bracket(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = first(entries, "results")
        payload = copy.deepcopy(entries[i].payload)
        assert payload["candidates"][0]["bracket"] == "resign-or-vote"
        payload["candidates"][0]["bracket"] = None
        replace_payload(entries, i, payload)

    assert tampered(election, tmp_path, edit) == {"result-brackets"}


def test_copies_must_match_the_log(election: DemoOutcome, tmp_path: Path) -> None:
    record = tmp_path / "copy"
    shutil.copytree(election.record, record)
    text = (record / "results.json").read_text(encoding="utf-8")
    (record / "results.json").write_text(
        text.replace('"collected":7', '"collected":8'), encoding="utf-8"
    )
    report = verify_record(record, jobs=1)
    assert {c.name for c in report.failed()} == {"record-copies"}


def test_every_failure_is_reported_not_only_the_first(
    election: DemoOutcome, tmp_path: Path
) -> None:
    def edit(entries: Entries) -> None:
        for n in range(3):
            i = first(entries, "ballot", n)
            payload = copy.deepcopy(entries[i].payload)
            payload["signature"] = "00" * 64
            replace_payload(entries, i, payload)

    entries = read_entries(election.record)
    edit(entries)
    report = verify_record(write_record(tmp_path / "many", entries), jobs=1)
    assert report["ballot-signatures"].failure_count == 3


def test_an_observers_checkpoint_detects_rewritten_history_and_skips_nothing(
    election: DemoOutcome, tmp_path: Path
) -> None:
    entries = read_entries(election.record)
    middle = first(entries, "ballot", 3)
    partial = verify_record(
        write_record(tmp_path / "partial", entries[: middle + 1], rechain=False), jobs=1
    )
    assert partial.ok and not partial.complete
    assert partial["tally"].status == "SKIP"
    assert partial.head is not None
    checkpoint = Checkpoint(partial.head[0], bytes.fromhex(partial.head[1]))
    later = verify_record(election.record, jobs=1, since=checkpoint)
    assert later.complete and later.entries_trusted == 0  # unsigned: it vouches for no proof
    # A log whose history before the checkpoint was rewritten fails the chain check.
    rewritten = [copy.deepcopy(e) for e in entries]
    i = first(rewritten, "ballot", 0)
    payload = copy.deepcopy(rewritten[i].payload)
    payload["signature"] = "00" * 64
    replace_payload(rewritten, i, payload)
    report = verify_record(
        write_record(tmp_path / "rewritten", rewritten), jobs=1, since=checkpoint
    )
    assert {"log-chain", "ballot-signatures"} <= {c.name for c in report.failed()}


def test_a_log_shorter_than_the_checkpoint_fails(election: DemoOutcome, tmp_path: Path) -> None:
    """A rewritten log cut before the checkpoint's entry has no entry to compare: it must
    fail all the same; the report says how much was read, and nothing was vouched for."""
    entries = read_entries(election.record)
    last = entries[-1]
    checkpoint = Checkpoint(last.seq, last.hash)
    full = verify_record(election.record, jobs=1, since=checkpoint)
    assert full.complete and full.entries == len(entries)
    assert full.entries_trusted == 0
    short = verify_record(
        write_record(tmp_path / "short", entries[: first(entries, "tally")], rechain=False),
        jobs=1,
        since=checkpoint,
    )
    assert {c.name for c in short.failed()} == {"log-chain"}
    assert "entries were removed" in short["log-chain"].failures[0]


def test_copies_are_compared_byte_for_byte(election: DemoOutcome, tmp_path: Path) -> None:
    """`true` for `1` (equal in Python), or the same JSON written differently, is not the
    published entry."""
    record = tmp_path / "copy"
    shutil.copytree(election.record, record)
    text = (record / "results.json").read_text(encoding="utf-8")
    assert '"quorum_met":true' in text
    (record / "results.json").write_text(text.replace('"quorum_met":true', '"quorum_met":1'))
    assert {c.name for c in verify_record(record, jobs=1).failed()} == {"record-copies"}
    (record / "results.json").write_text(text.replace(",", ", "))
    assert {c.name for c in verify_record(record, jobs=1).failed()} == {"record-copies"}


def test_presentations_are_reported_as_not_checked(election: DemoOutcome) -> None:
    report = verify_record(election.record, jobs=1)
    assert report.unchecked == ["results.html", "results.csv", "result-sheet.json"]
    assert any(line.startswith("Not checked: results.html") for line in report.lines())


def test_the_report_names_the_election(election: DemoOutcome) -> None:
    import json

    from votecrypt.protocol.context import election_fingerprint

    report = verify_record(election.record, jobs=1)
    assert report.election is not None
    context_hash = report.election["context_hash"]
    assert report.election["fingerprint"] == election_fingerprint(bytes.fromhex(context_hash))
    from votecrypt.service.election_dir import load_manifest

    assert report.election["title"] == load_manifest(election.directory).title
    lines = report.lines()
    assert lines[0].startswith("Election: ")
    assert f"Context hash: {context_hash}" in lines
    assert json.loads(report.to_json())["election"] == report.election


def test_a_changed_percentage_names_the_field(election: DemoOutcome, tmp_path: Path) -> None:
    def edit(entries: Entries) -> None:
        i = first(entries, "results")
        payload = copy.deepcopy(entries[i].payload)
        payload["candidates"][0]["percentages"]["low"] = "50,00"
        replace_payload(entries, i, payload)

    entries = read_entries(election.record)
    edit(entries)
    report = verify_record(write_record(tmp_path / "percent", entries), jobs=1)
    (message,) = report["result-percentages"].failures
    assert "percentages.low: announced '50,00'" in message
    assert "percentages.high" not in message


@pytest.mark.parametrize(
    "payload_text",
    [
        '{"a":1,"b":["x",true,null]}',  # canonical
        '{"b":["x",true,null],"a":1}',  # keys out of order
        '{"a": 1,"b":["x",true,null]}',  # white space
        '{"a":1,"b":["\\u0078",true,null]}',  # an escape JSON does not need
        '{"a":1,"b":["Vi\u1ec7t",true,null]}',  # NFC text, written as it is
        '{"a":1,"b":["Vie\u0323\u0302t",true,null]}',  # not NFC: the line does not decode
        '{"Vie\u0323\u0302t":1}',  # a key not in NFC: read as its NFC form, so not canonical
    ],
)
def test_the_canonical_line_check_agrees_with_writing_the_entry_again(payload_text: str) -> None:
    # Check 1 compares a line with its entry's canonical JSON (spec 15.2); the verifier
    # writes a read payload without normalising it again (is_canonical_line): the same
    # verdict as writing the entry again with entry_to_line.
    from votecrypt.errors import EncodingError
    from votecrypt.record.log import is_canonical_line

    line = (
        f'{{"hash":"{"11" * 32}","kind":"close","payload":{payload_text},'
        f'"prev":"{"22" * 32}","seq":3}}\n'
    ).encode()
    try:
        entry = entry_from_line(line, 1)
    except EncodingError:
        assert "Vie\u0323\u0302t" in payload_text
        return
    assert is_canonical_line(entry, line) == (entry_to_line(entry) == line)
    canonical = {'{"a":1,"b":["x",true,null]}', '{"a":1,"b":["Vi\u1ec7t",true,null]}'}
    assert is_canonical_line(entry, line) == (payload_text in canonical)


@pytest.mark.parametrize(
    "payload",
    [
        {"a": [1, "x", None, True, {"b": []}]},
        {"a": [1, -1]},  # a negative integer has no typed encoding
        {"a": {"Vie\u0323\u0302t": 1}},  # a key not in NFC
        ["x", ["Vie\u0323\u0302t"]],  # a text not in NFC
        {"a": "Vi\u1ec7t"},
    ],
)
def test_the_quick_hashable_walk_agrees_with_the_one_that_names_the_place(payload: Any) -> None:
    from votecrypt.errors import EncodingError
    from votecrypt.record.log import _check_hashable, _hashable

    try:
        _check_hashable(payload, "payload")
        refused = False
    except EncodingError:
        refused = True
    assert _hashable(payload) is not refused
