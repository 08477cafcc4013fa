"""Batch verification of ballot proofs (spec 5.7): the batch reading refuses exactly the
ballots the one-by-one reading (5.3) refuses, with the same reasons, whatever is wrong with
them and wherever they stand in the batch; and on every election vector the verifier's
reports are the same under both readings (16.3)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import fixtures
from votecrypt.errors import BallotError
from votecrypt.math import Group, Scalar, encode, hash_bytes, secp256k1
from votecrypt.math.tags import BALLOT
from votecrypt.protocol.ballot import (
    Ballot,
    BallotContext,
    BallotRow,
    EncodedRows,
    check_many_proofs,
    check_proofs,
    check_proofs_one_by_one,
)
from votecrypt.protocol.booth import prepare_ballot
from votecrypt.protocol.context import ElectionContext
from votecrypt.protocol.credentials import issue_credentials
from votecrypt.verifier import ballots as chunk_checks
from votecrypt.verifier import verify_record

VECTORS = Path(__file__).resolve().parent.parent / "spec" / "vectors" / "election"
ROWS = 3


@pytest.fixture(scope="module")
def election() -> tuple[ElectionContext, list[Ballot]]:
    group = secp256k1()
    context = fixtures.context(group, ROWS, 40)
    credentials = issue_credentials(context.manifest_hash, 10)[0]
    ballots = [
        prepare_ballot(context, c, [(i + r) % 4 for r in range(ROWS)]).ballot
        for i, c in enumerate(credentials)
    ]
    return context, ballots


def _one_by_one(ballot: Ballot, context: BallotContext) -> str | None:
    try:
        check_proofs_one_by_one(ballot, context)
    except BallotError as failure:
        return str(failure)
    return None


def _batch(ballots: list[Ballot], context: BallotContext) -> list[str | None]:
    return [None if f is None else str(f) for f in check_many_proofs(ballots, context)]


def _with_proof(ballot: Ballot, row: int, **changes: Any) -> Ballot:
    rows = list(ballot.rows)
    rows[row] = BallotRow(rows[row].ciphertexts, dataclasses.replace(rows[row].proof, **changes))
    return dataclasses.replace(ballot, rows=tuple(rows))


def _response_plus(ballot: Ballot, row: int, delta: Scalar) -> Ballot:
    """z_{1,0} + delta: the challenge still matches the carried commitments; the equations
    of branch 1 are off by delta*G and delta*K."""
    responses = [list(branch) for branch in ballot.rows[row].proof.responses]
    responses[1][0] = responses[1][0] + delta
    return _with_proof(ballot, row, responses=tuple(tuple(b) for b in responses))


def _forged_commitments(ballot: Ballot, row: int) -> Ballot:
    """c_0 + 1 with the commitments of branch 0 moved to fit every equation (v_0 = 0)."""
    proof = ballot.rows[row].proof
    cts = ballot.rows[row].ciphertexts
    challenges = (proof.challenges[0] + Scalar(1), *proof.challenges[1:])
    pairs = tuple(
        (a - ct.alpha, b - ct.beta) for (a, b), ct in zip(proof.commitments[0], cts, strict=True)
    )
    return _with_proof(
        ballot, row, challenges=challenges, commitments=(pairs, *proof.commitments[1:])
    )


def _identity_commitment(ballot: Ballot, row: int, group: Group) -> Ballot:
    proof = ballot.rows[row].proof
    (_, b), *rest = proof.commitments[2]
    commitments = list(proof.commitments)
    commitments[2] = ((group.identity, b), *rest)
    return _with_proof(ballot, row, commitments=tuple(commitments))


def _bad_kinds(context: ElectionContext) -> Iterator[tuple[str, Any]]:
    group = context.group
    yield "response", lambda b: _response_plus(b, 1, Scalar(5))
    yield "forged commitments", lambda b: _forged_commitments(b, 2)
    yield "identity commitment", lambda b: _identity_commitment(b, 0, group)
    yield "other row's proof", lambda b: _with_proof(b, 0, **_fields(b.rows[1].proof))
    yield "shape", lambda b: _with_proof(b, 2, commitments=b.rows[2].proof.commitments[:-1])


def _fields(proof: Any) -> dict[str, Any]:
    return {f.name: getattr(proof, f.name) for f in dataclasses.fields(proof)}


@pytest.mark.parametrize("positions", [(0,), (4,), (9,), (0, 9), (2, 3, 7)])
def test_the_batch_names_exactly_the_bad_ballots(
    election: tuple[ElectionContext, list[Ballot]], positions: tuple[int, ...]
) -> None:
    context, ballots = election
    for name, make_bad in _bad_kinds(context):
        batch = list(ballots)
        for position in positions:
            batch[position] = make_bad(batch[position])
        expected = [_one_by_one(ballot, context) for ballot in batch]
        assert [i for i, e in enumerate(expected) if e] == list(positions), name
        assert _batch(batch, context) == expected, name


def test_errors_that_cancel_with_equal_weights_are_caught(
    election: tuple[ElectionContext, list[Ballot]],
) -> None:
    # Ballot 3 off by +delta and ballot 6 by -delta in the same equation: a combination with
    # equal (or predictable) weights would sum them to the identity and accept both. Fresh
    # random weights do not; both ballots are named, whatever the order of the batch.
    context, ballots = election
    delta = Scalar(123456789)
    batch = list(ballots)
    batch[3] = _response_plus(batch[3], 1, delta)
    batch[6] = _response_plus(batch[6], 1, -delta)
    for _ in range(5):
        verdicts = _batch(batch, context)
        assert [i for i, v in enumerate(verdicts) if v] == [3, 6]
        assert verdicts == [_one_by_one(b, context) for b in batch]


def test_a_single_ballot_is_refused_as_one_by_one(
    election: tuple[ElectionContext, list[Ballot]],
) -> None:
    # The board's check (check_proofs, one ballot's rows in one batch) raises the error of
    # the one-by-one reading, naming the row and the equation.
    context, ballots = election
    check_proofs(ballots[0], context)
    for _, make_bad in _bad_kinds(context):
        bad = make_bad(ballots[1])
        with pytest.raises(BallotError) as batch:
            check_proofs(bad, context)
        with pytest.raises(BallotError) as single:
            check_proofs_one_by_one(bad, context)
        assert (batch.value.reason, str(batch.value)) == (single.value.reason, str(single.value))


def _report(path: Path) -> list[tuple[str, str, list[str]]]:
    report = verify_record(path, jobs=1)
    return [(c.name, c.status, c.failures) for c in report.checks.values()]


def _vector_cases() -> list[str]:
    expected = json.loads((VECTORS / "expected.json").read_text(encoding="utf-8"))
    paths = {expected["record"]["path"]}
    for section in ("records", "tampered", "prefixes"):
        paths.update(case["path"] for case in expected[section].values())
    return sorted(paths)


def test_both_readings_give_the_same_reports_on_every_election_vector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def one_by_one(
        ballots: list[Ballot], context: BallotContext, encoded: object = None
    ) -> list[BallotError | None]:
        verdicts: list[BallotError | None] = []
        for ballot in ballots:
            try:
                check_proofs_one_by_one(ballot, context)
                verdicts.append(None)
            except BallotError as failure:
                verdicts.append(failure)
        return verdicts

    batched = {path: _report(VECTORS / path) for path in _vector_cases()}
    monkeypatch.setattr(chunk_checks, "check_many_proofs", one_by_one)
    for path, report in batched.items():
        assert _report(VECTORS / path) == report, path
    assert any(
        status == "FAIL" and name == "ballot-proofs"
        for report in batched.values()
        for name, status, _ in report
    )


@pytest.mark.parametrize(
    ("bad", "most_checks"),
    [((), 1), ((7,), 1 + 2 * 4), ((0, 1), 1 + 2 * 4), (tuple(range(10)), 3), ((1, 8), 3)],
)
def test_bisection_does_bounded_work(
    election: tuple[ElectionContext, list[Ballot]],
    monkeypatch: pytest.MonkeyPatch,
    bad: tuple[int, ...],
    most_checks: int,
) -> None:
    # One bad ballot among 10: at most 1 + 2*ceil(log2(10)) batch checks; bad ballots in both
    # halves (or everywhere): three checks, then the one-by-one reading (spec 5.7). A record
    # full of bad ballots cannot make the batch reading do much more than reading one by one.
    from votecrypt.protocol import ballot as ballot_module

    context, ballots = election
    batch = [_response_plus(b, 0, Scalar(9)) if i in bad else b for i, b in enumerate(ballots)]
    calls: list[int] = []
    real = ballot_module.vartime_equations_hold

    def counting(key: Any, claims: Any) -> bool:
        calls.append(len(claims))
        return real(key, claims)

    monkeypatch.setattr(ballot_module, "vartime_equations_hold", counting)
    verdicts = _batch(batch, context)
    assert [i for i, v in enumerate(verdicts) if v] == list(bad)
    assert 1 <= len(calls) <= most_checks


def _body(ballot: Ballot) -> dict[str, Any]:
    from votecrypt.record.ballot_codec import ballot_plain

    return json.loads(json.dumps(ballot_plain(ballot)))


@pytest.mark.parametrize(
    "edit",
    [
        "prefix 04",
        "x not below p",
        "upper-case hex",
        "extra field",
        "missing b",
        "a pair as a list",
        "one pair too many",
    ],
)
def test_commitments_decode_strictly(
    election: tuple[ElectionContext, list[Ballot]], edit: str
) -> None:
    # Whoever writes a ballot (a booth, a hostile client, a hostile board in the record)
    # writes its commitments: each is a canonical point, in an object of exactly {a, b}.
    from votecrypt.errors import EncodingError
    from votecrypt.record.ballot_codec import ballot_from_plain

    context, ballots = election
    body = _body(ballots[0])
    pairs = body["rows"][1]["proof"]["commitments"][2]
    if edit == "prefix 04":
        pairs[0]["a"] = "04" + pairs[0]["a"][2:]
    elif edit == "x not below p":
        pairs[0]["b"] = "02" + "ff" * 32
    elif edit == "upper-case hex":
        pairs[0]["a"] = pairs[0]["a"].upper()
    elif edit == "extra field":
        pairs[0]["c"] = pairs[0]["a"]
    elif edit == "missing b":
        del pairs[0]["b"]
    elif edit == "a pair as a list":
        pairs[0] = [pairs[0]["a"], pairs[0]["b"]]
    else:
        pairs.append(dict(pairs[0]))
        with pytest.raises(BallotError):  # decodes, but has the wrong shape (10.1)
            from votecrypt.protocol.ballot import check_sizes

            ballot = ballot_from_plain(body, context.group)
            check_sizes(ballot, context)
            check_proofs(ballot, context)
        return
    with pytest.raises(EncodingError, match=r"rows\[1\]\.proof\.commitments\[2\]\[0\]"):
        ballot_from_plain(body, context.group)


def test_bulk_ingestion_refuses_what_check_ballot_refuses(
    election: tuple[ElectionContext, list[Ballot]],
) -> None:
    # The ingestion chunk (spec 11.3 steps 1-4 in worker processes) checks the proofs of its
    # ballots in one batch: every ballot gets the reason check_ballot gives it, a re-signed
    # ballot with a forged proof included (its signature holds, only check 4 refuses it).
    from votecrypt.protocol.ballot import check_ballot, signature_digest
    from votecrypt.record.ballot_codec import ballot_plain
    from votecrypt.service.ingest import _check

    context, ballots = election
    credentials = issue_credentials(context.manifest_hash, 2)[0]
    signed = []
    for credential, outcomes in zip(credentials, ([0, 1, 2], [3, 3, 3]), strict=True):
        made = prepare_ballot(context, credential, outcomes).ballot
        forged = _forged_commitments(made, 1)
        signature = credential.signing_key.sign(signature_digest(forged.ballot_hash()))
        signed.append(dataclasses.replace(forged, signature=signature))
    unsigned = _response_plus(ballots[2], 0, Scalar(3))
    chunk = [ballots[0], signed[0], unsigned, ballots[5], signed[1], ballots[7]]
    expected = []
    for ballot in chunk:
        try:
            check_ballot(ballot, context)
            expected.append("")
        except BallotError as failure:
            expected.append(failure.reason + ": " + failure.detail)
    assert expected[1].startswith("invalid-proof: row 2") and expected[2].startswith("bad-sig")
    checked = _check(context, [(i, ballot_plain(b)) for i, b in enumerate(chunk)])
    assert [reason + (": " + detail if reason else "") for _, _, reason, detail in checked] == (
        expected
    )


def test_the_board_server_refuses_a_signed_ballot_with_forged_commitments(
    tmp_path: Path, fast_group: Group
) -> None:
    # A voter's own device (or anyone holding a code) sends, over real HTTP, a ballot whose
    # signature holds and whose row proof satisfies every equation for a changed challenge:
    # the board refuses it (invalid-proof, naming the row) and appends nothing; the honest
    # ballot of the same credential is then accepted.
    import httpx
    from server_helpers import JSON, served_election

    from votecrypt.protocol.ballot import signature_digest
    from votecrypt.protocol.credentials import credential_from_code
    from votecrypt.record.ballot_codec import ballot_plain
    from votecrypt.record.json_codec import canonical_json
    from votecrypt.service.voting import prepare

    with (
        served_election(tmp_path / "e", fast_group, ballots=2, candidates=2) as (election, url),
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        code = election.credentials[0].code
        honest = prepare(election.context, code, ["high", "blank"]).ballot
        forged = _forged_commitments(honest, 1)
        key = credential_from_code(election.context.manifest_hash, code).signing_key
        forged = dataclasses.replace(
            forged, signature=key.sign(signature_digest(forged.ballot_hash()))
        )
        refused = client.post(
            "/api/v1/ballots", content=canonical_json(ballot_plain(forged)), headers=JSON
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == "invalid-proof"
        assert "row 2" in refused.json()["message"]
        accepted = client.post(
            "/api/v1/ballots", content=canonical_json(ballot_plain(honest)), headers=JSON
        )
        assert accepted.status_code == 201, accepted.text


def test_the_ballot_hash_from_row_encodings_is_the_hash_of_the_plain_values(
    election: tuple[ElectionContext, list[Ballot]],
) -> None:
    # A check encodes each row's ciphertexts and commitments once, for the ballot hash and
    # the row proof's challenge (spec 3.1, 10.5): the same bytes as the values themselves.
    _, ballots = election
    for ballot in ballots[:3]:
        plain = {
            "election": ballot.election,
            "ballot_id": ballot.ballot_id,
            "credential": ballot.credential.to_bytes(),
            "rows": [
                {
                    "ciphertexts": [[c.alpha, c.beta] for c in row.ciphertexts],
                    "challenges": list(row.proof.challenges),
                    "responses": [list(z_j) for z_j in row.proof.responses],
                    "commitments": [[[a, b] for a, b in pairs] for pairs in row.proof.commitments],
                }
                for row in ballot.rows
            ],
        }
        expected = hash_bytes(BALLOT, plain)
        encoded = EncodedRows(ballot)
        assert ballot.ballot_hash() == ballot.ballot_hash(encoded) == expected
        for row, (ciphertexts, commitments) in zip(ballot.rows, encoded.rows, strict=True):
            assert ciphertexts.data == encode([[c.alpha, c.beta] for c in row.ciphertexts])
            assert commitments.data == encode(
                [[[a, b] for a, b in pairs] for pairs in row.proof.commitments]
            )


def test_a_ballot_plain_is_already_in_canonical_json_form(
    election: tuple[ElectionContext, list[Ballot]],
) -> None:
    # The board writes a checked ballot's JSON without normalising it again
    # (CheckedBallot.of): hex and constant text, lists, integers, so the same bytes.
    from votecrypt.record.ballot_codec import ballot_plain
    from votecrypt.record.json_codec import canonical_json

    _, ballots = election
    for ballot in ballots[:3]:
        plain = ballot_plain(ballot)
        assert canonical_json(plain, normalised=True) == canonical_json(plain)


def test_encodings_are_accepted_only_with_the_ballot_they_were_made_from(
    election: tuple[ElectionContext, list[Ballot]],
) -> None:
    # A challenge must be derived from the very commitments the batch checks (spec 5.7), and
    # a signature checked over the content it signs: encodings of another ballot (even one
    # equal to it) are refused before anything is hashed.
    context, ballots = election
    other = EncodedRows(dataclasses.replace(ballots[0]))
    with pytest.raises(ValueError, match="another ballot"):
        check_proofs(ballots[0], context, other)
    with pytest.raises(ValueError, match="another ballot"):
        ballots[0].ballot_hash(EncodedRows(ballots[1]))
    check_proofs(ballots[0], context, EncodedRows(ballots[0]))
    # nor can encodings be pointed at another ballot once made
    stale = EncodedRows(ballots[1])
    with pytest.raises(AttributeError):
        stale.ballot = ballots[0]  # type: ignore[misc]
    with pytest.raises(ValueError, match="another ballot"):
        ballots[0].ballot_hash(stale)
