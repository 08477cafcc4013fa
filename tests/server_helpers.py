"""Helpers for the board server tests: a real uvicorn server on a free loopback port."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from election_helpers import OpenElection
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from votecrypt.math import Group
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol.approved_booth import BoothPin
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.web import ServerSettings, SqliteBoardStore, create_app
from votecrypt.web.server import server_config

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = ROOT / "spec" / "api" / "openapi.json"
JSON = {"content-type": "application/json"}


@contextmanager
def running(app: Any, *, port: int = 0, **config: Any) -> Iterator[str]:
    """Serve `app` over HTTP on 127.0.0.1 in a thread (on `port`, any free one by default;
    `config`: more arguments of server_config); yields the base URL."""
    sock = socket.create_server(("127.0.0.1", port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(app, log_level="critical", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


@contextmanager
def served_election(
    root: Path,
    group: Group,
    *,
    ballots: int = 12,
    candidates: int = 3,
    config: dict[str, Any] | None = None,
    booth: BoothPin | None = None,
    board_key: SigningKey | None = None,
    witnesses: Sequence[Witness] = (),
    **settings: Any,
) -> Iterator[tuple[OpenElection, str]]:
    """An election open for voting and its board server (`settings`: ServerSettings,
    `config`: server_config, `booth`: the manifest's approved booth); yields (election,
    base URL). With `board_key` the manifest names it (and `witnesses`) and the server signs
    checkpoints with it (spec 11.7)."""
    board = (
        None if board_key is None else BoardSetup.build(board_key.verify_key.to_bytes(), witnesses)
    )
    election = OpenElection(
        root, group, ballots=ballots, candidates=candidates, booth=booth, board=board
    )
    election.close()  # the server opens its own connections
    store = SqliteBoardStore.open(election.directory, group)
    options = {"check_processes": 1, **settings}
    app = create_app(store, ServerSettings(**options), board_key)
    with running(app, **(config or {})) as url:
        yield election, url


def schema_validator(name: str) -> Draft202012Validator:
    """A validator for components.schemas[name] of the OpenAPI document."""
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:openapi", resource)
    return Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=registry
    )


def head(client: httpx.Client) -> tuple[int, str]:
    """The board's head (seq, hash) from the status endpoint."""
    status = client.get("/api/v1/status").json()
    return status["head"]["seq"], status["head"]["hash"]
