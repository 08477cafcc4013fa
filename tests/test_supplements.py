"""Credential supplements (spec 9.6): a late member's code, a spoiled slip cancelled and
replaced, while voting is open, each endorsed by t trustees and checked by the board; and the
attacks on them (rule 1): a supplement without t endorsements, a ballot of a cancelled
credential, a cancel after the ballot was cast, an endorsement of another election."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from election_helpers import OpenElection

from votecrypt.errors import BallotError, RefusedData, VotecryptError
from votecrypt.math import secp256k1
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.credentials import Credential, Endorsement, issue_credentials
from votecrypt.protocol.supplements import CredentialRoll, Supplement
from votecrypt.record.log import SUPPLEMENT_KIND
from votecrypt.record.supplement_codec import supplement_from_plain, supplement_plain
from votecrypt.service.supplements import (
    endorse_supplement,
    prepare_supplement,
    publish_supplement,
    supplement_view,
)
from votecrypt.service.voting import cast, prepare
from votecrypt.storage.secret_file import load_trustee


@pytest.fixture(scope="module")
def group():  # type: ignore[no-untyped-def]
    return secp256k1()


def _election(root: Path, group, summoned: int = 4, present: int = 3) -> OpenElection:  # type: ignore[no-untyped-def]
    return OpenElection(root, group, ballots=summoned, present=present)


def _supplement(
    opened: OpenElection, add: int, cancel: list[str], signers: tuple[int, ...] = (1, 2)
) -> tuple[list[Credential], Supplement]:
    """Prepare a supplement, have `signers` endorse it; not published."""
    credentials, supplement = prepare_supplement(
        opened.directory, opened.board, opened.context, add, cancel, lambda issued: None
    )
    view = supplement_view(opened.directory, opened.group, supplement.number)
    for i in signers:
        endorse_supplement(
            opened.directory,
            view,
            opened.secrets[i],
            opened.passphrases[i],
            opened.group,
            added=len(supplement.added),
            cancelled=len(supplement.cancelled),
        )
    return credentials, supplement


def _vote(opened: OpenElection, code: str) -> None:
    cast(opened.board, prepare(opened.context, code, ["high", "blank"]))


def test_a_late_member_gets_a_code_that_counts_in_the_ballots_issued(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path, group)
    try:
        assert opened.board.issued() == 3
        late, supplement = _supplement(opened, 1, [])
        entry, appended = publish_supplement(
            opened.directory, opened.board, opened.context, supplement.number
        )
        assert appended and entry.kind == SUPPLEMENT_KIND
        published, endorsements = supplement_from_plain(entry.payload)
        assert published == supplement and [e.trustee for e in endorsements] == [1, 2]
        assert opened.board.issued() == 4
        _vote(opened, late[0].code)
        assert opened.board.count("ballot") == 1
        # Publishing again reports the entry already there; nothing is appended twice.
        again, appended = publish_supplement(opened.directory, opened.board, opened.context, 1)
        assert (again.seq, appended) == (entry.seq, False)
        assert opened.board.count(SUPPLEMENT_KIND) == 1
    finally:
        opened.close()


def test_a_spoiled_slip_is_cancelled_and_replaced_and_the_record_shows_both(
    tmp_path: Path, group
) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path, group, summoned=3, present=3)
    try:
        spoiled = opened.credentials[0].code
        replacement, _ = _supplement(opened, 1, [spoiled])
        entry, _ = publish_supplement(opened.directory, opened.board, opened.context, 1)
        assert len(entry.payload["added"]) == 1 and len(entry.payload["cancelled"]) == 1
        assert opened.board.issued() == 3  # one in, one out: the count stays
        with pytest.raises(BallotError) as refused:
            _vote(opened, spoiled)
        # Its own reason code (spec 11.3 step 6): a booth says "replaced", not "unknown".
        assert refused.value.reason == reasons.CREDENTIAL_CANCELLED
        assert "cancelled" in refused.value.detail
        _vote(opened, replacement[0].code)
        assert opened.board.count("ballot") == 1
    finally:
        opened.close()


def test_a_supplement_without_t_endorsements_is_refused(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path, group)
    try:
        _, supplement = _supplement(opened, 1, [], signers=(1,))
        before = opened.board.head()
        with pytest.raises(RefusedData, match="endorsed by 1 qualified trustee"):
            publish_supplement(opened.directory, opened.board, opened.context, 1)
        # Appended directly, unsigned or with one forged signature, it is refused too.
        for endorsements in ([], [Endorsement(1, bytes(64)), Endorsement(2, bytes(64))]):
            with pytest.raises(RefusedData):
                opened.board.append(SUPPLEMENT_KIND, supplement_plain(supplement, endorsements))
        assert opened.board.head() == before and opened.board.issued() == 3
    finally:
        opened.close()


def test_a_listed_endorsement_that_does_not_verify_is_refused(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path, group)
    try:
        _, supplement = _supplement(opened, 1, [], signers=(1, 2))
        payload = supplement_plain(supplement, [])
        good = publish_ready(opened, supplement)
        # The two valid ones and a third naming trustee 3, who never signed.
        payload["endorsements"] = [*good, {"trustee": 3, "signature": "00" * 64}]
        with pytest.raises(RefusedData, match="trustee 3 does not verify"):
            opened.board.append(SUPPLEMENT_KIND, payload)
        assert opened.board.count(SUPPLEMENT_KIND) == 0
    finally:
        opened.close()


def publish_ready(opened: OpenElection, supplement: Supplement) -> list[dict[str, object]]:
    """The endorsements of trustees 1 and 2, as the board's entry carries them."""
    signed = []
    for i in (1, 2):
        trustee = load_trustee(opened.secrets[i], opened.passphrases[i], opened.group)
        endorsement = trustee.endorse_supplement(supplement, opened.context.hash)
        signed.append({"trustee": i, "signature": endorsement.signature.hex()})
    return signed


