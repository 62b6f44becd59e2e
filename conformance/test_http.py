"""The HTTP layer of each declared server, over raw sockets, as an attacker or an odd client
speaks it: a request head over any sane bound, the smuggling shape (Content-Length with
Transfer-Encoding), slow clients, early answers that must leave the connection usable,
HTTP/1.0, pipelining, and `Expect: 100-continue` with a body over the limit. Live servers
only: in-process there is no HTTP framing to get wrong.

What a server cannot be configured to do (tooling/rosetta/servers.py sets what it can) is
a strict xfail from SERVER_LIMITS, with the reason and the upstream issue; the README's
matrix lists the same.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from conformance.conftest import Target
from conformance.support import FORM, MULTIPART, Service, known_limit

# server -> check -> why that server cannot pass it, whatever the implementation.
SERVER_LIMITS: dict[str, dict[str, str]] = {
    "uvicorn": {
        "smuggling-cl-te": (
            "uvicorn runs h11 for its bounded head (httptools has no head limit,"
            " Kludex/uvicorn#157); h11 lets Transfer-Encoding override Content-Length and keeps"
            " the connection, so the bytes after the chunked body are a second request"
            " (python-hyper/h11#90)"
        ),
    },
    "hypercorn": {
        "smuggling-cl-te": (
            "hypercorn (h11) lets Transfer-Encoding override Content-Length and keeps the"
            " connection open: the rest is served as a second request (pgjones/hypercorn#279)"
        ),
        "expect-continue": (
            "hypercorn answers 100 Continue itself as soon as h11 sees the client waiting, before"
            " the app runs (hypercorn/protocol/h11.py)"
        ),
    },
    "robyn": {  # Robyn 0.88 serves with actix-http 3.11, and exposes none of its options
        "smuggling-cl-te": (
            "actix-http lets Transfer-Encoding override Content-Length and keeps the connection"
            " open: the bytes after the chunked body are served as a second request"
        ),
        "expect-continue": (
            "actix-http answers 100 Continue itself before the request reaches Robyn's Python"
            " side (its default expect handler accepts every expectation)"
        ),
    },
    "daphne": {
        "expect-continue": (
            "Twisted's HTTP channel, under Daphne, answers 100 Continue itself once the head is"
            " in, before the app runs (twisted/web/http.py, HTTPChannel.allHeadersReceived)"
        ),
    },
    "tornado": dict.fromkeys(
        ("early-query", "early-propfind"),
        "Tornado's own 405 for a method outside SUPPORTED_METHODS comes before the body is"
        " read, and a @stream_request_body handler (what gives a body over 1 MiB its 413"
        " before it is read) that answers then makes HTTP1Connection close the connection"
        " after the answer, even when no body was declared (tornado/http1connection.py,"
        " finish: _disconnect_on_finish); it says `Connection: close`",
    ),
    "gunicorn": {
        "expect-continue": (
            "gunicorn sends 100 Continue itself while it parses the head, before the WSGI app"
            " runs (gunicorn/http/wsgi.py)"
        ),
    },
    "cheroot": {
        "smuggling-cl-te": (
            "Cheroot lets Transfer-Encoding override Content-Length and keeps the connection"
            " open (the app's `Connection: close` does not close it): the bytes after the"
            " chunked body are served as a second request (cheroot/server.py,"
            " HTTPRequest.read_request_headers and send_headers)"
        ),
        "expect-continue": (
            "Cheroot sends 100 Continue itself as soon as it has read the head, before the"
            " app runs (cheroot/server.py, HTTPRequest.read_request_headers)"
        ),
    },
    "waitress": {
        "smuggling-cl-te": (
            "waitress lets Transfer-Encoding override Content-Length, removes the header"
            " before the app sees it, and keeps the connection open: the bytes after the"
            " chunked body are served as a second request (waitress/parser.py, parse_header)"
        ),
        "expect-continue": (
            "waitress sends 100 Continue itself once the head is in, and buffers the whole body"
            " before the WSGI app runs (waitress/channel.py, HTTPChannel.received)"
        ),
    },
}

TIMEOUT = 5.0  # seconds for any one read or write
QUIET = 1.5  # seconds of silence that end "everything the server sends"
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Connection:
    """One client connection, bytes in and out, and a minimal reader of responses."""

    sock: socket.socket
    host: str
    buffer: bytearray = field(default_factory=bytearray)

    def send(self, data: bytes) -> bool:
        """Whether all of `data` went out (a server may close while a big head is sent)."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def _more(self) -> bool:
        try:
            data = self.sock.recv(65536)
        except OSError:  # a reset, or TIMEOUT without a byte
            return False
        self.buffer += data
        return bool(data)

    def _until(self, marker: bytes) -> int | None:
        while (end := self.buffer.find(marker)) < 0:
            if not self._more():
                return None
        return end

    def _take(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            if not self._more():
                return None
        taken = bytes(self.buffer[:size])
        del self.buffer[:size]
        return taken

    def response(self) -> Response | None:
        """The next response (an interim 1xx too), or None if the connection ended first."""
        if (end := self._until(b"\r\n\r\n")) is None:
            return None
        head = self._take(end + 4)
        assert head is not None
        status_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
        status = int(status_line.split()[1])
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status < 200 or status in (204, 304):
            return Response(status, headers, b"")
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while (size_end := self._until(b"\r\n")) is not None:
                size = int(bytes(self.buffer[:size_end]).split(b";")[0], 16)
                # The size line, the data, its CRLF (after the last, empty one: the end,
                # as no server here sends trailers).
                chunk = self._take(size_end + 2 + size + 2)
                if chunk is None:
                    return None
                if size == 0:
                    return Response(status, headers, body)
                body += chunk[size_end + 2 : -2]
            return None
        if "content-length" in headers:
            sized = self._take(int(headers["content-length"]))
            return None if sized is None else Response(status, headers, sized)
        while self._more():  # delimited by the connection's close
            pass
        body, self.buffer = bytes(self.buffer), bytearray()
        return Response(status, headers, body)

    def everything(self) -> tuple[bytes, bool]:
        """All the server sends until it closes (True) or is quiet for QUIET seconds."""
        self.sock.settimeout(QUIET)
        closed = True
        try:
            while data := self.sock.recv(65536):
                self.buffer += data
        except TimeoutError:
            closed = False
        except OSError:
            pass
        return bytes(self.buffer), closed

    def get(self, path: str = "/health", version: str = "1.1") -> bytes:
        return f"GET {path} HTTP/{version}\r\nHost: {self.host}\r\n\r\n".encode()


Connect = Callable[[], Connection]


@pytest.fixture
def address(target: Target, service: Service) -> tuple[str, int]:
    if service.transport is not None:
        pytest.skip("raw HTTP needs a live server (--transport=live)")
    parts = urlsplit(service.base_url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


@pytest.fixture
def connect(address: tuple[str, int]) -> Iterator[Connect]:
    """Open connections to the server (`connect()`), each closed after the test."""
    opened: list[socket.socket] = []

    def open_one() -> Connection:
        sock = socket.create_connection(address, timeout=TIMEOUT)
        opened.append(sock)
        return Connection(sock, f"{address[0]}:{address[1]}")

    yield open_one
    for sock in opened:
        sock.close()


def assert_healthy(connect: Connect) -> None:
    """A new connection is answered: the server survived what the test sent."""
    conn = connect()
    assert conn.send(conn.get())
    response = conn.response()
    assert response is not None
    assert response.status == 200


HEADS = {
    "one-1-mib-header": lambda host: (
        f"GET /health HTTP/1.1\r\nHost: {host}\r\nX-Big: {'a' * (1 << 20)}\r\n\r\n"
    ),
    # ~380 KB: more than one read of any server (asyncio reads 256 KiB at most), so that a
    # bound on what a server buffers is met whatever the count limit.
    "10000-headers": lambda host: (
        f"GET /health HTTP/1.1\r\nHost: {host}\r\n"
        + "".join(f"X-Header-{i:05}: {'v' * 20}\r\n" for i in range(10_000))
        + "\r\n"
    ),
}


@pytest.mark.parametrize("head", HEADS)
def test_oversized_head_is_refused(connect: Connect, head: str) -> None:
    """Refused (431, or 400/413) or the connection closed: never buffered and served."""
    conn = connect()
    conn.send(HEADS[head](conn.host).encode())
    response = conn.response()
    if response is not None:
        assert response.status in (400, 413, 431), f"answered {response.status}"
    assert_healthy(connect)


def smuggling(host: str, shape: str) -> bytes:
    """A POST with both framings, and after it, by one of them, a complete second request."""
    second = f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n"
    if shape == "cl-te":  # by Content-Length, all one body; by chunked, an empty one first
        body = "0\r\n\r\n" + second
        length = len(body)
    else:  # te-cl: by chunked, all one body; by Content-Length, the chunk's size line only
        size_line = f"{len(second):x}\r\n"
        body = f"{size_line}{second}\r\n0\r\n\r\n"
        length = len(size_line)
    return (
        f"POST /users HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nTransfer-Encoding: chunked\r\n\r\n{body}"
    ).encode()


@pytest.mark.parametrize("shape", ["cl-te", "te-cl"])
def test_both_framings_are_never_two_requests(
    connect: Connect, request: pytest.FixtureRequest, target: Target, shape: str
) -> None:
    """RFC 9112, 6.3: Transfer-Encoding overrides Content-Length and the server closes the
    connection after the response (or refuses the request). Whichever framing the server
    takes, the body is not a user: one 400 at most, and never a second response."""
    known_limit(request, SERVER_LIMITS, target.server, f"smuggling-{shape}")
    conn = connect()
    conn.send(smuggling(conn.host, shape))
    data, _ = conn.everything()
    statuses = [int(status) for status in STATUS_LINE.findall(data)]
    assert len(statuses) <= 1, f"served as {len(statuses)} requests: {statuses}"
    assert statuses in ([], [400]), statuses


SLOW = [  # each a request's start, never finished
    "GET /health HTTP/1.1\r\nHost: {host}\r\n",  # half a head
    "POST /users HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    'Content-Length: 100\r\n\r\n{{"email": ',  # a body shorter than its length
]
OTHERS = 6


def test_slow_clients_do_not_block_others(connect: Connect) -> None:
    """Each slow client sends part of a request and waits; the others are answered."""
    slow = []
    for start in SLOW:
        conn = connect()
        assert conn.send(start.format(host=conn.host).encode())
        slow.append(conn)

    def answered(_: int) -> float:
        started = time.monotonic()
        assert_healthy(connect)
        return time.monotonic() - started

    with ThreadPoolExecutor(max_workers=OTHERS) as pool:
        waits = list(pool.map(answered, range(OTHERS)))
    assert max(waits) < 3, f"the others waited up to {max(waits):.1f} s"


EARLY = {  # answered before any handler runs, in some frameworks (test_hostile: the statuses)
    "query": "QUERY /users HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n",
    "propfind": "PROPFIND /users/1 HTTP/1.1\r\nHost: {host}\r\n\r\n",
    "multipart-get": f"GET /users HTTP/1.1\r\nHost: {{host}}\r\nContent-Type: {MULTIPART}\r\n\r\n",
    "multipart-post": (
        "POST /users HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: {MULTIPART}\r\nContent-Length: {len(FORM)}\r\n\r\n{FORM.decode()}"
    ),
}


@pytest.mark.parametrize("case", EARLY)
def test_an_early_answer_keeps_the_connection(
    connect: Connect, case: str, target: Target, request: pytest.FixtureRequest
) -> None:
    """An answer a framework gives before any handler runs (an unknown method, a content
    type it refuses) leaves the keep-alive connection answering the next request."""
    known_limit(request, SERVER_LIMITS, target.server, f"early-{case}")
    conn = connect()
    assert conn.send(EARLY[case].format(host=conn.host).encode())
    assert conn.response() is not None, "no answer"
    assert conn.send(conn.get())
    second = conn.response()
    assert second is not None, "the connection stopped answering after the early answer"
    assert second.status == 200


def test_http_1_0_is_served(connect: Connect) -> None:
    """What a default nginx proxy speaks to its upstream."""
    conn = connect()
    assert conn.send(conn.get(version="1.0"))
    response = conn.response()
    assert response is not None
    assert response.status == 200
    assert response.headers.get("content-type", "").startswith("application/json")


PIPELINED = 10


def test_pipelined_requests_are_all_answered(connect: Connect) -> None:
    conn = connect()
    assert conn.send(conn.get() * PIPELINED)
    statuses: list[int] = []
    while len(statuses) < PIPELINED and (response := conn.response()) is not None:
        statuses.append(response.status)
    assert statuses == [200] * PIPELINED


def test_expect_continue_over_the_limit_is_413_at_once(
    connect: Connect, request: pytest.FixtureRequest, target: Target
) -> None:
    """A client that asks before it sends 2 MiB is told 413 without being invited to send."""
    known_limit(request, SERVER_LIMITS, target.server, "expect-continue")
    conn = connect()
    head = (
        f"POST /users HTTP/1.1\r\nHost: {conn.host}\r\nContent-Type: application/json\r\n"
        "Content-Length: 2097152\r\nExpect: 100-continue\r\n\r\n"
    )
    assert conn.send(head.encode())
    response = conn.response()
    assert response is not None, "no answer before the body"
    assert response.status == 413, f"answered {response.status} first"
    assert response.headers.get("content-type", "").startswith("application/problem+json")
