"""Malformed, oversized and hostile input to the board server: every answer is a documented
4xx (spec/api/README.md), never a 500, and the board is unchanged."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_helpers import JSON, OPENAPI, head, served_election

from votecrypt.errors import EncodingError
from votecrypt.math import Group
from votecrypt.record.ballot_codec import ballot_plain, challenged_plain
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.service.voting import prepare

#: Reason codes a submission may be refused with, by status (spec/api/README.md).
DOCUMENTED = {
    400: {"malformed"},
    404: {"not-found"},
    405: {"method-not-allowed"},
    408: {"timeout"},
    409: {"voting-closed", "credential-used", "duplicate-ballot-id", "duplicate-ciphertext"},
    413: {"too-large"},
    415: {"unsupported-media-type"},
    422: {
        "wrong-election",
        "bad-signature",
        "invalid-proof",
        "unknown-credential",
        "challenge-mismatch",
    },
}


class Target:
    def __init__(self, url: str, client: httpx.Client, ballot: Any, challenge: Any) -> None:
        self.url = url
        self.client = client
        self.ballot = ballot  # a valid ballot whose credential is already used
        self.challenge = challenge  # a valid challenge, already published

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> Any:
        response = self.client.post(path, content=body, headers=headers or JSON)
        return response


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, fast_group: Group) -> Iterator[Target]:
    root = tmp_path_factory.mktemp("hostile") / "e"
    with (
        served_election(
            root,
            fast_group,
            ballots=4,
            candidates=2,
            submissions_per_minute=1_000_000,
            body_timeout=2,
        ) as (election, url),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        code = election.credentials[0].code
        cast = prepare(election.context, code, ["high", "blank"])
        assert (
            client.post(
                "/api/v1/ballots", content=canonical_json(ballot_plain(cast.ballot)), headers=JSON
            ).status_code
            == 201
        )
        opened = prepare(election.context, code, ["low", "medium"]).challenge()
        assert (
            client.post(
                "/api/v1/challenges", content=canonical_json(challenged_plain(opened)), headers=JSON
            ).status_code
            == 201
        )
        yield Target(url, client, ballot_plain(cast.ballot), challenged_plain(opened))


def _documented(response: httpx.Response, statuses: set[int] | None = None) -> None:
    assert response.status_code in DOCUMENTED, response.text
    assert response.json()["error"] in DOCUMENTED[response.status_code], response.text
    assert len(response.json()["message"]) <= 200
    if statuses is not None:
        assert response.status_code in statuses, response.text


def _with(value: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    """A deep copy of `value` with the item at `path` replaced."""
    copy = json.loads(json.dumps(value))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = replacement
    return copy


def _hostile_ballots(ballot: Any) -> dict[str, bytes]:
    alpha = ("rows", 0, "ciphertexts", 0, "alpha")
    cases: dict[str, bytes] = {
        "empty body": b"",
        "not JSON": b"hello",
        "truncated JSON": canonical_json(ballot)[:-7],
        "a list": b"[]",
        "a string": b'"ballot"',
        "null": b"null",
        "float": b'{"version": 1.0}',
        "NaN": b'{"version": NaN}',
        "huge integer": b'{"version": ' + b"9" * 5000 + b"}",
        "deep nesting": b"[" * 10_000 + b"]" * 10_000,
        "deep objects": b'{"a":' * 5000 + b"1" + b"}" * 5000,
        "not UTF-8": b'{"type": "\xff\xfe"}',
        "lone surrogate": b'{"type": "\\ud800"}',
        "duplicate key": canonical_json(ballot)[:-1] + b',"type":"votecrypt/ballot"}',
        "unknown field": canonical_json({**ballot, "extra": 1}),
        "missing field": canonical_json({k: v for k, v in ballot.items() if k != "signature"}),
        "wrong type const": canonical_json({**ballot, "type": "votecrypt/challenged-ballot"}),
        "version as text": canonical_json({**ballot, "version": "1"}),
        "version true": canonical_json({**ballot, "version": True}),
        "negative version": canonical_json({**ballot, "version": -1}),
        "big version": canonical_json({**ballot, "version": 2**200}),
        "election not hex": canonical_json({**ballot, "election": "zz" * 32}),
        "election upper case": canonical_json({**ballot, "election": ballot["election"].upper()}),
        "election short": canonical_json({**ballot, "election": ballot["election"][:-2]}),
        "election odd": canonical_json({**ballot, "election": ballot["election"][:-1]}),
        "election with 0x": canonical_json({**ballot, "election": "0x" + ballot["election"]}),
        "election as number": canonical_json({**ballot, "election": 7}),
        "rows not a list": canonical_json({**ballot, "rows": {}}),
        "no rows": canonical_json({**ballot, "rows": []}),
        "too many rows": canonical_json({**ballot, "rows": [ballot["rows"][0]] * 600}),
        "row as text": canonical_json({**ballot, "rows": ["row"]}),
        "point off the curve": canonical_json(_with(ballot, alpha, "02" + "ff" * 32)),
        "point bad prefix": canonical_json(_with(ballot, alpha, "05" + "11" * 32)),
        "scalar not canonical": canonical_json(
            _with(ballot, ("rows", 0, "proof", "challenges", 0), "ff" * 32)
        ),
        "credential small order": canonical_json({**ballot, "credential": "00" * 32}),
        "signature wrong length": canonical_json({**ballot, "signature": "00" * 63}),
        "ballot id wrong length": canonical_json({**ballot, "ballot_id": "00" * 15}),
        "identity ciphertext": canonical_json(_with(ballot, alpha, "00" * 33)),
        "white space in hex": canonical_json({**ballot, "election": " " + ballot["election"][1:]}),
        "NFD text": canonical_json({**ballot, "type": "votecrypt/ballo\u0301t"}),
    }
    return cases


def test_hostile_ballots_get_a_documented_refusal(target: Target) -> None:
    before = head(target.client)
    for name, body in _hostile_ballots(target.ballot).items():
        response = target.post("/api/v1/ballots", body)
        assert response.status_code != 201, name
        _documented(response, {400, 413, 422})
    assert head(target.client) == before


def test_hostile_challenges_get_a_documented_refusal(target: Target) -> None:
    before = head(target.client)
    challenge = target.challenge
    row = ("rows", 0)
    for name, value in {
        "outcome out of range": _with(challenge, (*row, "outcome"), 64),
        "negative outcome": _with(challenge, (*row, "outcome"), -1),
        "outcome as text": _with(challenge, (*row, "outcome"), "0"),
        "missing nonces": _with(challenge, row, {"ciphertexts": [], "outcome": 0}),
        "a ballot as challenge": target.ballot,
        "another election's challenge": {**challenge, "election": "00" * 32},
        "credential field": {**challenge, "credential": target.ballot["credential"]},
    }.items():
        response = target.post("/api/v1/challenges", canonical_json(value))
        assert response.status_code != 201, name
        _documented(response, {400, 409, 422})
    assert head(target.client) == before


def test_media_type_and_methods(target: Target) -> None:
    body = canonical_json(target.ballot)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "", "json"):
        response = target.post("/api/v1/ballots", body, {"content-type": content_type})
        _documented(response, {415})
    # A charset parameter is fine (this very ballot is on the board: its receipt again).
    charset = target.post(
        "/api/v1/ballots", body, {"content-type": "application/json; charset=utf-8"}
    )
    assert charset.status_code == 200, charset.text
    _documented(target.client.put("/api/v1/ballots", content=body), {405})
    _documented(target.client.get("/api/v1/challenges"), {405})


def test_hostile_paths_and_queries(target: Target) -> None:
    for path in (
        "/api/v1/tracking/" + "A" * 10_000,
        "/api/v1/tracking/%00%00",
        "/api/v1/tracking/AAAA%2FAAAA%2FAAAA",
        "/api/v1/credentials/" + "0" * 10_000,
        "/api/v1/credentials/%2e%2e%2fetc%2fpasswd",
        "/api/v1/record?start=-1",
        "/api/v1/record?start=1e3",
        "/api/v1/record?start=" + "9" * 100,
        "/api/v1/record?start=%D9%A1",  # an Arabic-Indic digit
        "/api/v1/../../etc/passwd",
        "/api/v1/tracking/",
    ):
        response = target.client.get(path)
        assert response.status_code in {400, 404}, (path, response.status_code)
        _documented(response)
    # No redirect to the path without its trailing slash: its address would come from the
    # request's Host header.
    for path in ("/api/v1/status/", "/api/v1/record/"):
        response = target.client.get(path, headers={"host": "evil.example"})
        assert response.status_code == 404 and "location" not in response.headers, path
        _documented(response)


def _raw(url: str, request: bytes, *, close_write: bool = False, wait: float = 10) -> bytes:
    """Send raw bytes over TCP and read the answer until the server closes or `wait` ends."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        sock.sendall(request)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.count(b"}") >= 1:
                    break
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


