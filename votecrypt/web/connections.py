"""Connection limits under uvicorn: a deadline for each request's head (the TLS handshake
included), a cap on the connections of one address and on all of them, and every refusal in
the API's error format.

uvicorn closes a connection only when it is idle after a response, and counts every open
connection against its limit (then it answers 503 to everyone, in plain text). Without these
limits one client could open that many sockets and send nothing, or a byte now and then, and
shut every station out. This subclasses uvicorn's httptools protocol (uvicorn is pinned for
it in pyproject.toml; tests/test_server_connections.py and tests/test_review_later.py run it
through real sockets, with and without TLS).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections import Counter

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from votecrypt.protocol.ballot import MALFORMED

from .errors import OVERLOADED, TIMEOUT
from .middleware import log_answer

#: Seconds a client has to send a request's line and headers, from connecting or from the
#: previous response on the connection.
HEAD_TIMEOUT = 10.0
#: Bytes a request's line and headers may take (a browser's are under 8 KiB).
MAX_HEAD = 16 * 1024
#: Seconds an answer may wait for the client to read it (the send buffers full) before the
#: connection is dropped: a client that stops reading holds no buffers and no connection slot
#: for longer than this.
WRITE_TIMEOUT = 30.0
#: The event loop uvicorn runs when the protocol does TLS itself (see station_protocol).
TLS_LOOP = "asyncio"
#: Sockets open at once, TLS handshakes included.
MAX_CONNECTIONS = 1000
#: Connections one address may hold at once (a browser opens at most six to one server; a
#: few stations may share an address behind a router).
CONNECTIONS_PER_ADDRESS = 64


def _answer(status: str, reason: str, message: str, retry_after: int | None) -> bytes:
    """A whole HTTP response in the API's error format (votecrypt.web.errors), sent before
    the connection is closed."""
    body = json.dumps({"error": reason, "message": message}).encode()
    retry = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{retry}Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


_TOO_MANY = _answer(
    "503 Service Unavailable",
    OVERLOADED,
    "too many connections from this address; try again in a moment",
    5,
)
_FULL = _answer(
    "503 Service Unavailable",
    OVERLOADED,
    "the server has too many connections; try again in a moment",
    5,
)
_NOT_HTTP = _answer("400 Bad Request", MALFORMED, "not a valid HTTP/1.1 request", None)
_HEAD_TOO_LARGE = _answer(
    "400 Bad Request",
    MALFORMED,
    f"the request's line and headers are larger than {MAX_HEAD} bytes",
    None,
)
_TOO_SLOW = _answer(
    "408 Request Timeout", TIMEOUT, "the request's headers did not arrive in time", None
)


def _log(answer: bytes, started: float) -> None:
    """The access log's line for an answer sent by the connection limits (over TLS, a refused
    connection is closed unanswered and still logged with the status it would have had)."""
    log_answer("-", "(connection)", int(answer.split(b" ", 2)[1]), started)


def station_protocol(
    head_timeout: float = HEAD_TIMEOUT,
    per_address: int = CONNECTIONS_PER_ADDRESS,
    tls: ssl.SSLContext | None = None,
    max_connections: int = MAX_CONNECTIONS,
    write_timeout: float = WRITE_TIMEOUT,
) -> type[HttpToolsProtocol]:
    """uvicorn's HTTP protocol with the limits (give it as Config(http=...)): at most
    `max_connections` sockets in all and `per_address` from one address (503 overloaded, in
    the API's error format, then closed), each request's head within `head_timeout` (408),
    and a request that is not HTTP answered 400 malformed in the API's format. An answer the
    client has not read for `write_timeout` (the buffers full: uvicorn, and asyncio's TLS layer
    under it, stop the application's writes at 64 KiB) loses its connection.

    With `tls`, the protocol runs the TLS handshake itself (loop.start_tls), within the head
    timeout: asyncio's own TLS server would hand it the connection only after a handshake
    that may take 60 s, during which a socket escaped both limits. The head deadline counts
    from the moment the socket connected, the handshake included; application data that
    arrives with the handshake's last message is held until uvicorn's protocol is ready (see
    data_received). This needs the standard
    event loop (TLS_LOOP): uvloop's start_tls (0.23) can hand the client's first bytes to the
    HTTP protocol instead of the TLS layer."""
    if head_timeout <= 0 or write_timeout <= 0 or per_address < 1 or max_connections < 1:
        raise ValueError("the head timeout and the connection limits must be positive")
    held: Counter[str] = Counter()  # open sockets of each address, handshakes included

    class StationProtocol(HttpToolsProtocol):
        _head_deadline: asyncio.TimerHandle | None = None
        _address: str | None = None
        _opened = False  # uvicorn's connection_made has run
        _connected_at = 0.0
        # TLS: what the TLS layer hands over before uvicorn's connection_made has run (see
        # data_received) and whether it asked to stop writing meanwhile.
        _early: bytes = b""
        _early_write_paused = False
        _write_deadline: asyncio.TimerHandle | None = None
        _head_bytes = 0  # received since the head was awaited

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            self._connected_at = self.loop.time()
            peer = transport.get_extra_info("peername")
            self._address = str(peer[0]) if isinstance(peer, tuple) and peer else ""
            held[self._address] += 1
            refusal = None
            if held.total() > max_connections:
                refusal = _FULL
            elif self._address and held[self._address] > per_address:
                refusal = _TOO_MANY
            if refusal is not None:
                if tls is None:  # over TLS there is no channel to answer on yet
                    transport.write(refusal)
                _log(refusal, time.perf_counter())
                transport.close()
                return
            if tls is None:
                self._open(transport)
            else:
                # Nothing is read until start_tls has put the TLS layer in between (it resumes
                # reading itself): the client's hello must not reach the HTTP parser.
                transport.pause_reading()
                self._handshake = asyncio.ensure_future(self._secure(transport, tls))

        async def _secure(self, transport: asyncio.Transport, context: ssl.SSLContext) -> None:
            try:
                secure = await self.loop.start_tls(
                    transport,
                    self,
                    context,
                    server_side=True,
                    ssl_handshake_timeout=head_timeout,
                )
            except Exception:  # no handshake in time, a bad one, or the client left
                secure = None
            if secure is None or secure.is_closing():
                transport.close()
                self._release()
                return
            self._open(secure)

        def _open(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._opened = True
            if self._early_write_paused:
                super().pause_writing()
            # The first head is due `head_timeout` after the socket connected, the TLS
            # handshake included.
            self._await_head(self._connected_at + head_timeout)
            early, self._early = self._early, b""
            if early:
                super().data_received(early)

        def data_received(self, data: bytes) -> None:
            # asyncio's TLS layer (sslproto) reads the application data that arrived with the
            # handshake's last message as soon as the handshake completes, and hands it to
            # this protocol right then, before start_tls returns and so before uvicorn's
            # connection_made. A TLS 1.3 client that sends its first request together with its
            # Finished message (Chromium does) would have that request parsed and run with no
            # transport and no flow control: its answer failed on `flow.write_paused` and the
            # client waited for the head deadline. Held here, it is parsed once the
            # connection is made. At most what one read of the TLS layer gives (bounded by
            # asyncio's read buffer), and only until start_tls returns.
            if not self._opened:
                self._early += data
                return
            awaiting_head = self._head_deadline is not None
            if awaiting_head:
                self._head_bytes += len(data)
            super().data_received(data)
            # Still no whole head (on_headers_complete cancels the deadline) after MAX_HEAD
            # bytes: refused, so that no client makes the parser hold more.
            if awaiting_head and self._head_deadline is not None and self._head_bytes > MAX_HEAD:
                self._head_arrived()
                if not self.transport.is_closing():
                    self.transport.write(_HEAD_TOO_LARGE)
                    _log(_HEAD_TOO_LARGE, time.perf_counter())
                    self.transport.close()

        def eof_received(self) -> None:
            if self._opened:
                super().eof_received()

        def pause_writing(self) -> None:
            if not self._opened:
                self._early_write_paused = True
                return
            super().pause_writing()
            if self._write_deadline is None:
                self._write_deadline = self.loop.call_later(write_timeout, self._not_reading)

        def resume_writing(self) -> None:
            if not self._opened:
                self._early_write_paused = False
                return
            self._reading_again()
            super().resume_writing()

        def _reading_again(self) -> None:
            if self._write_deadline is not None:
                self._write_deadline.cancel()
                self._write_deadline = None

        def _not_reading(self) -> None:
            # Nothing more can be sent to this client, not even an error: the connection
            # is dropped and its buffers with it (uvicorn's connection_lost then ends the
            # answer being produced).
            self._write_deadline = None
            self.transport.abort()

        def connection_lost(self, exc: Exception | None) -> None:
            self._release()
            self._head_arrived()
            self._reading_again()
            if self._opened:
                super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            self.transport.write(_NOT_HTTP)
            _log(_NOT_HTTP, time.perf_counter())
            self.transport.close()

        def _release(self) -> None:
            if self._address is not None:
                held[self._address] -= 1
                if held[self._address] <= 0:
                    del held[self._address]
                self._address = None

        def on_headers_complete(self) -> None:
            self._head_arrived()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            # The next request's head is awaited unless it arrived already (pipelined):
            # looked at before uvicorn takes that request off the queue and starts it, else
            # the deadline would run over a request whose head is in (408 mid-body).
            queued = bool(self.pipeline)
            super().on_response_complete()
            if not self.transport.is_closing() and not queued:
                self._await_head()

        def _await_head(self, due: float | None = None) -> None:
            self._head_arrived()
            self._head_bytes = 0
            due = self.loop.time() + head_timeout if due is None else due
            self._head_deadline = self.loop.call_at(due, self._head_too_slow)

        def _head_arrived(self) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()
                self._head_deadline = None

        def _head_too_slow(self) -> None:
            self._head_deadline = None
            if not self.transport.is_closing():
                self.transport.write(_TOO_SLOW)
                _log(_TOO_SLOW, time.perf_counter())
                self.transport.close()

    return StationProtocol
