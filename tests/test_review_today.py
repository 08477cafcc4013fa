"""Hostile review of 8de4159: constant-time products through ECDH, the shifted-point
set-membership check, and ballots handed to the board as CheckedBallot.

Each test is an attack on one of the changes; they pass on the reviewed code and fail if
the property they name is lost."""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from coincurve._libsecp256k1 import ffi
from election_helpers import OpenElection
from server_helpers import JSON, head, served_election

from votecrypt.errors import BallotError, InvalidProof
from votecrypt.math import Group, Scalar, backends, secp256k1
from votecrypt.math.backends import P
from votecrypt.math.group import Point
from votecrypt.math.scalar import N
from votecrypt.math.tags import BALLOT_ROW_PROOF, TEST_MEMBERSHIP
from votecrypt.primitives import membership, membership_batch
from votecrypt.primitives.elgamal import Ciphertext
from votecrypt.primitives.membership import MembershipProof, prove_membership, value_points
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.ballot import BallotRow, row_proof_context, signature_digest
from votecrypt.protocol.credentials import credential_from_code
from votecrypt.record.ballot_codec import ballot_plain, ballot_to_json
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.record.log import entry_from_line
from votecrypt.service.voting import prepare
from votecrypt.storage.board import BulletinBoard, CheckedBallot
from votecrypt.web.checking import check_submission

# ---------------------------------------------------------------------------------------------
# 1. The constant-time product (secp256k1_ecdh with a copying callback)


