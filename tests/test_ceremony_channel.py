"""The ceremony channel (spec 11.13): before the board opens, the board server carries the
ceremony's messages, over real HTTP on loopback. Every trustee sends and takes messages
through it, ends with the same files in the same order as the server, and the same outcome;
the server refuses what is not its sender's, keeps a conflicting message as evidence, and a
trustee refuses a channel that hands it a forged message."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from election_helpers import FAST_KDF, manifest_for
from server_helpers import running
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_counting_board_guide import guide_block
from votecrypt_cli import exit_codes

from votecrypt.errors import ChannelError
from votecrypt.math import Group
from votecrypt.protocol.ceremony.messages import Complaint, InvalidCeremonyMessage, Signed
from votecrypt.record.ceremony_codec import message_from_json, message_to_json
from votecrypt.service.ceremony_steps import ceremony_finalize, ceremony_step, trustee_init
from votecrypt.service.election_dir import ElectionDir, create_election
from votecrypt.storage.secret_file import load_trustee
from votecrypt.web.ceremony_channel import create_ceremony_app
from votecrypt.web.ceremony_client import sync

VOTECRYPT = [sys.executable, "-c", "from votecrypt_cli.main import main; main()"]
URL = "/api/v1/ceremony"


def _setup(root: Path, group: Group) -> tuple[ElectionDir, dict[int, ElectionDir], dict[int, Path]]:
    manifest = manifest_for([("Candidate", "x")], 3, trustees=3, threshold=2)
    server = create_election(root / "server", manifest)
    own = {i: create_election(root / f"member-{i}", manifest) for i in (1, 2, 3)}
    secrets = {i: root / "private" / f"t{i}.secret" for i in (1, 2, 3)}
    return server, own, secrets


def _files(directory: ElectionDir) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.ceremony.glob("*-*.json"))}


def test_trustees_exchange_every_message_through_the_channel(tmp_path: Path, group: Group) -> None:
    server, own, secrets = _setup(tmp_path, group)
    with running(create_ceremony_app(server, group)) as url:
        for i in (1, 2, 3):
            trustee_init(own[i], secrets[i], i, f"pass-{i}", group, FAST_KDF)
            sync(url, own[i], group)
        for step in ("commit", "open", "check", "answer"):
            for i in (1, 2, 3):
                sync(url, own[i], group)
                ceremony_step(own[i], secrets[i], f"pass-{i}", group, step)
                sync(url, own[i], group)
        for i in (1, 2, 3):
            sync(url, own[i], group)
        outcomes = [ceremony_finalize(own[i], secrets[i], f"pass-{i}", group) for i in (1, 2, 3)]
        items = httpx.get(url + URL).json()["items"]
        later = httpx.get(url + URL, params={"since": 3}).json()["items"]
    assert all(o == outcomes[0] for o in outcomes) and outcomes[0].qualified == (1, 2, 3)
    # Everyone holds the server's files; the channel's order is round by round as sent.
    for i in (1, 2, 3):
        assert _files(own[i]) == _files(server)
    assert len(items) == len(_files(server)) == 3 * 4  # announce, commit, open, check
    assert [entry["seq"] for entry in items] == list(range(len(items)))
    assert later == items[3:]
    kinds = [entry["item"]["type"].rsplit("/", 1)[1] for entry in items]
    assert kinds == ["announce"] * 3 + ["commit"] * 3 + ["open"] * 3 + ["check"] * 3
    log = (server.root / "ceremony-channel.jsonl").read_bytes().splitlines()
    assert [json.loads(line)["item"] for line in log] == [entry["item"] for entry in items]


def _announced_and_committed(url: str, own: dict[int, ElectionDir], secrets, group) -> None:  # type: ignore[no-untyped-def]
    for i in (1, 2, 3):
        trustee_init(own[i], secrets[i], i, f"pass-{i}", group, FAST_KDF)
        sync(url, own[i], group)
    for step in ("commit", "open", "check"):
        for i in (1, 2, 3):
            sync(url, own[i], group)
            ceremony_step(own[i], secrets[i], f"pass-{i}", group, step)
            sync(url, own[i], group)


def test_the_channel_refuses_what_is_not_its_senders(tmp_path: Path, group: Group) -> None:
    server, own, secrets = _setup(tmp_path, group)
    with running(create_ceremony_app(server, group)) as url:
        _announced_and_committed(url, own, secrets, group)
        before = httpx.get(url + URL).json()["items"]
        check = message_from_json(own[2].message_path("check", 2).read_bytes(), group)
        post = lambda body: httpx.post(  # noqa: E731
            url + URL, content=body, headers={"content-type": "application/json"}
        )
        # A forged signature, a message in another trustee's name, another election's.
        forged = dataclasses.replace(check, signature=bytes(64))
        answer = post(message_to_json(forged))
        assert answer.status_code == 422 and answer.json()["error"] == "refused"
        key = load_trustee(secrets[1], "pass-1", group).export_secrets().signing_key
        impostor = Signed.create(check.message, key)
        assert post(message_to_json(impostor)).status_code == 422
        other = dataclasses.replace(check.message, election=bytes(32))
        assert post(message_to_json(Signed.create(other, key))).status_code == 422
        # Not a message at all; not JSON; too large; not declared as JSON.
        assert post(b'{"type": "votecrypt/ceremony/check"}').json()["error"] == "malformed"
        assert post(b"\xff").status_code == 400
        assert post(b" " * (1 << 24)).status_code == 413
        plain = httpx.post(url + URL, content=message_to_json(check))
        assert plain.status_code == 415
        # A second announcement with other keys for slot 1 is refused; the first stays.
        from votecrypt.protocol.ceremony.trustee import Trustee

        stranger = Trustee.create(group, check.message and _params(own[1]), 1, "Someone")
        refused = post(message_to_json(stranger.announce()))
        assert refused.status_code == 409 and "announced other keys" in refused.json()["message"]
        assert httpx.get(url + URL).json()["items"] == before
        # Evidence whose second message its sender did not sign convicts nobody.
        from votecrypt.protocol.ceremony.messages import Evidence
        from votecrypt.record.ceremony_codec import evidence_to_json

        changed = dataclasses.replace(
            check, message=dataclasses.replace(check.message, accepted=())
        )
        refused = post(evidence_to_json(Evidence.of(check, changed)))
        assert refused.status_code == 422 and "invalid signature" in refused.json()["message"]
        assert not server.evidence_path(2).exists()
        # The same message again changes nothing.
        same = post(message_to_json(check)).json()
        assert same["outcome"] == "same" and same["file"] == "check-2.json"
        # Trustee 3 signs a second, different check: the channel keeps both as evidence.
        key_3 = load_trustee(secrets[3], "pass-3", group).export_secrets().signing_key
        check_3 = message_from_json(own[3].message_path("check", 3).read_bytes(), group)
        lie = dataclasses.replace(
            check_3.message,
            accepted=tuple(d for d in check_3.message.accepted if d != 1),
            complaints=(Complaint(1, "mismatch"),),
        )
        kept = post(message_to_json(Signed.create(lie, key_3))).json()
        assert kept["outcome"] == "evidence" and kept["file"] == "evidence-3.json"
        items = httpx.get(url + URL).json()["items"]
        assert items[:-1] == before and items[-1]["item"]["type"] == "votecrypt/ceremony/evidence"
        assert (server.ceremony / "check-3.json").read_bytes() == message_to_json(check_3)
        # Every trustee takes the evidence; trustee 3 is convicted on every copy.
        for i in (1, 2):
            taken = sync(url, own[i], group).taken
            assert [a.outcome for a in taken if a.outcome == "evidence"] == ["evidence"]
        outcomes = [ceremony_finalize(own[i], secrets[i], f"pass-{i}", group) for i in (1, 2)]
        assert outcomes[0] == outcomes[1]
        assert outcomes[0].disqualified == ((3, "signed two different check messages"),)


def _params(directory: ElectionDir):  # type: ignore[no-untyped-def]
    from votecrypt.service.election_dir import load_manifest

    return load_manifest(directory).ceremony_parameters()


def test_a_trustee_refuses_a_channel_handing_it_a_forged_message(
    tmp_path: Path, group: Group
) -> None:
    """Rule 1 on the trustee's side: the channel is trusted for delivery only."""
    server, own, secrets = _setup(tmp_path, group)
    with running(create_ceremony_app(server, group)) as url:
        _announced_and_committed(url, own, secrets, group)
        items = httpx.get(url + URL).json()
    forged = json.loads(json.dumps(items))
    victim = next(e for e in forged["items"] if e["item"]["type"].endswith("/check"))
    victim["item"]["message"]["accepted"] = []
    victim["item"]["message"]["complaints"] = [
        {"dealer": d, "reason": "mismatch"}
        for d in (1, 2, 3)
        if d != victim["item"]["message"]["sender"]
    ]

    async def hostile(request: Request) -> JSONResponse:
        if request.method == "POST":
            return JSONResponse({"outcome": "same", "file": "x", "seq": 0})
        return JSONResponse(forged)

    app = Starlette(routes=[Route(URL, hostile, methods=["GET", "POST"])])
    fresh = create_election(tmp_path / "fresh", _manifest_of(own[1]))
    with running(app) as url, pytest.raises(InvalidCeremonyMessage, match="is refused"):
        sync(url, fresh, group)
    # Nothing from the forged item on was written.
    sender = victim["item"]["message"]["sender"]
    assert not fresh.message_path("check", sender).exists()
    other_election = dict(items, election="00" * 32)

    async def elsewhere(request: Request) -> JSONResponse:
        return JSONResponse(other_election if request.method == "GET" else {"outcome": "same"})

    app = Starlette(routes=[Route(URL, elsewhere, methods=["GET", "POST"])])
    with running(app) as url, pytest.raises(ChannelError, match="another election"):
        sync(url, create_election(tmp_path / "fresh2", _manifest_of(own[1])), group)