def _post_head(length: str | None, extra: str = "") -> bytes:
    lines = ["POST /api/v1/ballots HTTP/1.1", "Host: test", "Content-Type: application/json"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + extra + "\r\n\r\n").encode()


def test_a_declared_oversized_body_is_refused_before_it_is_sent(target: Target) -> None:
    started = time.monotonic()
    answer = _raw(target.url, _post_head(str(10**9)))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"too-large"' in answer
    assert time.monotonic() - started < 5


def test_an_oversized_chunked_body_is_refused_while_it_streams(target: Target) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10_000):
            yield b" " * 65536

    response = target.client.post("/api/v1/ballots", content=chunks(), headers=JSON)
    _documented(response, {413})


def test_bad_content_length_and_truncated_bodies(target: Target) -> None:
    before = head(target.client)
    invalid = _raw(target.url, _post_head("12abc"))
    assert invalid.startswith(b"HTTP/1.1 400"), invalid[:200]
    # The body stops short of its declared length and the client stops sending.
    truncated = _post_head("5000") + canonical_json(target.ballot)[:100]
    _raw(target.url, truncated, close_write=True, wait=5)
    # The body never completes: the server gives up after its body timeout (2 s here).
    slow = _raw(target.url, _post_head("5000") + b'{"type":', wait=10)
    assert slow.startswith(b"HTTP/1.1 408"), slow[:200]
    assert b'"timeout"' in slow
    assert head(target.client) == before
    assert target.client.get("/api/v1/status").status_code == 200


