"""What one client may send: body size, reading time, submission rate, and how many
submissions the server checks at once."""

from __future__ import annotations

import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable

import anyio
from starlette.requests import ClientDisconnect, Request

from votecrypt.protocol import ballot as reasons
from votecrypt.protocol.context import ElectionContext

from .errors import (
    OVERLOADED,
    RATE_LIMITED,
    TIMEOUT,
    TOO_LARGE,
    TOO_MANY_CHALLENGES,
    UNSUPPORTED_MEDIA_TYPE,
    ApiError,
)

#: Bytes of a point, a scalar and a ciphertext in the JSON of spec 10.1 and 10.6, with quotes,
#: commas and keys.
_POINT, _SCALAR = 69, 67
_CIPHERTEXT = 2 * _POINT + 20
_MINIMUM_LIMIT = 64 * 1024


def body_limit_for(context: ElectionContext) -> int:
    """Four times the canonical size of the largest ballot or challenged ballot this
    election allows (room for white space), and at least 64 KiB."""
    lanes, outcomes = context.packing.lanes, context.packing.outcomes
    row = (
        lanes * _CIPHERTEXT  # ciphertexts
        + outcomes * _SCALAR  # challenges
        + outcomes * (lanes * _SCALAR + 2)  # responses
        + outcomes * (lanes * (2 * _POINT + 12) + 2)  # commitments {"a": .., "b": ..}
        + lanes * _SCALAR  # nonces of a challenge
        + 100
    )
    largest = context.rows * row + 1000
    return max(_MINIMUM_LIMIT, 4 * largest)


def require_json(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(UNSUPPORTED_MEDIA_TYPE, "send the body as application/json")


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body, refused as soon as it is known to exceed `limit`: from its declared
    Content-Length, or while it streams in. The whole body must arrive within `timeout`."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()) or len(declared) > 18:
            raise ApiError(reasons.MALFORMED, "invalid Content-Length")
        if int(declared) > limit:
            raise ApiError(TOO_LARGE, f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ApiError(TOO_LARGE, f"the body is larger than {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(TIMEOUT, f"the body did not arrive within {timeout:g} s") from None
    except ClientDisconnect:
        raise ApiError(reasons.MALFORMED, "the body was cut short") from None
    return b"".join(chunks)


class RateLimiter:
    """A token bucket per client address: `per_minute` submissions, refilled continuously.
    Remembers at most `clients` addresses (least recently seen forgotten first). Used from
    the event loop only."""

    def __init__(self, per_minute: int, clients: int, what: str = "submissions") -> None:
        self._what = what
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clients = clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str, now: float | None = None) -> None:
        """Spend one token of `client`, or raise ApiError rate-limited with Retry-After."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(client, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            wait = math.ceil((1.0 - tokens) / self._rate)
            raise ApiError(RATE_LIMITED, f"too many {self._what}; wait and retry", wait)
        self._buckets[client] = (tokens - 1.0, now)
        while len(self._buckets) > self._clients:
            self._buckets.popitem(last=False)


class Admission:
    """At most `limit` submissions being checked at once; more are refused at once with 503
    rather than queued without bound. Used from the event loop only."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self.pending = 0

    def __enter__(self) -> None:
        if self.pending >= self._limit:
            raise ApiError(OVERLOADED, "the board is busy; retry in a moment", 1)
        self.pending += 1

    def __exit__(self, *exc: object) -> None:
        self.pending -= 1


class Streams:
    """At most `total` answers streaming the record at once, and `per_address` of one
    address; more are refused at once with 503 (a reader of the whole record cannot take
    the board's reading away from the stations). Used from the event loop only."""

    def __init__(self, total: int, per_address: int) -> None:
        self._total = total
        self._per_address = per_address
        self._held: Counter[str] = Counter()

    def take(self, client: str) -> Callable[[], None]:
        """A place for one stream of `client`, and the function that gives it back (call it
        once, when the stream ends), or ApiError overloaded."""
        if self._held.total() >= self._total or self._held[client] >= self._per_address:
            raise ApiError(OVERLOADED, "too many downloads of the record; retry in a moment", 5)
        self._held[client] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._held[client] -= 1
                if self._held[client] <= 0:
                    del self._held[client]

        return release


class ChallengeBudget:
    """How many challenges the board takes (spec 17.8): from one address, `allowance` plus
    `per_ballot` for every ballot cast from it; on the whole board, `per_credential` for
    every credential in force. A challenge carries no credential (10.6), so the board cannot
    count them per voter; per address is what a station is to the server, and a station's
    voters earn its room by casting. Remembers at most `clients` addresses (least recently
    seen forgotten first). Used from the event loop only."""

    def __init__(self, allowance: int, per_ballot: int, per_credential: int, clients: int) -> None:
        self._allowance = allowance
        self._per_ballot = per_ballot
        self._per_credential = per_credential
        self._clients = clients
        #: address -> (challenges taken, ballots cast), since the server started.
        self._addresses: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self.on_board = 0
        self.credentials = 0
        self.started = False

    def start(self, on_board: int, credentials: int) -> None:
        """The board's challenges and credentials in force, read before the first challenge."""
        self.on_board, self.credentials = on_board, credentials
        self.started = True

    def _get(self, client: str) -> tuple[int, int]:
        counts = self._addresses.pop(client, (0, 0))
        self._addresses[client] = counts
        while len(self._addresses) > self._clients:
            self._addresses.popitem(last=False)
        return counts

    def take(self, client: str) -> Callable[[], None]:
        """A place for one challenge of `client`, and the function that gives it back (call it
        when the challenge is not appended), or ApiError too-many-challenges."""
        if self.on_board >= self._per_credential * max(1, self.credentials):
            raise ApiError(
                TOO_MANY_CHALLENGES, "the board takes no more challenges in this election", 3600
            )
        challenges, ballots = self._get(client)
        if challenges >= self._allowance + self._per_ballot * ballots:
            raise ApiError(
                TOO_MANY_CHALLENGES,
                "too many challenges from this address for the ballots cast from it; "
                "cast a ballot or ask the counting board",
                60,
            )
        self._addresses[client] = (challenges + 1, ballots)
        self.on_board += 1
        returned = False

        def give_back() -> None:
            nonlocal returned
            if not returned:
                returned = True
                self.on_board -= 1
                taken, cast = self._addresses.get(client, (1, 0))
                self._addresses[client] = (max(0, taken - 1), cast)

        return give_back

    def cast(self, client: str) -> None:
        """A ballot from `client` was appended: room for `per_ballot` more of its challenges."""
        challenges, ballots = self._get(client)
        self._addresses[client] = (challenges, ballots + 1)