def test_a_credential_whose_ballot_was_cast_is_never_cancelled(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path, group)
    try:
        voted = opened.credentials[0]
        _vote(opened, voted.code)
        with pytest.raises(VotecryptError, match="a cast ballot stays in the count"):
            prepare_supplement(
                opened.directory, opened.board, opened.context, 0, [voted.code], lambda c: None
            )
        # Endorsed by the trustees anyway and appended, the board refuses it.
        supplement = Supplement.of(opened.context.hash, 1, cancelled=[voted.public_key])
        payload = supplement_plain(supplement, [])
        payload["endorsements"] = publish_ready(opened, supplement)
        with pytest.raises(RefusedData, match="a cast ballot stays in the count"):
            opened.board.append(SUPPLEMENT_KIND, payload)
        assert opened.board.count(SUPPLEMENT_KIND) == 0 and opened.board.issued() == 3
    finally:
        opened.close()


def test_an_endorsement_of_another_election_never_verifies_here(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    first = _election(tmp_path / "first", group)
    second = _election(tmp_path / "second", group)
    try:
        _, supplement = _supplement(first, 1, [])
        endorsements = publish_ready(first, supplement)
        # The same supplement, endorsed in the first election, on the second board.
        payload = supplement_plain(supplement, [])
        payload["endorsements"] = endorsements
        with pytest.raises(RefusedData, match="names another election"):
            second.board.append(SUPPLEMENT_KIND, payload)
        # Re-addressed to the second election, the first election's signatures fail.
        moved = replace(supplement, election=second.context.hash)
        payload = supplement_plain(moved, [])
        payload["endorsements"] = endorsements
        with pytest.raises(RefusedData, match="does not verify"):
            second.board.append(SUPPLEMENT_KIND, payload)
        # A trustee of the second election refuses to sign the first one's supplement file.
        second.directory.supplement_path(1).parent.mkdir(parents=True, exist_ok=True)
        second.directory.supplement_path(1).write_bytes(
            first.directory.supplement_path(1).read_bytes()
        )
        with pytest.raises(RefusedData, match="another election"):
            supplement_view(second.directory, group, 1)
        assert second.board.count(SUPPLEMENT_KIND) == 0
    finally:
        first.close()
        second.close()


def test_a_supplement_is_appended_once_in_its_place(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path, group, summoned=5, present=4)
    try:
        _, supplement = _supplement(opened, 1, [])
        payload = supplement_plain(supplement, [])
        payload["endorsements"] = publish_ready(opened, supplement)
        opened.board.append(SUPPLEMENT_KIND, payload)
        with pytest.raises(RefusedData, match="out of order"):
            opened.board.append(SUPPLEMENT_KIND, payload)  # replayed
        assert opened.board.issued() == 5
    finally:
        opened.close()


def test_the_credentials_in_force_never_exceed_the_manifests_bound(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path, group, summoned=4, present=4)
    try:
        with pytest.raises(VotecryptError, match="at most 4"):
            prepare_supplement(
                opened.directory, opened.board, opened.context, 1, [], lambda c: None
            )
        _, keys = issue_credentials(opened.context.manifest_hash, 1)
        supplement = Supplement.of(opened.context.hash, 1, added=keys)
        payload = supplement_plain(supplement, [])
        payload["endorsements"] = publish_ready(opened, supplement)
        with pytest.raises(RefusedData, match="at most 4"):
            opened.board.append(SUPPLEMENT_KIND, payload)
    finally:
        opened.close()


def test_the_roll_replays_what_the_board_checks() -> None:
    from votecrypt.protocol.credentials import CredentialList

    election = bytes(32)
    _, keys = issue_credentials(election, 4)
    roll = CredentialRoll.of(CredentialList.of(election, keys[:2]), ceiling=3)
    assert roll.issued == 2
    assert roll.cast(keys[0].to_bytes()) is None
    assert roll.cast(keys[0].to_bytes()) == "second ballot of the credential"
    with pytest.raises(RefusedData, match="ballot was cast"):
        roll.apply(Supplement.of(election, 1, cancelled=[keys[0]]))
    with pytest.raises(RefusedData, match="out of order"):
        roll.apply(Supplement.of(election, 2, added=[keys[2]]))
    roll.apply(Supplement.of(election, 1, added=[keys[2]], cancelled=[keys[1]]))
    assert roll.issued == 2 and roll.cast(keys[1].to_bytes()) == "the credential was cancelled"
    with pytest.raises(RefusedData, match="issued before"):
        roll.apply(Supplement.of(election, 2, added=[keys[1]]))
    _, more = issue_credentials(election, 2)
    with pytest.raises(RefusedData, match="at most 3"):
        roll.apply(Supplement.of(election, 2, added=more))
    assert roll.issued == 2 and roll.supplements == 1


# The verifier (spec 16.2 checks 8 and 12) against an operator who writes the log itself,
# past the board's checks.


def _raw(opened: OpenElection, kind: str, payload: dict[str, object]) -> None:
    """Append `payload` to the log as a dishonest operator would: no check at all."""
    from votecrypt.math.encoding import Encoded
    from votecrypt.record.json_codec import canonical_json
    from votecrypt.storage.board_db import WriteTransaction

    with WriteTransaction(opened.board._db):
        opened.board._insert_line(kind, canonical_json(payload), Encoded.of(payload))


def _verified(opened: OpenElection, tmp_path: Path) -> dict[str, list[str]]:
    """The failures of every check of the exported record, by check name."""
    from votecrypt.service.export import export_record
    from votecrypt.verifier.verify import verify_record

    record = export_record(opened.board, tmp_path / "record")
    report = verify_record(record, jobs=1)
    return {check.name: check.failures for check in report.failed()}


def _ballot(opened: OpenElection, code: str) -> dict[str, object]:
    from votecrypt.record.ballot_codec import ballot_plain

    return ballot_plain(prepare(opened.context, code, ["high", "low"]).ballot)


def test_the_verifier_fails_a_supplement_without_t_endorsements_and_its_ballots(
    tmp_path: Path, group
) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path / "e", group)
    try:
        late, supplement = _supplement(opened, 1, [], signers=(1,))
        payload = supplement_plain(supplement, [])
        payload["endorsements"] = publish_ready(opened, supplement)[:1]
        _raw(opened, SUPPLEMENT_KIND, payload)
        _raw(opened, "ballot", _ballot(opened, late[0].code))
        failed = _verified(opened, tmp_path)
        assert any("endorsed by 1 qualified trustee" in f for f in failed["credentials"])
        assert any("the credential was not issued" in f for f in failed["ballot-credentials"])
    finally:
        opened.close()


