"""The ceremony channel: the board server before the election has a board (spec 11.13).

`votecrypt serve` on an election directory without a board serves this application: trustees
send their signed ceremony messages to it (`ceremony ... --board URL`) and read every message
back from it, so that everyone holds the same messages in the same order. It is a broadcast
channel beside the USB stick, not a judge: each message is checked as every trustee checks it
(votecrypt.service.ceremony_exchange: strict decoding, the sender's signature under its
announcement, evidence checked as the board checks it), written into the server's election
directory, and appended to its channel log `ceremony-channel.jsonl`, one line per accepted
item in the order accepted, fsync'd before the answer. A message conflicting with the one held
is not lost: the two are kept as evidence against their sender (8.8.1), broadcast like any
item. Once t trustees endorsed the outcome, the answer also carries the credential list with
their endorsements (8.8.2): each trustee's copy checks them against its own messages, and
closes, so that an item that arrived after the close is late there too.

    GET  /api/v1/ceremony?since=N   {"election": hex, "items": [{"seq": n, "item": {...}}, ...],
                                     "endorsed": {credential list}, once the transcript closed}
    POST /api/v1/ceremony           a message file or evidence file (spec 8.2, 8.8.1)
    GET  /openapi.json              spec/api/ceremony-openapi.json, which describes both exactly
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from votecrypt.errors import CeremonyError, EncodingError
from votecrypt.math.group import Group
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.ceremony.messages import InvalidCeremonyMessage
from votecrypt.record.ceremony_codec import item_from_json, item_to_json
from votecrypt.record.election_codec import credentials_plain
from votecrypt.record.json_codec import canonical_json, parse_json
from votecrypt.service.ceremony_exchange import admit
from votecrypt.service.ceremony_late import closing
from votecrypt.service.election_dir import ElectionDir, endorsement_paths, load_manifest
from votecrypt.storage.files import write_atomic

from .api import PREFIX, json_response
from .app import InternalErrors, http_error, internal_error
from .errors import ApiError
from .limits import read_body, require_json
from .middleware import SecurityHeaders

#: The channel's OpenAPI document, a copy of spec/api/ceremony-openapi.json (a test keeps
#: them identical).
OPENAPI = Path(__file__).resolve().parent / "ceremony-openapi.json"
#: The largest message file a trustee's directory reads (election_dir), with room for evidence.
MAX_BODY = 1 << 23
BODY_TIMEOUT = 60.0
#: Reason codes of the channel's refusals (spec/api/README.md).
REFUSED = "refused"
CONFLICT = "conflict"
STATUS = {REFUSED: 422, CONFLICT: 409}


class CeremonyChannel:
    """The channel's state: the election directory and the log of accepted items. Safe to
    call from several threads: one item is taken at a time."""

    def __init__(self, directory: ElectionDir, group: Group) -> None:
        self.directory = directory
        self.group = group
        self.election = load_manifest(directory).manifest_hash()
        self.log = Path(directory.root) / "ceremony-channel.jsonl"
        self._lock = threading.Lock()
        self._items = self._load()
        self._known = {canonical_json(item): n for n, item in enumerate(self._items)}
        self._closing: dict[str, Any] | None = None
        self._open_state: tuple[Any, ...] | None = None

    def _load(self) -> list[Any]:
        """The accepted items. A last line cut short by a crash was never acknowledged (the
        answer follows the fsync): it is dropped, and the log rewritten without it."""
        if not self.log.exists():
            return []
        data = self.log.read_bytes()
        lines = data.split(b"\n")
        items = []
        for number, line in enumerate(lines):
            if not line:
                continue
            try:
                entry = parse_json(line)
            except EncodingError:
                if number == len(lines) - 1:  # the torn last line
                    write_atomic(self.log, b"".join(raw + b"\n" for raw in lines[:number] if raw))
                    break
                raise EncodingError(f"{self.log}: line {number + 1} is not JSON") from None
            items.append(entry["item"])
        return items

    def items(self, since: int) -> list[dict[str, Any]]:
        with self._lock:
            return [{"seq": n, "item": item} for n, item in enumerate(self._items) if n >= since]

    def endorsed(self) -> dict[str, Any] | None:
        """The credential list with the endorsements that close the directory's transcript
        (spec 8.8.2), as the board publishes it, or None while it is open. Once closed it
        stays closed; while open, it is worked out again only when an endorsement file, the
        list or the channel's items changed (a reader cannot make the server evaluate the
        ceremony at every request)."""
        with self._lock:
            if self._closing is not None:
                return self._closing
            state = (
                _stat(self.directory.credentials),
                len(self._items),
                *map(_stat, endorsement_paths(self.directory)),
            )
            if state != self._open_state:
                found = closing(self.directory, self.group)
                if found is not None:
                    self._closing = credentials_plain(*found)
                self._open_state = state
            return self._closing

    def take(self, body: bytes) -> dict[str, Any]:
        """Check and take one item (module docstring); the answer says what was done and the
        item's place in the log."""
        item = item_from_json(body, self.group)
        with self._lock:
            admitted = admit(self.directory, self.group, item)
            plain = parse_json(item_to_json(admitted.item))
            raw = canonical_json(plain)
            if raw not in self._known:
                # Also when the file was there already: a crash between the file and the log
                # line must not keep an item off the channel.
                with open(self.log, "ab") as log:
                    log.write(canonical_json({"seq": len(self._items), "item": plain}) + b"\n")
                    log.flush()
                    os.fsync(log.fileno())
                self._known[raw] = len(self._items)
                self._items.append(plain)
            seq = self._known[raw]
        file = admitted.path.relative_to(self.directory.ceremony).as_posix()  # late/... once closed
        return {"outcome": admitted.outcome, "file": file, "seq": seq}


