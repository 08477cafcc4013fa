"""The board server over real HTTP on loopback: every endpoint, every rejection reason, the
log it streams, its headers and its logs (spec/api/openapi.json)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from election_helpers import OpenElection
from server_helpers import JSON, OPENAPI, head, running, schema_validator, served_election

from votecrypt.errors import BallotError
from votecrypt.math import Group, Scalar
from votecrypt.protocol.ballot import BallotRow, signature_digest
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.context import ElectionContext, election_fingerprint
from votecrypt.protocol.credentials import credential_from_code, new_code
from votecrypt.record.ballot_codec import ballot_to_json, challenged_plain, challenged_to_json
from votecrypt.record.ceremony_codec import outcome_from_json
from votecrypt.record.election_codec import credentials_from_plain, manifest_from_plain
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.log import GENESIS, entry_from_line, entry_to_line
from votecrypt.service.voting import cast, close_voting, load_board, prepare
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app
from votecrypt.web.app import STATIC
from votecrypt.web.checking import CheckingPool
from votecrypt.web.errors import ApiError
from votecrypt.web.limits import RateLimiter
from votecrypt.web.middleware import ACCESS_LOGGER, CONTENT_SECURITY_POLICY

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class Voters:
    """The election, a client, and credentials handed out one per test."""

    def __init__(self, election: OpenElection, client: httpx.Client) -> None:
        self.election = election
        self.client = client
        self.context = election.context
        self._next = 0

    def code(self) -> str:
        code = self.election.credentials[self._next].code
        self._next += 1
        return code

    def choices(self) -> list[str]:
        return ["high", "blank", "low"][: self.context.rows]

    def post(self, path: str, body: bytes) -> httpx.Response:
        return self.client.post(path, content=body, headers=JSON)


@pytest.fixture(scope="module")
def voters(tmp_path_factory: pytest.TempPathFactory, fast_group: Group) -> Iterator[Voters]:
    root = tmp_path_factory.mktemp("server") / "e"
    with served_election(root, fast_group) as (election, url), httpx.Client(base_url=url) as c:
        yield Voters(election, c)


def _rejected(voters: Voters, path: str, body: bytes, status: int, reason: str) -> None:
    before = head(voters.client)
    response = voters.post(path, body)
    assert (response.status_code, response.json()["error"]) == (status, reason), response.text
    schema_validator("Error").validate(response.json())
    assert head(voters.client) == before  # nothing was appended


def test_the_election_document_lets_a_booth_recompute_the_context(voters: Voters) -> None:
    response = voters.client.get("/api/v1/election")
    assert response.status_code == 200
    document = response.json()
    schema_validator("Election").validate(document)
    manifest = manifest_from_plain(document["manifest"])
    outcome = outcome_from_json(canonical_json(document["ceremony_outcome"]), voters.context.group)
    credentials, _ = credentials_from_plain(document["credentials"])
    context = ElectionContext.build(voters.context.group, manifest, outcome, credentials)
    assert document["context_hash"] == context.hash.hex() == voters.context.hash.hex()
    assert document["fingerprint"] == election_fingerprint(context.hash)
    assert document["credential_list_hash"] == credentials.list_hash().hex()
    assert document["joint_key"] == context.joint_key.hex()
    assert document["phase"] == "voting"
    layout = document["ballot"]
    assert layout["outcomes"] == list(manifest.outcomes())
    packing = manifest.packing()
    assert (layout["base"], layout["lanes"], layout["digits_per_lane"]) == (
        packing.base,
        packing.lanes,
        packing.digits_per_lane,
    )
    assert [c["name"] for c in layout["candidates"]] == [c.name for c in manifest.candidates]


def test_a_ballot_is_acknowledged_after_it_is_in_the_log(voters: Voters) -> None:
    code = voters.code()
    prepared = prepare(voters.context, code, voters.choices())
    response = voters.post("/api/v1/ballots", ballot_to_json(prepared.ballot))
    assert response.status_code == 201, response.text
    receipt = response.json()
    schema_validator("Receipt").validate(receipt)
    assert receipt["tracking_code"] == prepared.tracking_code
    assert head(voters.client) == (receipt["seq"], receipt["entry_hash"])
    # As a voter may write it down: lower case, and O, I, B as the digits they look like.
    typed = prepared.tracking_code.lower().translate(str.maketrans("oib", "018"))
    found = voters.client.get(f"/api/v1/tracking/{typed}")
    assert found.json() == {
        "tracking_code": prepared.tracking_code,
        "status": "cast",
        "seq": receipt["seq"],
        "entry_hash": receipt["entry_hash"],
    }
    key = prepared.ballot.credential.hex()
    assert voters.client.get(f"/api/v1/credentials/{key}").json() == {
        "issued": True,
        "used": True,
        "cancelled": False,
    }
    # The same ballot sent again (its answer was lost): the same receipt, nothing appended.
    before = head(voters.client)
    again = voters.post("/api/v1/ballots", ballot_to_json(prepared.ballot))
    assert (again.status_code, again.json()) == (200, receipt)
    assert head(voters.client) == before
    # Another ballot on the same credential: refused.
    other = prepare(voters.context, code, list(reversed(voters.choices()))).ballot
    _rejected(voters, "/api/v1/ballots", ballot_to_json(other), 409, "credential-used")


def test_a_challenge_shows_the_opened_choices_and_spends_nothing(voters: Voters) -> None:
    code = voters.code()
    prepared = prepare(voters.context, code, voters.choices())
    key = prepared.ballot.credential.hex()
    response = voters.post("/api/v1/challenges", challenged_to_json(prepared.challenge()))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["kind"] == "challenge"
    assert receipt["tracking_code"] == prepared.tracking_code
    found = voters.client.get(f"/api/v1/tracking/{receipt['tracking_code']}").json()
    assert found["status"] == "challenged"
    assert found["choices"] == voters.choices()
    schema_validator("Tracked").validate(found)
    resent = voters.post("/api/v1/challenges", challenged_to_json(prepared.challenge()))
    assert (resent.status_code, resent.json()) == (200, receipt)
    assert voters.client.get(f"/api/v1/credentials/{key}").json() == {
        "issued": True,
        "used": False,
        "cancelled": False,
    }
    # The challenged ballot itself can never be cast; a new one with the same code can.
    _rejected(
        voters, "/api/v1/ballots", ballot_to_json(prepared.ballot), 409, "duplicate-ballot-id"
    )
    again = prepare(voters.context, code, voters.choices())
    assert voters.post("/api/v1/ballots", ballot_to_json(again.ballot)).status_code == 201


def test_every_check_of_spec_11_3_is_a_documented_rejection(voters: Voters) -> None:
    code = voters.code()
    credential = credential_from_code(voters.context.manifest_hash, code)
    ballot = prepare(voters.context, code, voters.choices()).ballot

    def signed(changed: Any) -> bytes:
        unsigned = dataclasses.replace(changed, signature=b"")
        signature = credential.signing_key.sign(signature_digest(unsigned.ballot_hash()))
        return ballot_to_json(dataclasses.replace(unsigned, signature=signature))

    other_election = dataclasses.replace(ballot, election=bytes(32))
    _rejected(voters, "/api/v1/ballots", signed(other_election), 422, "wrong-election")
    forged_signature = dataclasses.replace(ballot, signature=bytes(64))
    _rejected(voters, "/api/v1/ballots", ballot_to_json(forged_signature), 422, "bad-signature")
    row = ballot.rows[0]
    challenges = (row.proof.challenges[0] + Scalar(1), *row.proof.challenges[1:])
    forged_row = BallotRow(row.ciphertexts, dataclasses.replace(row.proof, challenges=challenges))
    forged = dataclasses.replace(ballot, rows=(forged_row, *ballot.rows[1:]))
    _rejected(voters, "/api/v1/ballots", signed(forged), 422, "invalid-proof")
    stranger = credential_from_code(voters.context.manifest_hash, new_code())
    outcomes = [voters.context.manifest.outcome_index(c) for c in voters.choices()]
    unknown = prepare_ballot(voters.context, stranger, outcomes).ballot
    _rejected(voters, "/api/v1/ballots", ballot_to_json(unknown), 422, "unknown-credential")
    # A challenge revealing another choice than it encrypts.
    opened = challenged_plain(prepare(voters.context, code, voters.choices()).challenge())
    opened["rows"][0]["outcome"] = (opened["rows"][0]["outcome"] + 1) % 4
    _rejected(voters, "/api/v1/challenges", canonical_json(opened), 422, "challenge-mismatch")
    # After all of that the credential is still unused.
    key = credential.public_key.hex()
    assert voters.client.get(f"/api/v1/credentials/{key}").json()["used"] is False


def test_credential_state_of_any_public_key(voters: Voters) -> None:
    unknown = credential_from_code(voters.context.manifest_hash, new_code()).public_key.hex()
    answer = voters.client.get(f"/api/v1/credentials/{unknown}")
    assert answer.json() == {"issued": False, "used": False, "cancelled": False}
    schema_validator("CredentialState").validate(answer.json())
    for bad in (unknown.upper(), unknown[:-2], unknown + "00", "zz" * 32):
        response = voters.client.get(f"/api/v1/credentials/{bad}")
        assert (response.status_code, response.json()["error"]) == (400, "malformed")


def test_tracking_codes_that_are_not_there(voters: Voters) -> None:
    missing = voters.client.get("/api/v1/tracking/AAAA-AAAA-AAAA")
    assert (missing.status_code, missing.json()["error"]) == (404, "not-found")
    # A 0, 1 or 8 typed by mistake is read as O, I, B (spec 10.5), as `ballot track` does.
    misread = voters.client.get("/api/v1/tracking/aaaa 8aaa-aa01")
    assert (misread.status_code, misread.json()["error"]) == (404, "not-found")
    for bad in ("AAAA-AAAA-AA9A", "x" * 41, "AAAA", "ÀAAA-AAAA-AAAA", "AAAA-AAAA-AAAſ"):
        response = voters.client.get(f"/api/v1/tracking/{bad}")
        assert (response.status_code, response.json()["error"]) == (400, "malformed")


def test_the_streamed_record_is_the_hash_chained_log(voters: Voters) -> None:
    response = voters.client.get("/api/v1/record")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = response.content.splitlines(keepends=True)
    previous = GENESIS
    for number, line in enumerate(lines, start=1):
        entry = entry_from_line(line, number)
        assert entry.seq == number - 1 and entry.prev == previous
        assert entry.expected_hash() == entry.hash
        previous = entry.hash
    status = voters.client.get("/api/v1/status").json()
    schema_validator("Status").validate(status)
    assert (status["head"]["seq"], status["head"]["hash"]) == (len(lines) - 1, previous.hex())
    assert status["ballots"] == sum(b'"kind":"ballot"' in line for line in lines)
    assert status["challenged"] == sum(b'"kind":"challenge"' in line for line in lines)
    assert status["credentials"] == voters.context.manifest.credentials
    assert status["fingerprint"] == voters.context.fingerprint
    # From a checkpoint on: the same lines.
    later = voters.client.get("/api/v1/record", params={"start": 3}).content
    assert later == b"".join(lines[3:])
    assert voters.client.get("/api/v1/record", params={"start": 10**6}).content == b""


def test_the_record_is_served_as_the_log_encodes_each_entry(
    tmp_path: Path, fast_group: Group
) -> None:
    # The server sends the board's stored bytes (no entry decoded and encoded again, spec
    # 17.8): they must be, byte for byte, the lines entry_to_line gives for the decoded
    # entries, whatever the kind of entry and wherever a page of the record ends.
    with served_election(tmp_path / "e", fast_group, ballots=4, candidates=2, record_page=3) as (
        election,
        url,
    ):
        with httpx.Client(base_url=url, timeout=60) as client:
            for n, credential in enumerate(election.credentials):
                prepared = prepare(election.context, credential.code, ["high", "low"])
                if n % 2:
                    body = challenged_to_json(prepared.challenge())
                    sent = client.post("/api/v1/challenges", content=body, headers=JSON)
                    assert sent.status_code == 201, sent.text
                    prepared = prepare(election.context, credential.code, ["low", "high"])
                answer = client.post(
                    "/api/v1/ballots", content=ballot_to_json(prepared.ballot), headers=JSON
                )
                assert answer.status_code == 201, answer.text
            served = client.get("/api/v1/record").content
            later = client.get("/api/v1/record", params={"start": 4}).content
        board, _ = load_board(election.directory, fast_group, read_only=True)
        try:
            entries = list(board.entries())
        finally:
            board.close_connection()
    kinds = {entry.kind for entry in entries}
    assert {"ballot", "challenge"} < kinds and len(kinds) > 3
    assert served == b"".join(entry_to_line(entry) for entry in entries)
    assert later == b"".join(entry_to_line(entry) for entry in entries[4:])


def test_a_row_changed_behind_the_servers_back_is_served_as_stored(
    tmp_path: Path, fast_group: Group
) -> None:
    # The record is the stored bytes: whoever can write the database can change a row, and
    # the server then sends exactly that row (it neither hides the change by encoding the
    # payload again nor fails the whole record); a reader's check of the line's form (spec
    # 15.2, check 1) shows it.
    import sqlite3

    with (
        served_election(tmp_path / "e", fast_group, ballots=2, candidates=2) as (election, url),
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        prepared = prepare(election.context, election.credentials[0].code, ["high", "low"])
        answer = client.post(
            "/api/v1/ballots", content=ballot_to_json(prepared.ballot), headers=JSON
        )
        assert answer.status_code == 201, answer.text
        seq = answer.json()["seq"]
        db = sqlite3.connect(election.directory.board)
        try:
            with db:
                row = db.execute("SELECT payload FROM entries WHERE seq = ?", (seq,)).fetchone()
                changed = bytes(row[0]).replace(b'{"', b'{ "', 1)
                db.execute("UPDATE entries SET payload = ? WHERE seq = ?", (changed, seq))
        finally:
            db.close()
        lines = client.get("/api/v1/record").content.splitlines(keepends=True)
    assert len(lines) == seq + 1
    assert b',"payload":' + changed + b"," in lines[seq]
    assert entry_to_line(entry_from_line(lines[seq], seq + 1)) != lines[seq]


def test_ballots_cast_beside_the_server_are_tracked(voters: Voters) -> None:
    # `votecrypt ballot cast` on the server machine appends to the same board.
    board, context = load_board(voters.election.directory, voters.context.group)
    with board:
        prepared = prepare(context, voters.code(), voters.choices())
        receipt = cast(board, prepared)
    found = voters.client.get(f"/api/v1/tracking/{prepared.tracking_code}").json()
    assert (found["status"], found["seq"]) == ("cast", receipt.seq)
    key = prepared.ballot.credential.hex()
    assert voters.client.get(f"/api/v1/credentials/{key}").json()["used"] is True


def test_openapi_document_is_served_and_packaged() -> None:
    packaged = Path(STATIC).parent / "openapi.json"
    assert packaged.read_bytes() == OPENAPI.read_bytes()
    pyproject = (OPENAPI.parent.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    data = tomllib.loads(pyproject)["tool"]["setuptools"]["package-data"]["votecrypt.web"]
    assert {"openapi.json", "static/*", "static/**/*"} <= set(data)
    import openapi_spec_validator as validator

    validator.validate(json.loads(OPENAPI.read_text(encoding="utf-8")))


def test_openapi_route_and_unknown_paths(voters: Voters) -> None:
    served = voters.client.get("/openapi.json")
    assert served.status_code == 200 and served.content == OPENAPI.read_bytes()
    missing = voters.client.get("/api/v1/nothing")
    assert (missing.status_code, missing.json()["error"]) == (404, "not-found")
    wrong = voters.client.delete("/api/v1/ballots")
    assert (wrong.status_code, wrong.json()["error"]) == (405, "method-not-allowed")
    assert voters.client.get("/api/v1/ballots").status_code == 405


def test_every_answer_carries_the_security_headers(voters: Voters) -> None:
    paths = ["/api/v1/status", "/api/v1/nothing", "/openapi.json"]
    if (STATIC / "index.html").exists():
        paths.append("/")
    for path in paths:
        headers = voters.client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert "server" not in headers
        assert "access-control-allow-origin" not in headers


def test_the_access_log_names_routes_never_contents(voters: Voters) -> None:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger(ACCESS_LOGGER)
    keep = Keep()
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    try:
        code = voters.code()
        prepared = prepare(voters.context, code, voters.choices())
        assert voters.post("/api/v1/ballots", ballot_to_json(prepared.ballot)).status_code == 201
        voters.client.get(f"/api/v1/tracking/{prepared.tracking_code}")
        voters.client.get(f"/api/v1/credentials/{prepared.ballot.credential.hex()}")
    finally:
        logger.removeHandler(keep)
    records = [json.loads(line) for line in lines]
    assert {(r["method"], r["path"], r["status"]) for r in records} >= {
        ("POST", "/api/v1/ballots", 201),
        ("GET", "/api/v1/tracking/{code}", 200),
        ("GET", "/api/v1/credentials/{public_key}", 200),
    }
    assert all(set(r) == {"time", "method", "path", "status", "ms"} for r in records)
    text = "\n".join(lines)
    for secret in (code, prepared.tracking_code, prepared.ballot.credential.hex()):
        assert secret not in text
    assert prepared.ballot.ballot_id.hex() not in text


class _FailingStore:
    """A store whose reads fail with a message that must never reach anyone."""

    def __init__(self, store: SqliteBoardStore) -> None:
        self._store = store
        self.context = store.context
        self.setup = store.setup

    def status(self) -> Any:
        detail = "-".join(("SECRET", "DETAIL"))  # as data would be, not in the source line
        raise RuntimeError(detail)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_an_internal_error_is_one_generic_line(tmp_path: Path, fast_group: Group) -> None:
    election = OpenElection(tmp_path / "e", fast_group, ballots=2, candidates=1)
    election.close()
    store = _FailingStore(SqliteBoardStore.open(election.directory, fast_group))
    errors: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record.getMessage())

    logger = logging.getLogger("votecrypt.web")
    keep = Keep()
    logger.addHandler(keep)
    try:
        app = create_app(store, ServerSettings(check_processes=1))  # type: ignore[arg-type]
        with running(app) as url, httpx.Client(base_url=url) as client:
            response = client.get("/api/v1/status")
            assert response.status_code == 500
            assert response.json() == {
                "error": "internal",
                "message": "internal error of the server",
            }
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert "SECRET" not in response.text
            assert client.get("/api/v1/record").status_code == 200  # still serving
    finally:
        logger.removeHandler(keep)
    assert any("RuntimeError" in line for line in errors)
    assert not any("SECRET" in line for line in errors)


def test_submissions_are_rate_limited_per_client(tmp_path: Path, fast_group: Group) -> None:
    with (
        served_election(
            tmp_path / "e", fast_group, ballots=2, candidates=1, submissions_per_minute=3
        ) as (_, url),
        httpx.Client(base_url=url) as client,
    ):
        answers = [client.post("/api/v1/ballots", content=b"{}", headers=JSON) for _ in range(4)]
        assert [a.status_code for a in answers] == [400, 400, 400, 429]
        assert answers[-1].json()["error"] == "rate-limited"
        assert int(answers[-1].headers["retry-after"]) >= 1
        assert client.get("/api/v1/status").status_code == 200  # reading is not limited


def test_nothing_is_accepted_once_the_board_is_closed(voters: Voters) -> None:
    # Runs last in this module: it closes the shared board (from the CLI's side).
    prepared = prepare(voters.context, voters.code(), voters.choices())
    board, context = load_board(voters.election.directory, voters.context.group)
    with board:
        close_voting(board, context)
    _rejected(voters, "/api/v1/ballots", ballot_to_json(prepared.ballot), 409, "voting-closed")
    _rejected(
        voters, "/api/v1/challenges", challenged_to_json(prepared.challenge()), 409, "voting-closed"
    )
    assert voters.client.get("/api/v1/status").json()["phase"] == "closed"
    assert voters.client.get("/api/v1/election").json()["phase"] == "closed"


def test_one_transaction_for_many_ballots_refuses_each_on_its_own(
    tmp_path: Path, fast_group: Group
) -> None:
    election = OpenElection(tmp_path / "e", fast_group, ballots=4, candidates=1)
    try:
        codes = [c.code for c in election.credentials]
        first = prepare(election.context, codes[0], ["high"]).ballot
        same_credential = prepare(election.context, codes[0], ["low"]).ballot
        second = prepare(election.context, codes[1], ["blank"]).ballot
        before = election.board.count()
        results = election.board.accept_checked_ballots([first, same_credential, second])
        assert [type(r).__name__ for r in results] == ["Receipt", "BallotError", "Receipt"]
        refused = results[1]
        assert isinstance(refused, BallotError) and refused.reason == "credential-used"
        assert election.board.count() == before + 2
        entries = list(election.board.entries(before))
        assert [e.hash for e in entries] == [r.entry_hash for r in (results[0], results[2])]
    finally:
        election.close()


def test_concurrent_submissions_of_one_credential_get_one_receipt(
    tmp_path: Path, fast_group: Group
) -> None:
    with served_election(tmp_path / "e", fast_group, ballots=8, candidates=2) as (election, url):
        context = election.context
        codes = [c.code for c in election.credentials]
        # Six voters, one of whom submits two different ballots at the same moment.
        bodies = [
            ballot_to_json(prepare(context, code, ["high", "low"]).ballot) for code in codes[:6]
        ]
        bodies.append(ballot_to_json(prepare(context, codes[0], ["low", "low"]).ballot))

        def submit(body: bytes) -> httpx.Response:
            return httpx.post(f"{url}/api/v1/ballots", content=body, headers=JSON, timeout=60)

        with ThreadPoolExecutor(len(bodies)) as pool:
            answers = list(pool.map(submit, bodies))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] * 6 + [409], [a.text for a in answers]
        receipts = [a.json() for a in answers if a.status_code == 201]
        with httpx.Client(base_url=url) as client:
            lines = client.get("/api/v1/record").content.splitlines()
        logged = {
            (entry.seq, entry.hash.hex())
            for entry in (entry_from_line(line, n) for n, line in enumerate(lines, 1))
            if entry.kind == "ballot"
        }
        assert logged == {(r["seq"], r["entry_hash"]) for r in receipts}


def test_too_many_submissions_at_once_are_refused_not_queued(
    tmp_path: Path, fast_group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    check = CheckingPool.check

    async def held(self: CheckingPool, kind: str, body: bytes) -> Any:
        entered.set()
        while not release.is_set():  # the first submission is being checked...
            await asyncio.sleep(0.01)
        return await check(self, kind, body)

    monkeypatch.setattr(CheckingPool, "check", held)
    with served_election(tmp_path / "e", fast_group, ballots=2, candidates=1, max_pending=1) as (
        _,
        url,
    ):
        with ThreadPoolExecutor(1) as background:
            first = background.submit(
                httpx.post, f"{url}/api/v1/ballots", content=b"{}", headers=JSON, timeout=30
            )
            assert entered.wait(30)
            # ...so the next one is refused at once, not queued.
            answer = httpx.post(f"{url}/api/v1/ballots", content=b"{}", headers=JSON)
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"] == "overloaded"
            assert answer.headers["retry-after"] == "1"
            release.set()
            assert first.result().status_code == 400  # checked once its turn came
        # The place is free again.
        assert httpx.post(f"{url}/api/v1/ballots", content=b"{}", headers=JSON).status_code == 400


def test_a_body_still_arriving_holds_no_place_among_the_checks(
    tmp_path: Path, fast_group: Group
) -> None:
    # A client sending its body slowly holds its own connection (limited per address, for at
    # most the body timeout), never one of the places of the submissions being checked.
    with served_election(tmp_path / "e", fast_group, ballots=2, candidates=1, max_pending=1) as (
        _,
        url,
    ):
        host, port = url.split("//")[1].split(":")
        with socket.create_connection((host, int(port))) as slow:
            slow.sendall(
                b"POST /api/v1/ballots HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{"
            )
            time.sleep(0.3)
            answer = httpx.post(f"{url}/api/v1/ballots", content=b"{}", headers=JSON)
            assert answer.status_code == 400, answer.text


def test_the_rate_limiter_refills_and_forgets() -> None:
    limiter = RateLimiter(per_minute=2, clients=2)
    limiter.take("a", now=0.0)
    limiter.take("a", now=0.0)
    with pytest.raises(ApiError) as refused:
        limiter.take("a", now=1.0)
    assert refused.value.reason == "rate-limited" and refused.value.retry_after == 29
    limiter.take("a", now=31.0)  # half a minute later: one more
    limiter.take("b", now=31.0)
    limiter.take("c", now=31.0)  # "a" is forgotten (least recently seen)...
    limiter.take("a", now=31.0)  # ...and starts with a full bucket
    limiter.take("a", now=31.0)
