"""An observer's mirror (spec 11.12) over real HTTP on loopback: a board server, a witness run
as `votecrypt witness follow --port` (a subprocess), and a station whose QR code points at
the mirror. The mirror serves the check page and the read API from the replica its witness
verified and cosigned, never from the board; each test an attack on what it serves."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import JSON, running, served_election
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from test_station import INSTALLED, station_for, wait_for

from votecrypt.math import Group
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.board_setup import Witness
from votecrypt.record.ballot_codec import challenged_to_json
from votecrypt.record.checkpoint import (
    Checkpoint,
    board_note_key,
    election_origin,
    open_checkpoint,
    sign_checkpoint,
)
from votecrypt.record.cosignature import verify_cosignature, witness_note_key
from votecrypt.record.log import Entry, entry_from_line, entry_hash, entry_to_line
from votecrypt.record.merkle import MerkleTree, leaf_hash, verify_inclusion
from votecrypt.record.note import COSIGNATURE_V1, NoteKey
from votecrypt.service.voting import prepare
from votecrypt.storage.key_file import create_key_file
from votecrypt.web.mirror import MirrorReplica, create_mirror_app
from votecrypt.web.station import READY

COMMAND = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
PASSPHRASE = "correct horse battery staple"
WITNESS = "observer.example"
BOARD_KEY = SigningKey.generate()
CHOICES = ["high", "low"]


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The witness's key file (`witness init`), its key in WITNESS_KEY."""
    path = tmp_path_factory.mktemp("witness") / "witness.secret"
    WITNESS_KEY.append(create_key_file(path, PASSPHRASE, f"witness key of {WITNESS}"))
    return path


WITNESS_KEY: list[SigningKey] = []


def witness_key() -> SigningKey:
    return WITNESS_KEY[0]


@contextmanager
def witnessed_board(tmp_path: Path, group: Group) -> Iterator[tuple[Any, str]]:
    witness = Witness(WITNESS, witness_key().verify_key.to_bytes())
    with served_election(
        tmp_path / "e",
        group,
        ballots=4,
        candidates=2,
        booth=INSTALLED.pin,
        board_key=BOARD_KEY,
        witnesses=[witness],
    ) as (election, url):
        yield election, url


