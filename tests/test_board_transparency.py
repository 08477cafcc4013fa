"""The board's Merkle tree, signed checkpoints and receipts over real HTTP on loopback
(spec 11.5-11.9): what the server proves, and what a forged answer fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from election_helpers import OpenElection
from server_helpers import JSON, schema_validator, served_election

from votecrypt.errors import BoardError, EncodingError, InvalidProof, InvalidSignature
from votecrypt.math import Group
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.record.ballot_codec import ballot_to_json
from votecrypt.record.checkpoint import (
    Checkpoint,
    board_note_key,
    election_origin,
    open_checkpoint,
    sign_checkpoint,
)
from votecrypt.record.cosignature import cosign, witness_keys
from votecrypt.record.log import entry_from_line
from votecrypt.record.merkle import MerkleTree, leaf_hash, verify_consistency
from votecrypt.record.note import NoteKey
from votecrypt.record.receipt import check_receipt, receipt_from_plain
from votecrypt.service.voting import prepare
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app

BOARD_KEY = SigningKey.generate()
WITNESS_KEYS = [SigningKey.generate() for _ in range(3)]
WITNESSES = [Witness(f"w{i}.example", k.verify_key.to_bytes()) for i, k in enumerate(WITNESS_KEYS)]


class Board:
    def __init__(self, election: OpenElection, client: httpx.Client) -> None:
        self.election = election
        self.client = client
        self.context = election.context
        self.key = board_note_key(self.context.hash, BOARD_KEY.verify_key.to_bytes())
        self._next = 0

    def cast(self) -> tuple[Any, dict[str, Any]]:
        code = self.election.credentials[self._next].code
        self._next += 1
        prepared = prepare(self.context, code, ["high", "blank", "low"])
        body = ballot_to_json(prepared.ballot)
        response = self.client.post("/api/v1/ballots", content=body, headers=JSON)
        assert response.status_code == 201, response.text
        return json.loads(body), response.json()

    def checkpoint(self) -> tuple[Checkpoint, bytes]:
        response = self.client.get("/api/v1/checkpoint")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        checkpoint, _ = open_checkpoint(response.content, self.key)
        return checkpoint, response.content

    def log(self) -> list[Any]:
        lines = self.client.get("/api/v1/record").content.splitlines()
        return [entry_from_line(line, n) for n, line in enumerate(lines, 1)]


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory, fast_group: Group) -> Iterator[Board]:
    root = tmp_path_factory.mktemp("transparency") / "e"
    with (
        served_election(root, fast_group, board_key=BOARD_KEY, witnesses=WITNESSES) as (e, url),
        httpx.Client(base_url=url) as client,
    ):
        yield Board(e, client)


def test_the_checkpoint_is_the_signed_root_of_the_log(board: Board) -> None:
    checkpoint, _ = board.checkpoint()
    entries = board.log()
    assert checkpoint.origin == election_origin(board.context.hash)
    assert checkpoint.size == len(entries)
    assert checkpoint.root == MerkleTree(leaf_hash(e.hash) for e in entries).root()
    # The manifest (and so the fingerprint) names the key and the witnesses.
    manifest = board.client.get("/api/v1/election").json()["manifest"]
    assert manifest["board"]["key"] == BOARD_KEY.verify_key.hex()
    assert [w["name"] for w in manifest["board"]["witnesses"]] == [w.name for w in WITNESSES]


def test_a_cast_ballot_gets_a_receipt_that_checks_offline(board: Board) -> None:
    payload, answer = board.cast()
    schema_validator("Receipt").validate(answer)
    receipt = receipt_from_plain(answer["receipt"])
    assert (receipt.seq, receipt.entry_hash.hex()) == (answer["seq"], answer["entry_hash"])
    checked = check_receipt(receipt, payload, board.key, witness_keys(board.context.manifest.board))
    assert checked.checkpoint.size > receipt.seq
    assert checked.confirmed_by == ()  # no witness has cosigned yet
    # Another payload, another position, a changed proof: each fails.
    other = dict(payload, ballot_id="00" * 16)
    with pytest.raises(InvalidProof):
        check_receipt(receipt, other, board.key)
    moved = receipt_from_plain(dict(answer["receipt"], seq=receipt.seq - 1))
    with pytest.raises(InvalidProof):
        check_receipt(moved, payload, board.key)
    if receipt.inclusion:
        bent = dict(answer["receipt"], inclusion=["00" * 32, *answer["receipt"]["inclusion"][1:]])
        with pytest.raises(InvalidProof):
            check_receipt(receipt_from_plain(bent), payload, board.key)


def test_a_receipt_signed_by_another_key_is_not_confirmed(board: Board) -> None:
    payload, answer = board.cast()
    checkpoint = Checkpoint.from_text(answer["receipt"]["checkpoint"].split("\n\n")[0] + "\n")
    forged = sign_checkpoint(checkpoint, SigningKey.generate()).to_bytes().decode()
    receipt = receipt_from_plain(dict(answer["receipt"], checkpoint=forged))
    with pytest.raises(InvalidSignature):
        check_receipt(receipt, payload, board.key)
    unsigned = receipt_from_plain(dict(answer["receipt"], checkpoint=checkpoint.text() + "\n"))
    with pytest.raises(EncodingError):
        check_receipt(unsigned, payload, board.key)


def test_cosignatures_of_named_witnesses_confirm_and_a_forged_one_fails(board: Board) -> None:
    payload, answer = board.cast()
    receipt = receipt_from_plain(answer["receipt"])
    _, note = open_checkpoint(receipt.checkpoint.encode(), board.key)
    for name, key in (("w0.example", WITNESS_KEYS[0]), ("w2.example", WITNESS_KEYS[2])):
        note = note.with_signature(cosign(note, name, key, 1_800_000_000))
    witnesses = witness_keys(board.context.manifest.board)
    cosigned = receipt_from_plain(dict(answer["receipt"], checkpoint=note.to_bytes().decode()))
    assert check_receipt(cosigned, payload, board.key, witnesses).confirmed_by == (
        "w0.example",
        "w2.example",
    )
    # w1's name and key ID, another key's signature: a forged cosignature fails the receipt.
    forged = cosign(note, "w1.example", SigningKey.generate(), 1_800_000_000)
    w1 = witnesses[1]
    forged = type(forged)(w1.name, w1.key_id, forged.signature)
    bad = note.with_signature(forged).to_bytes().decode()
    with pytest.raises(InvalidSignature):
        check_receipt(
            receipt_from_plain(dict(answer["receipt"], checkpoint=bad)),
            payload,
            board.key,
            witnesses,
        )


def test_consistency_and_inclusion_proofs_from_the_api(board: Board) -> None:
    old, _ = board.checkpoint()
    board.cast()
    new, _ = board.checkpoint()
    answer = board.client.get(f"/api/v1/proof/consistency?old={old.size}&size={new.size}")
    assert answer.status_code == 200
    schema_validator("ConsistencyProof").validate(answer.json())
    proof = [bytes.fromhex(h) for h in answer.json()["proof"]]
    verify_consistency(old.size, new.size, old.root, new.root, proof)
    entries = board.log()
    answer = board.client.get(f"/api/v1/proof/inclusion?seq=3&size={new.size}")
    schema_validator("InclusionProof").validate(answer.json())
    assert answer.json()["prev"] == entries[2].hash.hex()
    for query, status in (
        ("consistency?old=0&size=1", 404),
        (f"consistency?old=2&size={new.size + 5}", 404),
        ("consistency?old=-1&size=3", 400),
        ("consistency?size=3", 400),
        (f"inclusion?seq={new.size}&size={new.size}", 404),
        ("inclusion?seq=1&size=x", 400),
    ):
        response = board.client.get(f"/api/v1/proof/{query}")
        assert response.status_code == status, query
        schema_validator("Error").validate(response.json())


def test_an_unsigned_board_serves_proofs_but_no_checkpoint(
    tmp_path: Path, fast_group: Group
) -> None:
    with served_election(tmp_path / "e", fast_group) as (_, url), httpx.Client(base_url=url) as c:
        response = c.get("/api/v1/checkpoint")
        assert (response.status_code, response.json()["error"]) == (404, "not-found")
        assert c.get("/api/v1/proof/inclusion?seq=0&size=1").status_code == 200


def test_a_server_refuses_a_key_other_than_the_manifests(tmp_path: Path, fast_group: Group) -> None:
    setup = BoardSetup.build(BOARD_KEY.verify_key.to_bytes())
    election = OpenElection(tmp_path / "e", fast_group, board=setup)
    election.close()
    store = SqliteBoardStore.open(election.directory, fast_group)
    with pytest.raises(BoardError):
        create_app(store, ServerSettings(check_processes=1), SigningKey.generate())
    assert NoteKey.from_vkey(board_note_key(election.context.hash, setup.key).vkey())