def test_parse_json_refuses_what_would_crash_the_parser() -> None:
    # py_ecc raises the interpreter's recursion limit to 100,000 when imported, so deep
    # nesting would overflow the C stack inside json.loads rather than raise RecursionError.
    for data in (b"[" * 200_000, b'{"a":' * 200_000, b"9" * 10_000):
        with pytest.raises(EncodingError):
            parse_json(data)
    depth_32 = b"[" * 33 + b"]" * 33
    assert parse_json(depth_32) is not None
    with pytest.raises(EncodingError):
        parse_json(b"[" * 34 + b"]" * 34)
    # Brackets inside strings are text, not nesting.
    assert parse_json(b'["' + b"[" * 1000 + b'"]') == ["[" * 1000]
    assert parse_json(b'["\\"' + b"[" * 1000 + b'"]') == ['"' + "[" * 1000]


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:2]):
            found += _paths(item, (*prefix, index))
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutated_ballots_and_challenges_never_get_in(target: Target, data: st.DataObject) -> None:
    path, original = data.draw(
        st.sampled_from(
            [("/api/v1/ballots", target.ballot), ("/api/v1/challenges", target.challenge)]
        )
    )
    where = data.draw(st.sampled_from(_paths(original)))
    mutated = _with(original, where, data.draw(_JSON_VALUES))
    if mutated == original:
        return
    response = target.post(path, json.dumps(mutated).encode())
    _documented(response, {400, 409, 422})


def test_fuzz_leaves_the_board_as_it_was(target: Target) -> None:
    status = target.client.get("/api/v1/status").json()
    assert (status["ballots"], status["challenged"]) == (1, 1)


_HEX = "0123456789abcdef"


def _hex(size: int) -> st.SearchStrategy[str]:
    return st.text(_HEX, min_size=2 * size, max_size=2 * size)


def _points(real: list[str]) -> st.SearchStrategy[str]:
    # Random 33-byte strings are rarely on the curve: mix in points of a real ballot.
    return st.sampled_from(real) | st.sampled_from(["02", "03"]).flatmap(
        lambda prefix: _hex(32).map(lambda x: prefix + x)
    )


def _documented_ballots(ballot: Any) -> st.SearchStrategy[Any]:
    """Ballots of the documented schema (components.schemas.Ballot), shaped like this
    election's or not, with random values."""
    real = [c[k] for row in ballot["rows"] for c in row["ciphertexts"] for k in ("alpha", "beta")]
    ciphertext = st.fixed_dictionaries({"alpha": _points(real), "beta": _points(real)})
    row = st.fixed_dictionaries(
        {
            "ciphertexts": st.lists(ciphertext, min_size=1, max_size=2),
            "proof": st.fixed_dictionaries(
                {
                    "challenges": st.lists(_hex(32), min_size=1, max_size=5),
                    "responses": st.lists(
                        st.lists(_hex(32), min_size=1, max_size=2), min_size=1, max_size=5
                    ),
                }
            ),
        }
    )
    return st.fixed_dictionaries(
        {
            "type": st.just("votecrypt/ballot"),
            "version": st.just(1),
            "election": st.just(ballot["election"]) | _hex(32),
            "ballot_id": _hex(16),
            "credential": st.just(ballot["credential"]) | _hex(32),
            "signature": _hex(64),
            "rows": st.lists(row, min_size=1, max_size=3),
        }
    )


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_ballots_of_the_documented_schema_with_random_values(
    target: Target, data: st.DataObject
) -> None:
    ballot = data.draw(_documented_ballots(target.ballot))
    _documented(target.post("/api/v1/ballots", canonical_json(ballot)), {400, 422})


schemathesis = pytest.importorskip("schemathesis")
# Generating request bodies of the Ballot and ChallengedBallot schemas takes schemathesis
# about 2.5 s each (measured), so the submissions are fuzzed by the two tests above instead.
SCHEMA = schemathesis.openapi.from_path(OPENAPI).include(method="GET")


@SCHEMA.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_against_its_openapi_document(target: Target, case: Any) -> None:
    response = case.call(base_url=target.url)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        _documented(httpx.Response(response.status_code, content=response.content))
    else:
        case.validate_response(response)


def test_openapi_document_lists_every_route(target: Target) -> None:
    document = json.loads(Path(OPENAPI).read_text(encoding="utf-8"))
    assert set(document["paths"]) == {
        "/api/v1/election",
        "/api/v1/ballots",
        "/api/v1/challenges",
        "/api/v1/tracking/{code}",
        "/api/v1/status",
        "/api/v1/credentials/{public_key}",
        "/api/v1/record",
        "/api/v1/checkpoint",
        "/api/v1/checkpoint/cosigned",
        "/api/v1/cosignatures",
        "/api/v1/proof/inclusion",
        "/api/v1/proof/consistency",
        "/openapi.json",
    }