def _manifest_of(directory: ElectionDir):  # type: ignore[no-untyped-def]
    from votecrypt.service.election_dir import load_manifest

    return load_manifest(directory)


def test_a_torn_last_line_of_the_channel_log_was_never_acknowledged(
    tmp_path: Path, group: Group
) -> None:
    server, own, secrets = _setup(tmp_path, group)
    with running(create_ceremony_app(server, group)) as url:
        trustee_init(own[1], secrets[1], 1, "pass-1", group, FAST_KDF)
        sync(url, own[1], group)
    log = server.root / "ceremony-channel.jsonl"
    whole = log.read_bytes()
    log.write_bytes(whole + b'{"seq": 1, "item": {"type": "votecr')
    with running(create_ceremony_app(server, group)) as url:
        assert len(httpx.get(url + URL).json()["items"]) == 1
        trustee_init(own[2], secrets[2], 2, "pass-2", group, FAST_KDF)
        sync(url, own[2], group)
        assert len(httpx.get(url + URL).json()["items"]) == 2
    assert log.read_bytes().startswith(whole) and len(log.read_bytes().splitlines()) == 2
    # A crash after the message file was written and before its log line: sent again, the
    # message is "the same" as the file, and still goes into the log (rule 2).
    trustee_init(own[3], secrets[3], 3, "pass-3", group, FAST_KDF)
    shutil.copy2(own[3].message_path("announce", 3), server.message_path("announce", 3))
    with running(create_ceremony_app(server, group)) as url:
        answer = httpx.post(
            url + URL,
            content=own[3].message_path("announce", 3).read_bytes(),
            headers={"content-type": "application/json"},
        ).json()
        assert answer == {"outcome": "same", "file": "announce-3.json", "seq": 2}
        assert len(httpx.get(url + URL).json()["items"]) == 3