def test_the_verifier_fails_a_ballot_of_a_cancelled_credential(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path / "e", group)
    try:
        spoiled = opened.credentials[0]
        _supplement(opened, 1, [spoiled.code])
        publish_supplement(opened.directory, opened.board, opened.context, 1)
        _raw(opened, "ballot", _ballot(opened, spoiled.code))
        failed = _verified(opened, tmp_path)
        assert set(failed) == {"ballot-credentials"}, failed
        assert any("the credential was cancelled" in f for f in failed["ballot-credentials"])
    finally:
        opened.close()


def test_the_verifier_fails_a_cancel_after_the_ballot_was_cast(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    opened = _election(tmp_path / "e", group)
    try:
        voted = opened.credentials[0]
        _vote(opened, voted.code)
        # Even with the trustees' signatures, a cast ballot's credential is not cancelled.
        supplement = Supplement.of(opened.context.hash, 1, cancelled=[voted.public_key])
        payload = supplement_plain(supplement, [])
        payload["endorsements"] = publish_ready(opened, supplement)
        _raw(opened, SUPPLEMENT_KIND, payload)
        failed = _verified(opened, tmp_path)
        assert set(failed) == {"credentials"}, failed
        assert any("a cast ballot stays in the count" in f for f in failed["credentials"])
    finally:
        opened.close()


def test_the_verifier_checks_each_ballot_against_the_credentials_in_force_then(
    tmp_path: Path, group
) -> None:  # type: ignore[no-untyped-def]
    """A late member's ballot is valid after its supplement; an honest record verifies."""
    opened = _election(tmp_path / "e", group)
    try:
        _vote(opened, opened.credentials[0].code)
        late, _ = _supplement(opened, 1, [])
        publish_supplement(opened.directory, opened.board, opened.context, 1)
        _vote(opened, late[0].code)
        assert _verified(opened, tmp_path) == {}
    finally:
        opened.close()


def test_the_board_server_names_a_cancelled_code(tmp_path: Path, group) -> None:  # type: ignore[no-untyped-def]
    """Over HTTP, a cancelled slip has its own answer (spec 9.6, 11.3 step 6): the credential
    state says `cancelled`, and a ballot on it is refused with `credential-cancelled`, so that
    the booth says "the board replaced this slip", not "this code is not for this election"."""
    import httpx
    from server_helpers import JSON, running, schema_validator

    from votecrypt.protocol.credentials import credential_from_code, new_code
    from votecrypt.record.ballot_codec import ballot_to_json
    from votecrypt.web import ServerSettings, SqliteBoardStore, create_app

    opened = _election(tmp_path, group, summoned=3, present=3)
    spoiled = opened.credentials[0].code
    _supplement(opened, 1, [spoiled])
    publish_supplement(opened.directory, opened.board, opened.context, 1)
    ballot = prepare(opened.context, spoiled, ["high", "blank"]).ballot
    opened.close()
    cancelled = credential_from_code(opened.context.manifest_hash, spoiled).public_key.hex()
    stranger = credential_from_code(opened.context.manifest_hash, new_code()).public_key.hex()
    kept = credential_from_code(opened.context.manifest_hash, opened.credentials[1].code)
    store = SqliteBoardStore.open(opened.directory, group)
    with running(create_app(store, ServerSettings(check_processes=1))) as url:
        states = {
            name: httpx.get(f"{url}/api/v1/credentials/{key}", timeout=60).json()
            for name, key in (
                ("cancelled", cancelled),
                ("stranger", stranger),
                ("kept", kept.public_key.hex()),
            )
        }
        answer = httpx.post(
            f"{url}/api/v1/ballots", content=ballot_to_json(ballot), headers=JSON, timeout=60
        )
    assert states == {
        "cancelled": {"issued": False, "used": False, "cancelled": True},
        "stranger": {"issued": False, "used": False, "cancelled": False},
        "kept": {"issued": True, "used": False, "cancelled": False},
    }
    for state in states.values():
        schema_validator("CredentialState").validate(state)
    assert (answer.status_code, answer.json()["error"]) == (409, "credential-cancelled")
    assert spoiled not in answer.text