@contextmanager
def mirror_process(board_url: str, key_file: Path, replica: Path, *more: str) -> Iterator[str]:
    """`votecrypt witness follow BOARD --port 0`, running; yields the mirror's URL."""
    env = {**os.environ, "VOTECRYPT_PASSPHRASE": PASSPHRASE}
    arguments = ["witness", "follow", board_url, "--key", str(key_file), "--name", WITNESS]
    options = ["--replica", str(replica), "--interval", "0.2", "--port", "0", *more]
    process = subprocess.Popen(
        [*COMMAND, *arguments, *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "Mirror" in line, line + (process.stderr.read() if process.stderr else "")
        yield line.split(" on ")[1].strip().rstrip("/")
    finally:
        process.terminate()
        process.wait(timeout=60)


def wait_until(predicate: Any, what: str) -> Any:
    deadline = time.monotonic() + 180
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def tracked(mirror: str, code: str) -> dict[str, Any] | None:
    answer = httpx.get(f"{mirror}/api/v1/tracking/{code}", timeout=30)
    return answer.json() if answer.status_code == 200 else None


def challenge_through(station: str, election: Any, voter: int) -> tuple[str, bytes]:
    """A voter challenges a ballot at the station: (tracking code, the challenge's JSON)."""
    prepared = prepare(election.context, election.credentials[voter].code, CHOICES)
    body = challenged_to_json(prepared.challenge())
    answer = httpx.post(f"{station}/api/v1/challenges", content=body, headers=JSON, timeout=120)
    assert answer.status_code == 201, answer.text
    return prepared.tracking_code, body


def _lying_board(lines: list[bytes], replace: int, forged: Entry, context_hash: bytes) -> Any:
    """A board that rewrote its log: entry `replace` is `forged`, the chain re-hashed after
    it, and its signed checkpoint is of that history (same size, another root)."""
    entries = [entry_from_line(line, n) for n, line in enumerate(lines, 1)]
    rewritten: list[Entry] = []
    for entry in entries:
        prev = rewritten[-1].hash if rewritten else entries[0].prev
        kind, payload = (
            (forged.kind, forged.payload) if entry.seq == replace else (entry.kind, entry.payload)
        )
        digest = entry_hash(entry.seq, prev, kind, payload)
        rewritten.append(Entry(entry.seq, kind, payload, prev, digest))
    tree = MerkleTree(leaf_hash(e.hash) for e in rewritten)
    origin = election_origin(context_hash)
    note = sign_checkpoint(Checkpoint(origin, tree.size, tree.root()), BOARD_KEY).to_bytes()

    async def record_route(request: Request) -> Response:
        start = int(request.query_params.get("start", "0"))
        body = b"".join(entry_to_line(e) for e in rewritten[start:])
        return Response(body, media_type="application/x-ndjson")

    async def checkpoint_route(request: Request) -> Response:
        return Response(note, media_type="text/plain")

    async def tracking_route(request: Request) -> Response:
        return Response(b'{"error":"not-found","message":"no"}', 404)

    app = Starlette(
        routes=[
            Route("/api/v1/record", record_route),
            Route("/api/v1/checkpoint", checkpoint_route),
            Route("/api/v1/tracking/{code}", tracking_route),
        ]
    )
    return app


def test_the_mirror_serves_the_check_page_and_tracking_from_its_replica_and_a_lying_board_changes_nothing(  # noqa: E501
    tmp_path: Path, fast_group: Group, key_file: Path
) -> None:
    replica = tmp_path / "replica"
    with (
        witnessed_board(tmp_path, fast_group) as (election, board_url),
        mirror_process(board_url, key_file, replica) as mirror,
    ):
        with station_for(board_url, fast_group, check_url=mirror + "/") as station:
            status = wait_for(station, READY)
            assert status["check_url"] == mirror + "/"  # the QR code's address
            code, _ = challenge_through(station, election, 0)
        found = wait_until(lambda: tracked(mirror, code), "the mirror shows the challenge")
        assert found["status"] == "challenged" and found["choices"] == CHOICES
        seq = found["seq"]
        # The check page and its library, the same bytes the board serves; no booth.
        page = httpx.get(mirror + "/", timeout=30)
        assert page.status_code == 200
        assert page.content == httpx.get(board_url + "/", timeout=30).content
        assert "content-security-policy" in page.headers
        for path in ("check.js", "votecrypt.js", "lib/transparency.js"):
            assert httpx.get(f"{mirror}/{path}").content == INSTALLED.files[path]
        for path in ("index.html", "booth.js"):
            assert httpx.get(f"{mirror}/{path}").status_code == 404
        # Read-only: nothing is accepted, nothing is forwarded.
        for path in ("ballots", "challenges", "cosignatures"):
            sent = httpx.post(f"{mirror}/api/v1/{path}", content=b"{}", headers=JSON)
            assert sent.status_code in (404, 405), sent.text
        assert httpx.get(f"{mirror}/api/v1/status").status_code == 404
        # The election document is the board's; the record is the replica's.
        mine = httpx.get(f"{mirror}/api/v1/election").json()
        theirs = httpx.get(f"{board_url}/api/v1/election").json()
        assert mine == theirs
        # The checkpoint: the board's signature and this witness's cosignature; the
        # challenge is in its tree.
        note = httpx.get(f"{mirror}/api/v1/checkpoint/cosigned?size={seq + 1}").content
        key = board_note_key(election.context.hash, BOARD_KEY.verify_key.to_bytes())
        checkpoint, signed = open_checkpoint(note, key)
        witness = NoteKey(WITNESS, COSIGNATURE_V1, witness_key().verify_key.to_bytes())
        assert verify_cosignature(signed, witness) > 0
        assert witness_note_key(WITNESS, witness_key()).vkey() == witness.vkey()
        proof = httpx.get(
            f"{mirror}/api/v1/proof/inclusion?seq={seq}&size={checkpoint.size}"
        ).json()
        line = httpx.get(f"{mirror}/api/v1/record?start={seq}").content.split(b"\n")[0]
        entry = entry_from_line(line + b"\n", seq + 1)
        assert entry.kind == "challenge" and entry.prev.hex() == proof["prev"]
        verify_inclusion(
            seq,
            checkpoint.size,
            leaf_hash(entry.hash),
            [bytes.fromhex(h) for h in proof["proof"]],
            checkpoint.root,
        )
        before = {
            path: httpx.get(mirror + path).content
            for path in (
                f"/api/v1/tracking/{code}",
                "/api/v1/record",
                "/api/v1/checkpoint",
                "/api/v1/election",
            )
        }
        lines = (replica / "log.jsonl").read_bytes().splitlines(keepends=True)[: checkpoint.size]

    # The board server is gone; another, lying one takes its place: it rewrote the challenge
    # into other choices and signs that history. The witness follows it from its replica.
    forged = prepare(election.context, election.credentials[1].code, ["medium", "medium"])
    forged_entry = Entry(seq, "challenge", _plain(challenged_to_json(forged.challenge())), b"", b"")
    lying = _lying_board(lines, seq, forged_entry, election.context.hash)
    with running(lying) as liar_url, mirror_process(liar_url, key_file, replica) as m:
        # The witness refuses the lying board's checkpoint and keeps the evidence...
        wait_until(lambda: list((replica / "evidence").glob("*-why.txt")), "evidence kept")
        # ...and the mirror shows exactly what it showed before.
        for path, body in before.items():
            assert httpx.get(m + path).content == body, path
        assert tracked(m, forged.tracking_code) is None


def _plain(data: bytes) -> Any:
    return httpx.Response(200, content=data).json()


def _copy_replica(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def test_a_mirror_serves_nothing_it_has_not_checked(
    tmp_path: Path, fast_group: Group, key_file: Path
) -> None:
    """A replica altered after its witness cosigned it, or a checkpoint not signed with the
    manifest's board key, is not served; before any cosigned checkpoint, nothing is."""
    from votecrypt.service.witness import BoardFeed
    from votecrypt.service.witness import Witness as Follower

    with witnessed_board(tmp_path, fast_group) as (election, url):
        empty = MirrorReplica(tmp_path / "nothing", fast_group)
        with running(create_mirror_app(empty)) as mirror:
            answer = httpx.get(f"{mirror}/api/v1/election")
            assert answer.status_code == 503 and answer.json()["error"] == "unavailable"
        prepared = prepare(election.context, election.credentials[0].code, CHOICES)
        body = challenged_to_json(prepared.challenge())
        assert httpx.post(f"{url}/api/v1/challenges", content=body, headers=JSON).status_code
        follower = Follower(WITNESS, witness_key(), tmp_path / "r", fast_group, BoardFeed(url))
        assert follower.step().cosigned is not None
        follower.close()

    good = MirrorReplica(tmp_path / "r", fast_group)
    good.refresh()
    assert good.refused is None and good.size > 0

    # The challenge's payload changed in the replica after cosigning: refused.
    edited = _copy_replica(tmp_path / "r", tmp_path / "edited")
    log = edited / "log.jsonl"
    text = log.read_bytes()
    position = text.index(b'"outcome":') + len(b'"outcome":')
    other_outcome = b"1" if text[position : position + 1] != b"1" else b"2"
    log.write_bytes(text[:position] + other_outcome + text[position + 1 :])
    refused = MirrorReplica(edited, fast_group)
    refused.refresh()
    assert refused.refused is not None and refused.size == 0
    with running(create_mirror_app(refused)) as mirror:
        answer = httpx.get(f"{mirror}/api/v1/tracking/{prepared.tracking_code}")
        assert answer.status_code == 503, answer.text

    # A checkpoint of the same tree signed by another key than the manifest's: refused.
    other = _copy_replica(tmp_path / "r", tmp_path / "other-key")
    checkpoint = Checkpoint.from_text(
        (other / "cosigned.txt").read_text(encoding="utf-8").split("\n\n")[0] + "\n"
    )
    forged = sign_checkpoint(checkpoint, SigningKey.generate())
    (other / "cosigned.txt").write_bytes(forged.to_bytes())
    refused = MirrorReplica(other, fast_group)
    refused.refresh()
    assert refused.refused is not None and refused.size == 0

    # A served mirror whose witness then writes an unusable checkpoint keeps what it served.
    served = _copy_replica(tmp_path / "r", tmp_path / "served")
    mirror_replica = MirrorReplica(served, fast_group)
    with running(create_mirror_app(mirror_replica)) as mirror:
        first = httpx.get(f"{mirror}/api/v1/tracking/{prepared.tracking_code}")
        assert first.status_code == 200 and first.json()["choices"] == CHOICES
        (served / "cosigned.txt").write_bytes(forged.to_bytes())
        again = httpx.get(f"{mirror}/api/v1/tracking/{prepared.tracking_code}")
        assert again.content == first.content
        assert mirror_replica.refused is not None
        for garbage in (b"\xff\xfe not a note\n", b"", b"votecrypt\n\n"):
            (served / "cosigned.txt").write_bytes(garbage)
            again = httpx.get(f"{mirror}/api/v1/tracking/{prepared.tracking_code}")
            assert again.content == first.content, garbage
            assert mirror_replica.refused is not None


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/record?start=-1",
        "/api/v1/proof/inclusion?seq=x&size=1",
        "/api/v1/proof/inclusion?seq=5&size=999",
        "/api/v1/tracking/not-a-code",
        "/api/v1/checkpoint/cosigned?size=999999",
    ],
)
def test_the_mirror_refuses_bad_queries_with_one_line(
    tmp_path: Path, fast_group: Group, key_file: Path, path: str
) -> None:
    replica = tmp_path / "r"
    from votecrypt.service.witness import BoardFeed
    from votecrypt.service.witness import Witness as Follower

    with witnessed_board(tmp_path, fast_group) as (_, url):
        follower = Follower(WITNESS, witness_key(), replica, fast_group, BoardFeed(url))
        assert follower.step().cosigned is not None
        follower.close()
    with running(create_mirror_app(MirrorReplica(replica, fast_group))) as mirror:
        answer = httpx.get(mirror + path)
        assert answer.status_code in (400, 404), answer.text
        assert set(answer.json()) == {"error", "message"}


def test_the_mirror_serves_https_with_its_own_certificate(
    tmp_path: Path, fast_group: Group, key_file: Path
) -> None:
    from test_server_cli import _certificate

    certfile, keyfile = _certificate(tmp_path)
    trusted = ssl.create_default_context(cafile=str(certfile))
    with (
        witnessed_board(tmp_path, fast_group) as (_, url),
        mirror_process(
            url, key_file, tmp_path / "r", "--certfile", str(certfile), "--keyfile", str(keyfile)
        ) as mirror,
    ):
        assert mirror.startswith("https://127.0.0.1:")

        def election() -> bool:
            answer = httpx.get(f"{mirror}/api/v1/election", verify=trusted, timeout=30)
            return answer.status_code == 200

        wait_until(election, "the mirror serves the election over TLS")
        assert httpx.get(f"{mirror}/", verify=trusted).status_code == 200
    # A certificate without its key: one line, no traceback, nothing served.
    env = {**os.environ, "VOTECRYPT_PASSPHRASE": PASSPHRASE}
    ran = subprocess.run(
        [*COMMAND, "witness", "follow", "http://127.0.0.1:9", "--key", str(key_file),
         "--name", WITNESS, "--replica", str(tmp_path / "r2"), "--port", "0",
         "--certfile", str(certfile)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode not in (0, 1) and "Traceback" not in ran.stderr, ran.stderr
    assert "TLS needs both a certificate and its key" in ran.stderr


def test_a_refused_newer_checkpoint_leaves_what_was_served_whole(
    tmp_path: Path, fast_group: Group, key_file: Path
) -> None:
    """The witness cosigns more entries, but the replica's new part was altered: the mirror
    keeps serving the earlier checkpoint, and its proofs still hold in that tree."""
    from votecrypt.service.witness import BoardFeed
    from votecrypt.service.witness import Witness as Follower

    replica, served = tmp_path / "r", tmp_path / "served"
    with witnessed_board(tmp_path, fast_group) as (election, url):
        follower = Follower(WITNESS, witness_key(), replica, fast_group, BoardFeed(url))
        first = challenge_through(url, election, 0)[0]
        assert follower.step().cosigned is not None
        shutil.copytree(replica, served)
        mirror_replica = MirrorReplica(served, fast_group)
        mirror_replica.refresh()
        size = mirror_replica.size
        second = challenge_through(url, election, 1)[0]
        assert follower.step().cosigned is not None
        follower.close()
    # The witness's newer files, with the new entry's payload altered.
    log = (replica / "log.jsonl").read_bytes()
    last = log.rstrip(b"\n").rsplit(b"\n", 1)[1]
    position = last.index(b'"outcome":') + len(b'"outcome":')
    altered = last[:position] + (b"1" if last[position : position + 1] != b"1" else b"2")
    altered += last[position + 1 :]
    (served / "log.jsonl").write_bytes(log.replace(last, altered))
    shutil.copy(replica / "cosigned.txt", served / "cosigned.txt")
    with running(create_mirror_app(mirror_replica)) as mirror:
        assert tracked(mirror, first) is not None and tracked(mirror, second) is None
        assert mirror_replica.refused is not None and mirror_replica.size == size
        note = httpx.get(f"{mirror}/api/v1/checkpoint").content
        key = board_note_key(election.context.hash, BOARD_KEY.verify_key.to_bytes())
        checkpoint, _ = open_checkpoint(note, key)
        assert checkpoint.size == size
        seq = tracked(mirror, first)["seq"]  # type: ignore[index]
        proof = httpx.get(f"{mirror}/api/v1/proof/inclusion?seq={seq}&size={size}").json()
        line = httpx.get(f"{mirror}/api/v1/record?start={seq}").content.split(b"\n")[0]
        verify_inclusion(
            seq,
            size,
            leaf_hash(entry_from_line(line + b"\n", seq + 1).hash),
            [bytes.fromhex(h) for h in proof["proof"]],
            checkpoint.root,
        )
        beyond = httpx.get(f"{mirror}/api/v1/proof/inclusion?seq={seq}&size={size + 1}")
        assert beyond.status_code == 404