def test_the_command_line_uses_the_channel(tmp_path: Path, group: Group) -> None:
    # The commands of docs/counting-board.md's channel block, as the guide writes them.
    sync_line, status_line = (shlex.split(line)[1:] for line in guide_block("channel"))
    assert sync_line[:2] == ["ceremony", "sync"] and status_line[:2] == ["ceremony", "status"]

    def as_in_the_guide(words: list[str], election: Path, url: str) -> list[str]:
        board = words.index("--board") + 1
        return [*VOTECRYPT, *words[:2], str(election), *words[3:board], url, *words[board + 1 :]]

    server, own, secrets = _setup(tmp_path, group)
    env = dict(os.environ)
    with running(create_ceremony_app(server, group)) as url:
        trustee_init(own[1], secrets[1], 1, "pass-1", group, FAST_KDF)
        done = subprocess.run(
            as_in_the_guide(sync_line, own[1].root, url),
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "1 files sent" in done.stdout
        shutil.rmtree(own[2].ceremony, ignore_errors=True)
        done = subprocess.run(
            as_in_the_guide(status_line, own[2].root, url),
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "1 taken" in done.stdout and "Waiting for" in done.stdout
        assert own[2].message_path("announce", 1).exists()
    done = subprocess.run(
        [*VOTECRYPT, "ceremony", "status", own[2].root, "--board", url],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == exit_codes.CHANNEL, done.stdout + done.stderr
    assert "cannot be reached" in done.stderr and "Traceback" not in done.stderr


def test_votecrypt_serve_before_the_board_opens_is_the_channel(
    tmp_path: Path, group: Group
) -> None:
    """`votecrypt serve` as a process, on an election directory with no board yet."""
    from test_server_cli import serving

    server, own, secrets = _setup(tmp_path, group)
    with serving(str(server.root), "--port", "0") as (_, lines):
        assert "the key ceremony's channel" in lines[-1]
        url = lines[-1].split()[4].rstrip("/")
        trustee_init(own[1], secrets[1], 1, "pass-1", group, FAST_KDF)
        assert [a.outcome for a in sync(url, own[1], group).taken] == ["same"]
        forged = message_from_json(own[1].message_path("announce", 1).read_bytes(), group)
        forged = dataclasses.replace(forged, signature=bytes(64))
        refused = httpx.post(
            url + URL, content=message_to_json(forged), headers={"content-type": "application/json"}
        )
        assert refused.status_code == 422
    assert (server.ceremony / "announce-1.json").exists()
