"""The ceremony channel's OpenAPI document (spec/api/ceremony-openapi.json, spec 11.13): it is
valid OpenAPI 3.1, the packaged copy the channel serves is identical, its paths and methods
are exactly the channel's routes, and every answer of the channel, served over real HTTP on
loopback, has a status the document lists for that operation, a body its schema accepts and,
for an error, a reason code the document names for that status."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import openapi_spec_validator
import tomllib
from election_helpers import FAST_KDF, manifest_for
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from server_helpers import running
from starlette.routing import Route

from votecrypt.math import Group
from votecrypt.protocol.ceremony.messages import Complaint, Signed
from votecrypt.protocol.ceremony.trustee import Trustee
from votecrypt.record.ceremony_codec import message_from_json, message_to_json
from votecrypt.service.ceremony_steps import ceremony_step, trustee_init
from votecrypt.service.election_dir import ElectionDir, create_election
from votecrypt.storage.secret_file import load_trustee
from votecrypt.web import ceremony_channel
from votecrypt.web.ceremony_channel import create_ceremony_app
from votecrypt.web.ceremony_client import sync

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "spec" / "api" / "ceremony-openapi.json"
SPEC = json.loads(DOCUMENT.read_text(encoding="utf-8"))
URL = "/api/v1/ceremony"
JSON = {"content-type": "application/json"}


def _validator(name: str) -> Draft202012Validator:
    resource = Resource.from_contents(SPEC, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:ceremony", resource)
    return Draft202012Validator(
        {"$ref": f"urn:ceremony#/components/schemas/{name}"}, registry=registry
    )


def _conforms(method: str, path: str, response: httpx.Response) -> None:
    """The answer is one the document describes for this operation (module docstring)."""
    body = response.json()
    if response.status_code in (404, 405):  # any other path or method (info.description)
        assert body["error"] == {404: "not-found", 405: "method-not-allowed"}[response.status_code]
        _validator("Error").validate(body)
        return
    operation = SPEC["paths"][path][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (method, path, response.status_code, body)
    schema = documented["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    _validator(name).validate(body)
    if name == "Error":
        codes = re.findall(r"`([a-z-]+)`", documented["description"].split("Reason codes:")[1])
        assert body["error"] in codes, (response.status_code, body)


def test_the_document_is_valid_and_packaged_identically() -> None:
    openapi_spec_validator.validate(SPEC)
    assert ceremony_channel.OPENAPI.read_bytes() == DOCUMENT.read_bytes()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert (
        "ceremony-openapi.json" in pyproject["tool"]["setuptools"]["package-data"]["votecrypt.web"]
    )
    # The board's document does not describe the channel (its path set is asserted elsewhere).
    board = json.loads((ROOT / "spec" / "api" / "openapi.json").read_text(encoding="utf-8"))
    assert URL not in board["paths"]
    readme = (ROOT / "spec" / "api" / "README.md").read_text(encoding="utf-8")
    assert "ceremony-openapi.json" in readme
    assert "ceremony-openapi.json" in (ROOT / "spec" / "11-board.md").read_text(encoding="utf-8")


def test_the_documents_paths_are_the_channels_routes(tmp_path: Path, group: Group) -> None:
    manifest = manifest_for([("Candidate", "x")], 3, trustees=3, threshold=2)
    app = create_ceremony_app(create_election(tmp_path / "e", manifest), group)
    while not hasattr(app, "routes"):  # the middleware around the Starlette application
        app = app.app  # type: ignore[attr-defined]
    served = {
        (route.path, method.lower())
        for route in app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {(path, method) for path, item in SPEC["paths"].items() for method in item}
    assert served == documented


def test_every_answer_of_the_channel_is_one_the_document_describes(
    tmp_path: Path, group: Group
) -> None:
    manifest = manifest_for([("Candidate", "x")], 3, trustees=3, threshold=2)
    server = create_election(tmp_path / "server", manifest)
    own = {i: create_election(tmp_path / f"member-{i}", manifest) for i in (1, 2, 3)}
    secrets = {i: tmp_path / "private" / f"t{i}.secret" for i in (1, 2, 3)}
    with running(create_ceremony_app(server, group)) as url:
        served = httpx.get(url + "/openapi.json")
        assert served.status_code == 200 and served.content == DOCUMENT.read_bytes()
        for i in (1, 2, 3):
            trustee_init(own[i], secrets[i], i, f"pass-{i}", group, FAST_KDF)
            sync(url, own[i], group)
        for i in (1, 2, 3):
            ceremony_step(own[i], secrets[i], f"pass-{i}", group, "commit")
        post = lambda body, **kw: httpx.post(url + URL, content=body, headers=JSON, **kw)  # noqa: E731
        # Every message a trustee sends is a request body the document describes.
        for path in sorted(own[1].ceremony.glob("*-*.json")):
            _validator("Item").validate(json.loads(path.read_bytes()))
            answer = post(path.read_bytes())
            _conforms("POST", URL, answer)
            assert answer.json()["file"] == path.name
        again = post(own[1].message_path("commit", 1).read_bytes())
        _conforms("POST", URL, again)
        assert again.json()["outcome"] == "same"
        # Reading: all items, from a place, and a malformed place.
        for params in ({}, {"since": "2"}, {"since": "x"}, {"since": "1234567890"}):
            _conforms("GET", URL, httpx.get(url + URL, params=params))
        items = httpx.get(url + URL).json()["items"]
        assert [entry["seq"] for entry in items] == list(range(len(items)))
        # Refusals, each with the status and reason code the document gives.
        commit = message_from_json(own[1].message_path("commit", 1).read_bytes(), group)
        refusals = [
            post(message_to_json(dataclasses.replace(commit, signature=bytes(64)))),  # 422
            post(b'{"type": "votecrypt/ceremony/check"}'),  # 400
            post(b"\xff"),  # 400
            post(b" " * ((1 << 23) + 1)),  # 413
            httpx.post(url + URL, content=message_to_json(commit)),  # 415
        ]
        stranger = Trustee.create(group, manifest.ceremony_parameters(), 1, "Thành viên 1")
        refusals.append(post(message_to_json(stranger.announce())))  # 409: other keys
        statuses = [r.status_code for r in refusals]
        assert statuses == [422, 400, 400, 413, 415, 409]
        for answer in refusals:
            _conforms("POST", URL, answer)
        for method, path in (("DELETE", URL), ("PUT", URL), ("POST", "/openapi.json")):
            answer = httpx.request(method, url + path)
            assert answer.status_code == 405
            _conforms(method, path, answer)
        missing = httpx.get(url + "/api/v1/nothing")
        assert missing.status_code == 404
        _conforms("GET", "/api/v1/nothing", missing)
        # A conflicting message: the evidence is taken, and its answer is documented.
        for i in (1, 2, 3):
            sync(url, own[i], group)
        for step in ("open", "check"):
            for i in (1, 2, 3):
                sync(url, own[i], group)
                ceremony_step(own[i], secrets[i], f"pass-{i}", group, step)
                sync(url, own[i], group)
        check = message_from_json(own[3].message_path("check", 3).read_bytes(), group)
        key = load_trustee(secrets[3], "pass-3", group).export_secrets().signing_key
        lie = dataclasses.replace(
            check.message,
            accepted=tuple(d for d in check.message.accepted if d != 1),
            complaints=(Complaint(1, "mismatch"),),
        )
        answer = post(message_to_json(Signed.create(lie, key)))
        _conforms("POST", URL, answer)
        assert answer.json()["outcome"] == "evidence"
        assert answer.json()["file"] == "evidence-3.json"
        _conforms("GET", URL, httpx.get(url + URL))


def test_after_the_close_the_channel_answers_with_a_late_file(tmp_path: Path, group: Group) -> None:
    """Spec 8.8.2 over the channel: the server's directory is closed (t endorsements), so
    evidence it is sent goes into ceremony/late/, and the answer's `file` says so."""
    from ceremony_helpers import other_check
    from test_ceremony_late import _endorse, _finished

    directory, secrets = _finished(tmp_path, group, 2, 3)
    _endorse(directory, secrets, group, [1, 2])
    held = message_from_json(directory.message_path("check", 3).read_bytes(), group, "check")
    key = load_trustee(secrets[3], "pass-3", group).export_secrets().signing_key
    lie = other_check(held, key, victim=1)
    server = ElectionDir(tmp_path / "second-server")
    shutil.copytree(directory.root, server.root)
    with running(create_ceremony_app(directory, group)) as url:
        # Rule 1 after the close: a late item that is not its sender's is refused, unwritten.
        forged = dataclasses.replace(lie, signature=bytes(64))
        refused = httpx.post(url + URL, content=message_to_json(forged), headers=JSON)
        _conforms("POST", URL, refused)
        assert refused.status_code == 422 and not directory.late.exists()
        answer = httpx.post(url + URL, content=message_to_json(lie), headers=JSON)
        _conforms("POST", URL, answer)
        assert answer.json()["outcome"] == "evidence"
        assert answer.json()["file"] == "late/evidence-3.json"
    assert directory.evidence_path(3, late=True).exists()
    assert not directory.evidence_path(3).exists()
    # A trustee's copy, closed too, sends its late file with `ceremony sync`'s push; another
    # server's copy, closed (t endorsements), takes it into its ceremony/late/.
    other = ElectionDir(tmp_path / "trustee-copy")
    shutil.copytree(directory.root, other.root)
    with running(create_ceremony_app(server, group)) as url:
        answers = sync(url, other, group).sent
    assert [a["file"] for a in answers if a["file"].startswith("late/")] == ["late/evidence-3.json"]
    assert server.evidence_path(3, late=True).exists() and not server.evidence_path(3).exists()
