"""An observer's mirror (spec 11.12): a witness serves, read-only, the check page and the read
API the page needs, from its own replica, never from the board.

It serves exactly the entries of the last checkpoint the witness cosigned, and only after it
has checked them itself: the setup (the log up to `open`) verifies as a station's does
(17.1), every entry continues the hash chain and hashes to its `hash` (11.2), and the Merkle
root of the entries is the root of that checkpoint, which carries the board's signature with
the manifest's key (11.5, 11.7). A replica that fails any of these is not served beyond what
was checked before. What the mirror serves changes only when the witness cosigns again; a
board that later lies changes nothing here (the witness cosigns no checkpoint inconsistent
with its last one, 11.10).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp

from votecrypt.errors import EncodingError, VotecryptError
from votecrypt.math.group import Group
from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.context import ElectionContext
from votecrypt.record.checkpoint import Checkpoint, board_note_key, open_checkpoint
from votecrypt.record.log import GENESIS, NEXT_PHASE, Entry, entry_from_line, entry_hash
from votecrypt.record.merkle import MerkleTree, leaf_hash
from votecrypt.record.note import parse_note

from .api import PREFIX, json_response
from .app import STATIC, error_response
from .check_page import CheckPageFiles
from .errors import INTERNAL, METHOD_NOT_ALLOWED, NOT_FOUND, UNAVAILABLE, ApiError
from .identity import election_document_of
from .middleware import AccessLog, SecurityHeaders
from .station_board import verify_setup
from .store import SetupItems
from .tracking import BallotIndex, normalise_tracking_code

_CHUNK = 64 * 1024
_MAX_NUMBER = 2**53 - 1
_SETUP_KINDS = ("manifest", "ceremony-outcome", "credentials")


class MirrorNotReady(VotecryptError):
    """The replica holds no cosigned checkpoint yet, or it does not check: nothing is served."""


class MirrorReplica:
    """A witness's replica as its mirror serves it: the entries of the last checkpoint the
    witness cosigned, checked (see the module's text). Every method may be called from any
    thread; `refresh` takes in a newer cosigned checkpoint."""

    def __init__(self, replica: Path, group: Group) -> None:
        self._log = Path(replica) / "log.jsonl"
        self._cosigned = Path(replica) / "cosigned.txt"
        self._group = group
        self._lock = threading.Lock()
        self._offsets: list[int] = []  # where each served entry's line starts in log.jsonl
        self._end = 0  # where the line after the last served entry starts
        self._hashes: list[bytes] = []
        self._tree = MerkleTree()
        self._phase = "start"
        self._context: ElectionContext | None = None
        self._document: dict[str, Any] | None = None
        self._note: bytes | None = None
        self._checkpoint: Checkpoint | None = None
        self._refused: str | None = None
        self._refused_note: bytes | None = None
        self.index: BallotIndex | None = None

    # Taking in what the witness cosigned

    def refresh(self) -> None:
        """Serve the witness's newest cosigned checkpoint if it checks; keep serving the one
        before otherwise (the reason is `refused`)."""
        try:
            data = self._cosigned.read_bytes()
        except FileNotFoundError:
            return
        with self._lock:
            if data in (self._note, self._refused_note):
                return
            try:
                self._take(data)
            except (VotecryptError, OSError, ValueError) as error:
                self._refused = str(error)
                self._refused_note = data
            else:
                self._refused = self._refused_note = None

    @property
    def refused(self) -> str | None:
        """Why the witness's newest cosigned checkpoint is not served (None: it is)."""
        return self._refused

    def _take(self, data: bytes) -> None:
        """Check the entries up to the cosigned checkpoint `data` and serve them (under the
        lock: no request sees the tree grown before everything checked)."""
        lines, offsets, end = self._read_lines(self._end, data)
        entries = [entry_from_line(line, len(self._offsets) + n) for n, line in enumerate(lines, 1)]
        hashes: list[bytes] = []
        phase = self._phase
        try:
            for entry in entries:
                prev = (hashes or self._hashes or [GENESIS])[-1]
                if entry.seq != len(self._hashes) + len(hashes) or entry.prev != prev:
                    raise EncodingError(f"replica entry {entry.seq} does not continue the chain")
                if entry_hash(entry.seq, entry.prev, entry.kind, entry.payload) != entry.hash:
                    raise EncodingError(f"replica entry {entry.seq} does not hash to its hash")
                hashes.append(entry.hash)
                self._tree.append(leaf_hash(entry.hash))
                phase = NEXT_PHASE.get(entry.kind, phase)
            # Until a context is established nothing is served, so `lines` start at entry 0.
            context = self._context or self._verified_setup(lines, entries)
            board = context.manifest.board
            if board is None:
                raise MirrorNotReady("the manifest names no board key: no checkpoint to serve")
            checkpoint, _ = open_checkpoint(data, board_note_key(context.hash, board.key))
            if checkpoint.size != self._tree.size or self._tree.root() != checkpoint.root:
                raise EncodingError("the cosigned checkpoint is not the root of the replica")
        except BaseException:
            # Back to the tree of what is served (rare: the witness wrote what does not check).
            self._tree = MerkleTree(leaf_hash(h) for h in self._hashes)
            raise
        # Everything checked: serve it.
        self._offsets.extend(offsets)
        self._end = end
        self._hashes.extend(hashes)
        self._phase = phase
        self._note = data
        self._checkpoint = checkpoint

    def _read_lines(self, start: int, note: bytes) -> tuple[list[bytes], list[int], int]:
        """The replica's lines from byte `start` up to the checkpoint's size, with their
        offsets and where the next line starts."""
        # The size only; the signatures are checked once the context is known (`_take`).
        size = Checkpoint.from_text(parse_note(note).text).size
        wanted = size - len(self._offsets)
        if wanted < 0:
            raise EncodingError("the witness's checkpoint is older than the one served")
        lines: list[bytes] = []
        offsets: list[int] = []
        position = start
        with self._log.open("rb") as log:
            log.seek(start)
            while len(lines) < wanted:
                line = log.readline()
                if not line.endswith(b"\n"):
                    raise EncodingError("the replica holds fewer entries than its checkpoint")
                lines.append(line)
                offsets.append(position)
                position += len(line)
        return lines, offsets, position

    def _verified_setup(self, lines: list[bytes], entries: list[Entry]) -> ElectionContext:
        """The context of the replica's setup (the lines up to `open`), verified as a station
        verifies a board's (spec 17.1)."""
        kinds = [entry.kind for entry in entries]
        if "open" not in kinds:
            raise MirrorNotReady("the replica's log has no `open` entry yet")
        setup = tuple(lines[: kinds.index("open") + 1])
        context = verify_setup(str(self._log), setup, self._group)
        items = {e.kind: e.payload for e in entries[: len(setup)] if e.kind in _SETUP_KINDS}
        self._context = context
        self._document = election_document_of(
            context,
            SetupItems(items["manifest"], items["ceremony-outcome"], items["credentials"]),
        )
        self.index = BallotIndex(context)
        return context

    # What the API reads (the served entries only)

    def check_ready(self) -> ElectionContext:
        if self._context is None or self._checkpoint is None:
            raise MirrorNotReady(
                self._refused or "the witness has cosigned no checkpoint of an open election yet"
            )
        return self._context

    @property
    def size(self) -> int:
        return len(self._offsets)

    def document(self) -> dict[str, Any]:
        with self._lock:
            self.check_ready()
            assert self._document is not None
            return {**self._document, "phase": self._phase}

    def note(self) -> bytes:
        with self._lock:
            self.check_ready()
            assert self._note is not None
            return self._note

    def entries(self, start: int, limit: int) -> list[Entry]:
        """Up to `limit` served entries from `start` (the tracking index reads these)."""
        with self._lock:
            offsets = self._offsets[start : start + limit]
            end = self._offsets[start + limit] if start + limit < len(self._offsets) else self._end
        if not offsets:
            return []
        with self._log.open("rb") as log:
            log.seek(offsets[0])
            data = log.read(end - offsets[0])
        lines = data.splitlines(keepends=True)
        return [entry_from_line(line, start + n) for n, line in enumerate(lines, 1)]

    def record(self, start: int) -> Iterator[bytes]:
        """The served lines from entry `start` on, in pieces."""
        with self._lock:
            if start >= len(self._offsets):
                return iter(())
            begin, end = self._offsets[start], self._end
        return self._pieces(begin, end)

    def _pieces(self, begin: int, end: int) -> Iterator[bytes]:
        with self._log.open("rb") as log:
            log.seek(begin)
            while begin < end:
                piece = log.read(min(_CHUNK, end - begin))
                if not piece:
                    return
                begin += len(piece)
                yield piece

    def inclusion(self, seq: int, size: int) -> tuple[bytes, list[bytes]]:
        """(prev, proof) of entry `seq` in the tree of `size` served entries (spec 11.5);
        ValueError beyond them."""
        with self._lock:
            proof = self._tree.inclusion_proof(seq, size)
            return (self._hashes[seq - 1] if seq else GENESIS), proof

    def consistency(self, old: int, size: int) -> list[bytes]:
        with self._lock:
            return self._tree.consistency_proof(old, size)


def create_mirror_app(replica: MirrorReplica) -> ASGIApp:
    """The mirror's application: the check page at `/` and the read API it needs (spec
    11.12), all from `replica`; nothing is forwarded anywhere and nothing is accepted."""

    async def fresh() -> MirrorReplica:
        await asyncio.get_running_loop().run_in_executor(None, replica.refresh)
        return replica

    def ready() -> None:
        try:
            replica.check_ready()
        except MirrorNotReady as error:
            raise ApiError(UNAVAILABLE, str(error), retry_after=5) from None

    async def election(request: Request) -> Response:
        await fresh()
        ready()
        return json_response(replica.document())

    async def record(request: Request) -> Response:
        (start,) = _numbers(request, "start", default="0")
        await fresh()
        ready()
        return StreamingResponse(replica.record(start), media_type="application/x-ndjson")

    async def tracking(request: Request) -> Response:
        text = request.path_params["code"]
        code = normalise_tracking_code(text) if len(text) <= 40 else None
        if code is None:
            raise ApiError(reasons.MALFORMED, "a tracking code has 12 letters A-Z and digits 2-7")
        await fresh()
        ready()
        assert replica.index is not None
        found = await asyncio.get_running_loop().run_in_executor(
            None, replica.index.find, replica, code
        )
        if found is None:
            raise ApiError(NOT_FOUND, "no ballot with this tracking code in this mirror")
        return json_response(found.plain())

    async def checkpoint(request: Request) -> Response:
        await fresh()
        ready()
        return Response(replica.note(), media_type="text/plain; charset=utf-8")

    async def cosigned(request: Request) -> Response:
        (size,) = _numbers(request, "size", default="0")
        await fresh()
        ready()
        if size > replica.size:
            raise ApiError(NOT_FOUND, "this mirror has cosigned no checkpoint of this size yet")
        return Response(replica.note(), media_type="text/plain; charset=utf-8")

    async def inclusion(request: Request) -> Response:
        seq, size = _numbers(request, "seq", "size")
        await fresh()
        ready()
        try:
            prev, proof = replica.inclusion(seq, size)
        except ValueError as error:
            raise ApiError(NOT_FOUND, str(error)) from None
        return json_response(
            {"seq": seq, "size": size, "prev": prev.hex(), "proof": [h.hex() for h in proof]}
        )

    async def consistency(request: Request) -> Response:
        old, size = _numbers(request, "old", "size")
        await fresh()
        ready()
        try:
            proof = replica.consistency(old, size)
        except ValueError as error:
            raise ApiError(NOT_FOUND, str(error)) from None
        return json_response({"old": old, "size": size, "proof": [h.hex() for h in proof]})

    api_routes = [
        Route("/election", election, methods=["GET"]),
        Route("/record", record, methods=["GET"]),
        Route("/tracking/{code}", tracking, methods=["GET"]),
        Route("/checkpoint", checkpoint, methods=["GET"]),
        Route("/checkpoint/cosigned", cosigned, methods=["GET"]),
        Route("/proof/inclusion", inclusion, methods=["GET"]),
        Route("/proof/consistency", consistency, methods=["GET"]),
    ]
    routes: list[BaseRoute] = [
        Mount(PREFIX, app=Router(api_routes, redirect_slashes=False)),
        # The witness's cosigned checkpoint where `witness follow --port` always served it.
        Route("/checkpoint", checkpoint, methods=["GET"]),
        Mount("/", app=CheckPageFiles(directory=STATIC)),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.router.redirect_slashes = False
    templates = [PREFIX + route.path for route in api_routes] + ["/checkpoint"]
    return SecurityHeaders(AccessLog(app, templates, static=True))


def _numbers(request: Request, *names: str, default: str | None = None) -> tuple[int, ...]:
    numbers = []
    for name in names:
        text = request.query_params.get(name, default or "")
        if not (text.isascii() and text.isdigit() and len(text) <= 16) or int(text) > _MAX_NUMBER:
            raise ApiError(reasons.MALFORMED, f"{name} must be a number of entries")
        numbers.append(int(text))
    return tuple(numbers)


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(error)


async def _http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    reason = {404: NOT_FOUND, 405: METHOD_NOT_ALLOWED}.get(status, reasons.MALFORMED)
    return json_response({"error": reason, "message": f"HTTP {status}"}, status)


async def _internal_error(request: Request, error: Exception) -> Response:
    return json_response({"error": INTERNAL, "message": "internal error of the mirror"}, 500)
