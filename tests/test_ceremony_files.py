"""Ceremony messages and outcomes as JSON files; the trustee's encrypted secret file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ceremony_helpers import (
    ELECTION,
    announce_and_commit,
    bad_share,
    make_trustees,
    with_answers,
    with_checks,
    with_openings,
)

from votecrypt.errors import EncodingError, SecretStoreError
from votecrypt.math import Group
from votecrypt.primitives.passphrase import KdfParameters
from votecrypt.protocol.ceremony.messages import CeremonyParameters
from votecrypt.protocol.ceremony.runner import run_ceremony
from votecrypt.record.ceremony_codec import (
    message_from_json,
    message_to_json,
    outcome_from_json,
    outcome_to_json,
)
from votecrypt.storage.secret_file import load_trustee, save_trustee, secret_file_label

FAST_KDF = KdfParameters(iterations=1, lanes=1, memory_kib=8 * 1024)


def test_every_message_round_trips(group: Group) -> None:
    trustees = make_trustees(group, 2, 3)
    transcript = with_checks(
        with_openings(announce_and_commit(trustees), trustees, bad_share(1, 2)), trustees
    )
    transcript = with_answers(transcript, trustees)
    rounds = [
        transcript.announcements,
        transcript.commits,
        transcript.openings,
        transcript.checks,
        transcript.answers,
    ]
    assert transcript.answers  # the bad share produced a complaint and an answer
    for messages in rounds:
        for signed in messages.values():
            data = message_to_json(signed)
            decoded = message_from_json(data, group)
            assert decoded == signed
            assert message_to_json(decoded) == data
            decoded.verify(transcript.announcements[signed.message.sender].message.signing_key)


def test_outcome_round_trips(group: Group) -> None:
    _, outcome, _ = run_ceremony(group, CeremonyParameters(ELECTION, 3, 2), ["a", "b", "c"])
    data = outcome_to_json(outcome)
    assert outcome_from_json(data, group) == outcome


def _commit_document(group: Group) -> dict:  # type: ignore[type-arg]
    trustees = make_trustees(group, 1, 1)
    transcript = announce_and_commit(trustees)
    return json.loads(message_to_json(transcript.commits[1]))


@pytest.mark.parametrize(
    "change",
    [
        "unknown field",
        "missing signature",
        "upper-case hex",
        "short hash",
        "sender zero",
        "sender as text",
        "wrong round",
        "version 2",
        "float",
    ],
)
def test_malformed_messages_are_refused(group: Group, change: str) -> None:
    document = _commit_document(group)
    text: str | None = None
    if change == "unknown field":
        document["message"]["extra"] = 1
    elif change == "missing signature":
        del document["signature"]
    elif change == "upper-case hex":
        document["signature"] = document["signature"].upper()
    elif change == "short hash":
        document["message"]["commitment_hash"] = "00" * 31
    elif change == "sender zero":
        document["message"]["sender"] = 0
    elif change == "sender as text":
        document["message"]["sender"] = "1"
    elif change == "wrong round":
        document["type"] = "votecrypt/ceremony/open"
    elif change == "version 2":
        document["version"] = 2
    elif change == "float":
        text = json.dumps(document).replace('"version": 1', '"version": 1.0')
    data = (text or json.dumps(document)).encode()
    with pytest.raises(EncodingError):
        message_from_json(data, group)


def test_duplicate_keys_and_garbage_are_refused(group: Group) -> None:
    with pytest.raises(EncodingError):
        message_from_json(b'{"type": "a", "type": "b"}', group)
    with pytest.raises(EncodingError):
        message_from_json(b"\xff\xfe not json", group)
    with pytest.raises(EncodingError):
        message_from_json(b"[" * 100 + b"]" * 100, group)


def test_expected_round_is_enforced(group: Group) -> None:
    trustees = make_trustees(group, 1, 1)
    transcript = announce_and_commit(trustees)
    with pytest.raises(EncodingError, match="expected a open message"):
        message_from_json(message_to_json(transcript.commits[1]), group, "open")


def test_secret_file_round_trip_at_every_step(group: Group, tmp_path: Path) -> None:
    trustees, outcome, _ = run_ceremony(group, CeremonyParameters(ELECTION, 3, 2), ["a", "b", "c"])
    path = tmp_path / "trustee.secret"
    save_trustee(path, trustees[1], "correct horse", FAST_KDF)
    loaded = load_trustee(path, "correct horse", group)
    assert loaded.step == "finalized"
    assert loaded.outcome == outcome
    assert loaded.key_share().export_scalar() == trustees[1].key_share().export_scalar()
    assert (
        loaded.export_secrets().signing_key.verify_key == trustees[1].announce().message.signing_key
    )
    assert "trustee 2 (b)" in secret_file_label(path)
    assert path.stat().st_mode & 0o777 == 0o600
    share_hex = trustees[1].key_share().export_scalar().hex()
    assert share_hex not in path.read_text()


def test_wrong_passphrase_and_tampering(group: Group, tmp_path: Path) -> None:
    trustee = make_trustees(group, 1, 1)[0]
    path = tmp_path / "trustee.secret"
    save_trustee(path, trustee, "right", FAST_KDF)
    with pytest.raises(SecretStoreError, match="wrong passphrase"):
        load_trustee(path, "wrong", group)
    document = json.loads(path.read_text())
    document["label"] = "trustee 9"  # the header is authenticated
    path.write_text(json.dumps(document))
    with pytest.raises(SecretStoreError):
        load_trustee(path, "right", group)
    path.write_text("{}")
    with pytest.raises(SecretStoreError, match="not a valid secret file"):
        load_trustee(path, "right", group)


def test_public_files_are_readable_by_others_and_secret_files_are_not(tmp_path: Path) -> None:
    from votecrypt.storage.files import write_atomic

    write_atomic(tmp_path / "public.json", b"{}")
    write_atomic(tmp_path / "secret.json", b"{}", private=True)
    import os

    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "public.json").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "secret.json").stat().st_mode & 0o777 == 0o600