def create_ceremony_app(directory: ElectionDir, group: Group) -> ASGIApp:
    """The ceremony channel's application for one election directory."""
    channel = CeremonyChannel(directory, group)

    async def read(request: Request) -> Response:
        since = request.query_params.get("since", "0")
        if not (since.isascii() and since.isdigit()) or len(since) > 9:
            raise ApiError(reasons.MALFORMED, "since is a non-negative integer")
        answer: dict[str, Any] = {
            "election": channel.election.hex(),
            "items": channel.items(int(since)),
        }
        endorsed = channel.endorsed()
        if endorsed is not None:
            answer["endorsed"] = endorsed
        return json_response(answer)

    async def send(request: Request) -> Response:
        require_json(request)
        body = await read_body(request, MAX_BODY, BODY_TIMEOUT)
        try:
            answer = channel.take(body)
        except EncodingError as error:
            raise ApiError(reasons.MALFORMED, str(error)) from None
        except InvalidCeremonyMessage as error:
            return _refusal(REFUSED, str(error))
        except CeremonyError as error:
            return _refusal(CONFLICT, str(error))
        return json_response(answer)

    async def api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return json_response({"error": error.reason, "message": error.message[:200]}, error.status)

    document = OPENAPI.read_bytes()

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    app = Starlette(
        routes=[
            Route(PREFIX + "/ceremony", read, methods=["GET"]),
            Route(PREFIX + "/ceremony", send, methods=["POST"]),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
        exception_handlers={
            ApiError: api_error,
            HTTPException: http_error,  # 404 not-found, 405 method-not-allowed, as JSON
            Exception: internal_error,
        },
    )
    return InternalErrors(SecurityHeaders(app))


def _stat(path: Path) -> tuple[str, int, int] | None:
    """A file's name, change time and size, None if it is absent."""
    try:
        status = path.stat()
    except OSError:
        return None
    return path.name, status.st_mtime_ns, status.st_size


def _refusal(reason: str, message: str) -> Response:
    return json_response({"error": reason, "message": message[:200]}, STATUS[reason])
