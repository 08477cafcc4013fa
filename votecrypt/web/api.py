"""The routes of the API (spec/api/openapi.json): reading the election and the board,
submitting ballots and challenges.

Submissions: rate limit, media type, body (size and time limits), the stateless checks on
the process pool, then the board's own checks and the append in the single writer thread
(votecrypt.web.writer). A receipt is sent only after the append has committed.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from votecrypt.errors import BallotError, EncodingError, InvalidSignature
from votecrypt.primitives.signing import SigningKey
from votecrypt.protocol import ballot as reasons
from votecrypt.record.json_codec import canonical_json
from votecrypt.record.note import MAX_NOTE_BYTES

from .checking import BALLOT, CHALLENGE, Checked, CheckingPool
from .cosigned import Cosignatures
from .errors import NOT_FOUND, ApiError
from .identity import election_document
from .limits import (
    Admission,
    ChallengeBudget,
    RateLimiter,
    Streams,
    body_limit_for,
    read_body,
    require_json,
)
from .priority import StationsFirst
from .settings import ServerSettings
from .store import BoardStore
from .tracking import CAST, CHALLENGED, BallotIndex, Tracked, normalise_tracking_code
from .transparency import BoardTree
from .writer import BoardWriter

T = TypeVar("T")

PREFIX = "/api/v1"
_PUBLIC_KEY = re.compile(r"[0-9a-f]{64}")
_MAX_SEQ = 2**53 - 1


def json_response(value: Any, status: int = 200) -> Response:
    return Response(canonical_json(value), status_code=status, media_type="application/json")


class BoardApi:
    """The handlers, sharing the store, the checking pool and the limits."""

    def __init__(
        self, store: BoardStore, settings: ServerSettings, board_key: SigningKey | None = None
    ) -> None:
        self.store = store
        self.tree = BoardTree(store, board_key)
        self.cosignatures = Cosignatures(store, self.tree, store.folder / "cosigned")
        self.settings = settings
        self.pool = CheckingPool(store.context, settings.check_processes)
        self.index = BallotIndex(store.context)
        self.limiter = RateLimiter(settings.submissions_per_minute, settings.rate_clients)
        self.admission = Admission(settings.max_pending)
        self.body_limit = settings.max_body or body_limit_for(store.context)
        self.writer = BoardWriter(store, self.index)
        self._readers = ThreadPoolExecutor(
            settings.reader_threads, thread_name_prefix="board-reader"
        )
        # The record's pages are read by threads of their own: a client downloading the
        # whole record never makes a station's status or election wait for a reader.
        self._bulk = ThreadPoolExecutor(settings.record_threads, thread_name_prefix="record")
        self.reads = RateLimiter(settings.reads_per_minute, settings.rate_clients, "reads")
        self.streams = Streams(settings.record_streams, settings.record_streams_per_address)
        self.first = StationsFirst(settings.record_wait)
        self.challenges = ChallengeBudget(
            settings.challenges_per_address,
            settings.challenges_per_ballot,
            settings.challenges_per_credential,
            settings.rate_clients,
        )
        self._election = election_document(store)

    def routes(self) -> list[Route]:
        """The routes, relative to PREFIX. Every one but the record is a station's request,
        answered ahead of the record's bulk reads (votecrypt.web.priority)."""
        first = self._station
        return [
            Route("/election", first(self.election), methods=["GET"]),
            Route("/ballots", first(self.cast), methods=["POST"]),
            Route("/challenges", first(self.challenge), methods=["POST"]),
            Route("/tracking/{code}", first(self.tracking), methods=["GET"]),
            Route("/status", first(self.status), methods=["GET"]),
            Route("/credentials/{public_key}", first(self.credential), methods=["GET"]),
            Route("/record", self.record, methods=["GET"]),
            Route("/checkpoint", first(self.checkpoint), methods=["GET"]),
            Route("/checkpoint/cosigned", first(self.cosigned), methods=["GET"]),
            Route("/cosignatures", first(self.cosign), methods=["POST"]),
            Route("/proof/inclusion", first(self.inclusion_proof), methods=["GET"]),
            Route("/proof/consistency", first(self.consistency_proof), methods=["GET"]),
        ]

    def _station(
        self, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:
            return await self.first.station(lambda: handler(request))

        return answer

    # Lifetime

    def start(self) -> None:
        """Start the checking processes and read the ballots already on the board."""
        self.pool.start()
        self.index.update(self.store)
        self.writer.start()

    def close(self) -> None:
        self.writer.close()
        self._readers.shutdown(wait=True)
        self._bulk.shutdown(wait=True)
        self.pool.close()

    async def _read(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._readers, function, *args)

    async def _page(self, start: int) -> tuple[list[bytes], int | None]:
        """The record's lines from `start` on, one page of entries, in pieces of about
        RECORD_CHUNK bytes, and where the next page starts (None: the end). Read by a record
        thread, so that the event loop only sends."""
        return await asyncio.get_running_loop().run_in_executor(self._bulk, self._read_page, start)

    def _read_page(self, start: int) -> tuple[list[bytes], int | None]:
        # One page at a time, after the stations' requests being answered. The lines are the
        # board's stored bytes (the log is append-only and its payloads canonical JSON): no
        # entry is decoded or encoded again, which was most of the record's cost (2.5 ms of
        # the interpreter for a 22-row ballot, against 0.04 ms).
        self.first.bulk_turn_in_thread()
        lines = self.store.lines(start, self.settings.record_page)
        pieces: list[bytes] = []
        piece = bytearray()
        for _, line in lines:
            piece += line
            if len(piece) >= RECORD_CHUNK:
                pieces.append(bytes(piece))
                piece.clear()
        if piece:
            pieces.append(bytes(piece))
        return pieces, (lines[-1][0] + 1 if lines else None)

    def _count_read(self, request: Request) -> str:
        client = request.client.host if request.client else ""
        self.reads.take(client)
        return client

    # Reading

    async def election(self, request: Request) -> Response:
        self._count_read(request)
        status = await self._read(self.store.status)
        return json_response({**self._election, "phase": status.phase})

    async def status(self, request: Request) -> Response:
        self._count_read(request)
        status = await self._read(self.store.status)
        self.challenges.credentials = status.issued  # supplements (spec 9.6) add some
        return json_response(
            {
                "election": self.store.context.hash.hex(),
                "fingerprint": self.store.context.fingerprint,
                "phase": status.phase,
                "ballots": status.ballots,
                "challenged": status.challenged,
                "credentials": status.issued,
                "head": {"seq": status.head_seq, "hash": status.head_hash.hex()},
            }
        )

    async def tracking(self, request: Request) -> Response:
        self._count_read(request)
        text = request.path_params["code"]
        code = normalise_tracking_code(text) if len(text) <= 40 else None
        if code is None:
            raise ApiError(reasons.MALFORMED, "a tracking code has 12 letters A-Z and digits 2-7")
        found = await self._read(self.index.find, self.store, code)
        if found is None:
            raise ApiError(NOT_FOUND, "no ballot with this tracking code on the board")
        return json_response(found.plain())

    async def credential(self, request: Request) -> Response:
        self._count_read(request)
        key = request.path_params["public_key"]
        if not _PUBLIC_KEY.fullmatch(key):
            raise ApiError(reasons.MALFORMED, "a public key is 64 lower-case hex characters")
        public_key = bytes.fromhex(key)
        issued, used = await self._read(self.store.credential_state, public_key)
        # A slip the counting board cancelled (spec 9.6) is told apart from a code never
        # issued, so that the booth can say so in the voter's words.
        cancelled = not issued and await self._read(self.store.credential_cancelled, public_key)
        return json_response({"issued": issued, "used": used, "cancelled": cancelled})

    async def record(self, request: Request) -> Response:
        client = self._count_read(request)
        text = request.query_params.get("start", "0")
        if not (text.isascii() and text.isdigit() and len(text) <= 16) or int(text) > _MAX_SEQ:
            raise ApiError(reasons.MALFORMED, "start must be a sequence number")
        release = self.streams.take(client)
        try:
            # The first page is read before the answer starts: a board that cannot be read
            # (busy, its disk) then gets its documented answer (503 unavailable), not a 200
            # whose body is cut off.
            first = await self._page(int(text))
        except BaseException:
            release()
            raise
        lines = self._lines(first)
        # The place is given back when the stream is dropped, however it ends (finished,
        # the client gone, or never started).
        weakref.finalize(lines, release)
        return StreamingResponse(lines, media_type="application/x-ndjson")

    # The Merkle tree (spec 11.5-11.7)

    async def checkpoint(self, request: Request) -> Response:
        if not self.tree.signed:
            raise ApiError(NOT_FOUND, "this board signs no checkpoints: its manifest names no key")
        note = await self._read(self.tree.checkpoint)
        return Response(note.to_bytes(), media_type="text/plain; charset=utf-8")

    async def cosigned(self, request: Request) -> Response:
        text = request.query_params.get("size", "0")
        if not (text.isascii() and text.isdigit() and len(text) <= 16):
            raise ApiError(reasons.MALFORMED, "size must be a number of entries")
        witness = request.query_params.get("witness")
        if witness is not None and not (
            0 < len(witness) <= 255 and witness.isascii() and witness.isprintable()
        ):
            raise ApiError(reasons.MALFORMED, "witness must be a witness's name")
        note = self.cosignatures.latest(int(text), witness)
        if note is None:
            raise ApiError(NOT_FOUND, "no witness has cosigned a checkpoint of this size yet")
        return Response(note.to_bytes(), media_type="text/plain; charset=utf-8")

    async def cosign(self, request: Request) -> Response:
        """A witness's cosignature on one of the board's checkpoints (spec 11.10)."""
        self.limiter.take(request.client.host if request.client else "")
        body = await read_body(request, MAX_NOTE_BYTES, self.settings.body_timeout)
        try:
            size, names = await self._read(self.cosignatures.add, body)
        except EncodingError as error:
            raise ApiError(reasons.MALFORMED, str(error)) from None
        except InvalidSignature as error:
            raise ApiError(reasons.BAD_SIGNATURE, str(error)) from None
        return json_response({"size": size, "witnesses": names}, status=201)

    async def inclusion_proof(self, request: Request) -> Response:
        seq, size = _query_numbers(request, "seq", "size")
        try:
            prev, proof = await self._read(self.tree.inclusion, seq, size)
        except ValueError as exc:
            raise ApiError(NOT_FOUND, str(exc)) from None
        return json_response(
            {"seq": seq, "size": size, "prev": prev.hex(), "proof": [h.hex() for h in proof]}
        )

    async def consistency_proof(self, request: Request) -> Response:
        old, size = _query_numbers(request, "old", "size")
        try:
            proof = await self._read(self.tree.consistency, old, size)
        except ValueError as exc:
            raise ApiError(NOT_FOUND, str(exc)) from None
        return json_response({"old": old, "size": size, "proof": [h.hex() for h in proof]})

    async def _lines(self, page: tuple[list[bytes], int | None]) -> AsyncIterator[bytes]:
        # Each piece is sent only once the client has read the one before (uvicorn waits
        # while the send buffers are full): a connection holds one page of the record and
        # the buffers, whatever the size of the record.
        pieces, following = page
        while pieces:
            for piece in pieces:
                await self.first.bulk_turn()
                yield piece
            if following is None:
                return
            pieces, following = await self._page(following)

    # Submitting

    async def cast(self, request: Request) -> Response:
        return await self._submit(request, BALLOT)

    async def challenge(self, request: Request) -> Response:
        return await self._submit(request, CHALLENGE)

    async def _submit(self, request: Request, kind: str) -> Response:
        client = request.client.host if request.client else ""
        self.limiter.take(client)
        require_json(request)
        if kind == BALLOT:
            response = await self._check_and_append(request, kind)
            if response.status_code == 201:
                self.challenges.cast(client)
            return response
        # A challenge takes its place in the budget before its body is read, and gives it
        # back unless it is appended (spec 17.8).
        if not self.challenges.started:
            status = await self._read(self.store.status)
            if not self.challenges.started:
                self.challenges.start(status.challenged, status.issued)
        give_back = self.challenges.take(client)
        try:
            response = await self._check_and_append(request, kind)
        except BaseException:
            give_back()
            raise
        if response.status_code != 201:
            give_back()
        return response

    async def _check_and_append(self, request: Request, kind: str) -> Response:
        # The body is read before a place among the submissions being checked is taken: a
        # client sending slowly holds its own connection (limited per address) for at most
        # the body timeout, never a place the stations need.
        body = await read_body(request, self.body_limit, self.settings.body_timeout)
        with self.admission:
            try:
                checked = await self.pool.check(kind, body)
            except BallotError as rejection:
                raise ApiError(rejection.reason, rejection.detail) from None
            try:
                receipt = await self.writer.append(checked)
            except BallotError as rejection:
                if rejection.reason in _RESUBMITTED:
                    found = await self._read(self._already_published, checked)
                    if found is not None:
                        return await self._receipt(
                            kind, found.seq, found.entry_hash, found.tracking_code, 200
                        )
                raise ApiError(rejection.reason, rejection.detail) from None
        return await self._receipt(
            kind, receipt.seq, receipt.entry_hash, checked.tracking_code, 201
        )

    async def _receipt(
        self, kind: str, seq: int, entry_hash: bytes, code: str, status: int
    ) -> Response:
        """The answer to an appended submission: where it is in the log and, on a signed
        board, the signed receipt (spec 11.9) that the booth checks before it says "cast"."""
        answer: dict[str, Any] = {
            "kind": kind,
            "seq": seq,
            "entry_hash": entry_hash.hex(),
            "tracking_code": code,
        }
        if self.tree.signed:
            signed = await self._read(self.tree.receipt, kind, seq, entry_hash, code)
            answer["receipt"] = signed.plain()
        return json_response(answer, status=status)

    def _already_published(self, checked: Checked) -> Tracked | None:
        """The entry of this very submission if it is on the board already (sent again after
        its answer was lost): same tracking code, same kind, same payload."""
        found = self.index.find(self.store, checked.tracking_code)
        if found is None or found.status != (CAST if checked.ballot is not None else CHALLENGED):
            return None
        entries = self.store.entries(found.seq, 1)
        if not entries:
            return None
        submitted = checked.ballot or checked.challenge
        same = submitted is not None and canonical_json(entries[0].payload) == submitted.payload
        return found if same else None


#: Bytes of the record sent at a time (see API._lines).
RECORD_CHUNK = 64 * 1024

#: Refusals that an identical resubmission gets: its receipt is sent again instead.
_RESUBMITTED = (
    reasons.CREDENTIAL_USED,
    reasons.DUPLICATE_BALLOT_ID,
    reasons.DUPLICATE_CIPHERTEXT,
)


def _query_numbers(request: Request, *names: str) -> tuple[int, ...]:
    """Non-negative integers from the query, each one required."""
    numbers = []
    for name in names:
        text = request.query_params.get(name, "")
        if not (text.isascii() and text.isdigit() and len(text) <= 16) or int(text) > _MAX_SEQ:
            raise ApiError(reasons.MALFORMED, f"{name} must be a number of entries")
        numbers.append(int(text))
    return tuple(numbers)