def _points_with_large_x(group: Group, count: int) -> list[Point]:
    """Points whose x-coordinate is n or more (anyone may publish one; x = n is on the curve)."""
    found: list[Point] = []
    x = N
    while len(found) < count:
        y2 = (pow(x, 3, P) + 7) % P
        if pow(y2, (P - 1) // 2, P) == 1:
            for prefix in (2, 3):
                found.append(
                    group.point_from_canonical_bytes(bytes((prefix,)) + x.to_bytes(32, "big"))
                )
        x += 1
    return found


def test_constant_time_product_of_points_with_x_at_least_n(
    fast_group: Group, reference_group: Group
) -> None:
    # The reference backend and the tweak agree with ECDH on points an attacker can pick.
    for point in _points_with_large_x(fast_group, 4):
        twin = reference_group.point_from_canonical_bytes(point.to_bytes())
        for k in (1, 2, 3, N - 1, N - 2, 2**128 + 1, 2**255, 0xC0FFEE * 2**200):
            product = Scalar(k) * point
            assert product.to_bytes() == (Scalar(k) * twin).to_bytes()
            assert product == fast_group.vartime_multiply(Scalar(k), point)
        assert (Scalar(N - 1) * point) == -point


def test_constant_time_products_from_many_threads(fast_group: Group) -> None:
    # The board server has threads; a cffi callback runs Python inside libsecp256k1. Products
    # computed at the same time in several threads must each get their own coordinates.
    rng = random.Random(5)
    bases = [Scalar(rng.randrange(1, N)) * fast_group.generator for _ in range(8)]
    jobs = [
        [(rng.choice(bases), Scalar(rng.randrange(1, N))) for _ in range(150)] for _ in range(6)
    ]
    expected = [[fast_group.vartime_multiply(k, p) for p, k in job] for job in jobs]
    results: list[list[Point] | None] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(index: int) -> None:
        barrier.wait()
        results[index] = [k * p for p, k in jobs[index]]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


def _failing_callback(kind: str) -> Any:
    def copy_nothing(output: Any, x32: Any, y32: Any, data: Any) -> int:
        if kind == "raises":
            raise RuntimeError("callback failure")
        if kind == "garbage":
            ffi.memmove(output, b"\x01" * 64, 64)  # not a point of the curve
            return 1
        return 0

    return ffi.callback(
        "int(unsigned char *, unsigned char *, unsigned char *, void *)", copy_nothing
    )


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("kind", ["returns-zero", "raises", "garbage"])
def test_a_failing_ecdh_callback_never_yields_a_point(
    fast_group: Group, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # Whatever the "hash function" does, the product is refused rather than some other point
    # (e.g. the output buffer's initial bytes taken as a result).
    point = Scalar(9) * fast_group.generator
    failing = _failing_callback(kind)
    monkeypatch.setattr(backends, "_copy_coordinates", lambda: failing)
    with pytest.raises(ValueError):
        Scalar(12345) * point


# ---------------------------------------------------------------------------------------------
# 2. verify_membership: b = z*K - c*(beta - v*G) with a precomputed -v*G


def _spec_commitments(
    group: Group, key: Point, cts: list[Ciphertext], vectors: list[tuple[int, ...]], proof: Any
) -> list[list[tuple[bytes, bytes]]]:
    g = group.generator
    return [
        [
            (
                (z * g - c * ct.alpha).to_bytes(),
                (z * key - c * (ct.beta - Scalar(v) * g)).to_bytes(),
            )
            for ct, v, z in zip(cts, vector, zs, strict=True)
        ]
        for vector, c, zs in zip(vectors, proof.challenges, proof.responses, strict=True)
    ]


def _adversarial_statements(group: Group, trials: int, seed: int) -> Iterator[Any]:
    rng = random.Random(seed)
    values = [0, 1, 2**20, 2**40 + 5, N - 1]

    def scalar() -> Scalar:
        return Scalar(rng.choice([0, 1, N - 1, rng.randrange(N)]))

    for _ in range(trials):
        lanes, branches = rng.choice([1, 2, 3]), rng.choice([1, 2, 3])
        vectors: set[tuple[int, ...]] = set()
        while len(vectors) < branches:
            vectors.add(tuple(rng.choice(values) for _ in range(lanes)))
        allowed = sorted(vectors)
        key = Scalar(rng.randrange(1, N)) * group.generator
        cts = []
        for lane in range(lanes):
            roll = rng.random()
            alpha = group.identity if roll < 0.2 else Scalar(rng.randrange(1, N)) * group.generator
            if roll > 0.6:  # beta = v*G: the shifted point of that branch is the identity
                beta = group.multiply_generator(Scalar(rng.choice(allowed)[lane]))
            elif roll > 0.4:
                beta = group.identity
            else:
                beta = Scalar(rng.randrange(1, N)) * group.generator
            cts.append(Ciphertext(alpha, beta))
        challenges = tuple(scalar() for _ in allowed)
        responses = tuple(tuple(scalar() for _ in range(lanes)) for _ in allowed)
        forged = MembershipProof(challenges, responses, ())
        commitments = tuple(
            tuple(
                (
                    group.point_from_canonical_bytes(a, allow_identity=True),
                    group.point_from_canonical_bytes(b, allow_identity=True),
                )
                for a, b in branch
            )
            for branch in _spec_commitments(group, key, cts, allowed, forged)
        )
        yield key, cts, allowed, MembershipProof(challenges, responses, commitments)


@pytest.mark.parametrize(("backend", "trials"), [("coincurve", 120), ("py_ecc", 6)])
def test_membership_check_compares_exactly_the_spec_commitments(
    monkeypatch: pytest.MonkeyPatch, backend: str, trials: int
) -> None:
    # For any (forged) proof carrying the spec's a and b, the one-by-one equations hold with
    # and without the key table and the precomputed -v*G, and so does the batch (spec 5.7):
    # zero challenges and responses, identity alpha and beta, beta = v*G, large lane values.
    # The challenge is made to match, so that only the equations are tested; one carried
    # commitment moved by G then fails both readings.
    group = secp256k1(backend)
    for key, cts, allowed, proof in _adversarial_statements(group, trials, seed=11):
        total = Scalar(0)
        for c in proof.challenges:
            total = total + c
        monkeypatch.setattr(membership, "_hashed_challenge", lambda *args, total=total: total)
        vectors = tuple(tuple(v) for v in allowed)
        claim = membership_batch.Claim(proof, tuple(cts), vectors)
        assert membership_batch.vartime_equations_hold(key, [claim])
        (a, b), *rest = proof.commitments[0]
        moved = dataclasses.replace(
            proof, commitments=(((a, b + group.generator), *rest), *proof.commitments[1:])
        )
        assert not membership_batch.vartime_equations_hold(
            key, [membership_batch.Claim(moved, tuple(cts), vectors)]
        )
        table = group.vartime_fixed_base(key)
        for key_table in (None, table):
            for negated in (None, value_points(group, allowed)):
                for candidate, holds in ((proof, True), (moved, False)):
                    try:
                        membership.verify_membership(
                            candidate,
                            key,
                            cts,
                            allowed,
                            tag=TEST_MEMBERSHIP,
                            context=(),
                            key_table=key_table,
                            negated=negated,
                        )
                    except InvalidProof as failure:
                        assert not holds
                        assert failure.equation == membership.EQUATIONS
                    else:
                        assert holds


def test_honest_proofs_with_identity_shifts_verify(group: Group) -> None:
    # With nonce r = 0 (a dishonest booth may use it) alpha is the identity and beta = v*G, so
    # the true branch's shifted point beta - v*G is the identity: the proof is still valid,
    # and the identity must go through the new product and the table sum unharmed.
    key = Scalar(77) * group.generator
    allowed = [(0, 3), (5, 0), (2**40, 1)]
    for vector in allowed:
        cts = [Ciphertext(group.identity, group.multiply_generator(Scalar(v))) for v in vector]
        zero = [Scalar(0)] * len(vector)
        negated = value_points(group, allowed)
        proof = prove_membership(
            key, cts, vector, zero, allowed, tag=TEST_MEMBERSHIP, context=(), negated=negated
        )
        for table in (None, group.vartime_fixed_base(key)):
            membership.verify_membership(
                proof,
                key,
                cts,
                allowed,
                tag=TEST_MEMBERSHIP,
                context=(),
                key_table=table,
                negated=negated,
            )


# ---------------------------------------------------------------------------------------------
# 3. CheckedBallot: the entry the board appends


@pytest.fixture()
def election(fast_group: Group, tmp_path: Path) -> Iterator[OpenElection]:
    opened = OpenElection(tmp_path / "e", fast_group, ballots=6)
    yield opened
    opened.close()


def _noncanonical_bodies(ballot: Any) -> list[bytes]:
    plain = ballot_plain(ballot)
    spaced = json.dumps(plain, indent=3).encode()
    reordered = json.dumps(dict(reversed(list(plain.items())))).encode()
    escaped = canonical_json(plain).replace(b'"votecrypt/ballot"', b'"\\u0076otecrypt\\/ballot"')
    return [spaced, reordered, escaped]


def test_noncanonical_request_bodies_make_the_canonical_entry(election: OpenElection) -> None:
    # The checking process reads the client's bytes; what the board stores and hashes must be
    # the canonical entry of the decoded ballot, whatever the spelling of the request.
    prepared = prepare(election.context, election.credentials[0].code, ["high", "low"])
    reference = CheckedBallot.of(prepared.ballot)
    assert reference.payload == canonical_json(ballot_plain(prepared.ballot))
    for body in _noncanonical_bodies(prepared.ballot):
        assert body != reference.payload
        checked = check_submission(election.context, "ballot", body)
        assert checked.ballot == reference
        assert checked.tracking_code == prepared.tracking_code
    receipt = election.board.accept_checked_ballot(checked.ballot)  # type: ignore[arg-type]
    stored = election.board._db.execute(
        "SELECT payload FROM entries WHERE seq = ?", (receipt.seq,)
    ).fetchone()[0]
    assert bytes(stored) == reference.payload == canonical_json(parse_json(bytes(stored)))
    entry = election.board.entry(receipt.seq)
    assert entry is not None and entry.payload == ballot_plain(prepared.ballot)
    assert entry.hash == receipt.entry_hash == entry.expected_hash()


def _payload_rows(board: BulletinBoard, table: str) -> list[Any]:
    return list(board._db.execute(f"SELECT * FROM {table} ORDER BY 1"))


def test_refusals_in_one_transaction_keep_their_reasons_and_leave_nothing(
    election: OpenElection,
) -> None:
    # Spec 11.3's order: voting open, credential (unknown, used), ballot id, a published
    # ciphertext, then a ciphertext repeated inside the ballot (found after the append, so
    # only the savepoint undoes it). A refused ballot's id, credential and ciphertexts stay
    # free for the ballots after it in the same transaction.
    context, codes = election.context, [c.code for c in election.credentials]
    b = [prepare(context, codes[i], ["high", "low"]).ballot for i in range(6)]

    def rows(ballot: Any, *new: BallotRow) -> Any:
        return dataclasses.replace(ballot, rows=new)

    sequence = [
        (b[0], None),
        (b[0], reasons.CREDENTIAL_USED),  # also its id and ciphertexts: the credential first
        (dataclasses.replace(b[1], ballot_id=b[0].ballot_id), reasons.DUPLICATE_BALLOT_ID),
        (
            dataclasses.replace(rows(b[4], b[4].rows[0], b[0].rows[0]), ballot_id=b[0].ballot_id),
            reasons.DUPLICATE_BALLOT_ID,  # the id before the ciphertexts
        ),
        (rows(b[2], b[2].rows[0], b[0].rows[1]), reasons.DUPLICATE_CIPHERTEXT),
        (rows(b[3], b[3].rows[0], b[3].rows[0]), reasons.DUPLICATE_CIPHERTEXT),  # repeated
        (b[3], None),  # same id, credential and first row as the refused one
        (rows(b[2], b[2].rows[0], b[3].rows[1]), reasons.DUPLICATE_CIPHERTEXT),  # same batch
        (b[2], None),
    ]
    board = election.board
    before = board.count()
    ciphertexts_before = len(_payload_rows(board, "ciphertexts"))
    results = board.accept_checked_ballots([CheckedBallot.of(x) for x, _ in sequence])
    got = [r.reason if isinstance(r, BallotError) else None for r in results]
    assert got == [reason for _, reason in sequence]
    accepted = [x for x, reason in sequence if reason is None]
    assert board.count() == before + len(accepted)
    lanes = sum(len(row.ciphertexts) for x in accepted for row in x.rows)
    assert len(_payload_rows(board, "ciphertexts")) == ciphertexts_before + lanes
    assert {bytes(row[0]) for row in _payload_rows(board, "ballot_ids")} == {
        x.ballot_id for x in accepted
    }
    used = {
        bytes(row[0])
        for row in board._db.execute("SELECT key FROM credentials WHERE ballot_seq IS NOT NULL")
    }
    assert used == {x.credential.to_bytes() for x in accepted}
    codes_indexed = [row[1] for row in _payload_rows(board, "tracking")]
    assert sorted(codes_indexed) == sorted(x.tracking_code() for x in accepted)
    # And every entry written this way verifies against its stored bytes.
    for entry in board.entries(before + 1):
        assert entry.hash == entry.expected_hash()


# ---------------------------------------------------------------------------------------------
# 4. The server: "sent again" receipts


def test_a_resubmission_gets_the_receipt_only_when_it_is_the_same_ballot(
    tmp_path: Path, fast_group: Group
) -> None:
    with (
        served_election(tmp_path / "e", fast_group, ballots=4, candidates=2) as (
            election,
            url,
        ),
        httpx.Client(base_url=url) as client,
    ):
        context, code = election.context, election.credentials[0].code
        prepared = prepare(context, code, ["high", "low"])
        ballot = prepared.ballot
        spaced, reordered, escaped = _noncanonical_bodies(ballot)
        first = client.post("/api/v1/ballots", content=spaced, headers=JSON)
        assert first.status_code == 201, first.text
        receipt = first.json()
        # The same ballot spelled differently: its receipt again, nothing appended.
        for body in (ballot_to_json(ballot), reordered, escaped):
            again = client.post("/api/v1/ballots", content=body, headers=JSON)
            assert (again.status_code, again.json()) == (200, receipt)
        # A different ballot with the same tracking code (same id and ciphertexts, a fresh
        # proof for row 0 from the same nonces, signed again by the same credential): the
        # credential was used by another submission, so a refusal, not that receipt.
        challenged = prepared.challenge()
        allowed = context.packing.allowed()
        row = ballot.rows[0]
        proof = prove_membership(
            context.joint_key,
            row.ciphertexts,
            context.packing.encode(challenged.outcomes[0]),
            challenged.nonces[0],
            allowed,
            tag=BALLOT_ROW_PROOF,
            context=row_proof_context(context.hash, ballot.credential, ballot.ballot_id, 0),
        )
        credential = credential_from_code(context.manifest_hash, code)
        other = dataclasses.replace(
            ballot, rows=(BallotRow(row.ciphertexts, proof), *ballot.rows[1:])
        )
        other = dataclasses.replace(
            other, signature=credential.signing_key.sign(signature_digest(other.ballot_hash()))
        )
        assert other.tracking_code() == ballot.tracking_code() and other != ballot
        before = head(client)
        refused = client.post("/api/v1/ballots", content=ballot_to_json(other), headers=JSON)
        assert (refused.status_code, refused.json()["error"]) == (409, "credential-used")
        assert head(client) == before
        # The record's line for the ballot is the canonical entry, and its hash checks.
        lines = client.get("/api/v1/record", params={"start": receipt["seq"]}).content.split(b"\n")
        entry = entry_from_line(lines[0], receipt["seq"])
        assert entry.payload == ballot_plain(ballot)
        assert entry.hash.hex() == receipt["entry_hash"] == entry.expected_hash().hex()
        with sqlite3.connect(election.directory.board) as db:
            stored = db.execute("SELECT payload FROM entries WHERE seq = ?", (receipt["seq"],))
            assert bytes(stored.fetchone()[0]) == ballot_to_json(ballot)
