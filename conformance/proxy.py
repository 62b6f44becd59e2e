"""A TCP proxy between an implementation and Postgres, which a test can cut and restore:
the database becomes unreachable for the implementation without being stopped. It can
also play the database's own faults, as a restart or a freeze shows them to a client:
answer new connections with a FATAL ErrorResponse (SQLSTATE 57P03 cannot_connect_now, as
a server that is starting or stopping does; 57P01 admin_shutdown), end live sessions with
one (`pg_ctl stop -m fast` sends 57P01 to every backend's client, then closes), or stall
(hold every byte, closing nothing, as a frozen server). It also
counts the round trips the implementation makes: one per ReadyForQuery the server sends
(the message that ends every simple query and every Sync of the extended protocol).

Only the framing is read, as the protocol describes it ("Message Flow", "Message
Formats"): the client opens with untyped packets (an SSLRequest or GSSENCRequest, each
answered by one untyped byte, then the StartupMessage, or a CancelRequest); from then on
every message is a type byte and a 4-byte big-endian length that counts itself but not
the type. Messages arrive split across reads and several to a read.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from types import TracebackType
from urllib.parse import urlsplit

SSL_REQUEST = 80877103  # the codes of the untyped packets a client opens with
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
PROTOCOL_3 = 3  # a StartupMessage's code is the protocol version, major in the high 16 bits
NEGOTIATION_REFUSED = ord("N")  # the answer that keeps the connection unencrypted
READY_FOR_QUERY = ord("Z")
ERROR_RESPONSE = b"E"

# The SQLSTATEs of a server going away (Appendix A, class 57) and the messages it sends.
ADMIN_SHUTDOWN = "57P01"
CRASH_SHUTDOWN = "57P02"
CANNOT_CONNECT_NOW = "57P03"
MESSAGES = {
    ADMIN_SHUTDOWN: "terminating connection due to administrator command",
    CRASH_SHUTDOWN: "terminating connection because of crash of another server process",
    CANNOT_CONNECT_NOW: "the database system is shutting down",
}


def fatal(sqlstate: str) -> bytes:
    """A FATAL ErrorResponse with `sqlstate`: severity (twice, the second not localized),
    code and message fields, each a type byte and a NUL-terminated string, then a NUL."""
    fields = [("S", "FATAL"), ("V", "FATAL"), ("C", sqlstate), ("M", MESSAGES[sqlstate])]
    body = b"".join(kind.encode() + value.encode() + b"\0" for kind, value in fields) + b"\0"
    return ERROR_RESPONSE + struct.pack("!I", 4 + len(body)) + body


class RoundTrips:
    """The ReadyForQuery messages the server sent over every connection through the proxy,
    and when the proxy last relayed a byte either way. Safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._unreadable = 0
        self._opened = 0
        self._last_traffic = time.monotonic()

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    @property
    def unreadable(self) -> int:
        """Connections whose messages the proxy could not read (encrypted, or not the
        protocol): their round trips are missing from `count`."""
        with self._lock:
            return self._unreadable

    @property
    def opened(self) -> int:
        """Connections opened through the proxy so far."""
        with self._lock:
            return self._opened

    def reset(self) -> None:
        with self._lock:
            self._count = 0

    def settle(self, quiet: float = 0.1, timeout: float = 5.0) -> int:
        """The count once no byte has crossed the proxy for `quiet` seconds, so that work a
        service does after it has answered (a pool's reset on release) is in it."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                idle = time.monotonic() - self._last_traffic
                count = self._count
            if idle >= quiet:
                return count
            if time.monotonic() + quiet - idle > deadline:
                raise TimeoutError(
                    f"the database traffic did not pause for {quiet} s in {timeout} s"
                )
            time.sleep(quiet - idle)

    def _relayed(self, ready: int) -> None:
        with self._lock:
            self._count += ready
            self._last_traffic = time.monotonic()

    def _connected(self) -> None:
        with self._lock:
            self._opened += 1

    def _lost(self) -> None:
        with self._lock:
            self._unreadable += 1


class Framing:
    """Where one connection's bytes stand in the protocol, read as they are relayed and
    before they are passed on (so that the count is in place before the peer sees it)."""

    def __init__(self, round_trips: RoundTrips) -> None:
        self._round_trips = round_trips
        round_trips._connected()
        self._lock = threading.Lock()  # the client's side tells the server's side what to expect
        self._readable = True
        self._opening = bytearray()  # the client's untyped packet, so far
        self._started = False  # StartupMessage or CancelRequest sent: typed messages follow
        self._answers = 0  # negotiation answers (one untyped byte each) the server owes
        self._header = bytearray()  # the server's current message header, so far
        self._kind = 0
        self._remaining: int | None = None  # of the current server message; None: between

    @property
    def between_messages(self) -> bool:
        """Whether the server's side stands between two typed messages, where another
        message (a FATAL error) can be put without breaking the client's reading."""
        with self._lock:
            return (
                self._readable
                and self._started
                and not self._answers
                and not self._header
                and self._remaining is None
            )

    def from_client(self, data: bytes) -> None:
        with self._lock:
            if self._readable and not self._started:
                self._open(data)
        self._round_trips._relayed(0)

    def from_server(self, data: bytes) -> None:
        with self._lock:
            ready = self._read(data) if self._readable else 0
        self._round_trips._relayed(ready)

    def _lose(self) -> None:
        self._readable = False
        self._round_trips._lost()

    def _open(self, data: bytes) -> None:
        self._opening += data
        while len(self._opening) >= 8:
            length, code = struct.unpack_from("!ii", self._opening)
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                self._answers += 1  # the client waits for the answer: nothing follows yet
            elif code == CANCEL_REQUEST or code >> 16 == PROTOCOL_3:
                self._started = True
                return
            else:  # direct TLS (its record header), or not PostgreSQL
                self._lose()
                return
            del self._opening[:length]

    def _read(self, data: bytes) -> int:
        """The ReadyForQuery messages that `data` completes."""
        ready, i, end = 0, 0, len(data)
        while i < end:
            if self._remaining is None:
                if self._answers:  # 'S' or 'G': TLS or GSSAPI from here on, unreadable
                    self._answers -= 1
                    if data[i] != NEGOTIATION_REFUSED:
                        self._lose()
                        return ready
                    i += 1
                    continue
                take = min(5 - len(self._header), end - i)
                self._header += data[i : i + take]
                i += take
                if len(self._header) < 5:
                    break
                kind, length = struct.unpack_from("!BI", self._header)
                self._header.clear()
                if length < 4:
                    self._lose()
                    return ready
                self._kind, self._remaining = kind, length - 4
            step = min(self._remaining, end - i)
            self._remaining -= step
            i += step
            if self._remaining == 0:
                ready += self._kind == READY_FOR_QUERY
                self._remaining = None
        return ready


class _Link:
    """One client's connection through the proxy, and the message it is to end with."""

    def __init__(self, client: socket.socket, server: socket.socket, framing: Framing) -> None:
        self.client, self.server, self.framing = client, server, framing
        self.farewell = b""  # sent to the client when the server's side ends, if it can be

    def last_words(self) -> bytes:
        return self.farewell if self.farewell and self.framing.between_messages else b""


class TcpProxy:
    """The link to the database, and the faults a test puts on it: `cut`, `refuse`,
    `terminate`, `stall`; `restore` ends them all."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address: tuple[str, int] = self._listener.getsockname()
        self._open = True
        self._refusing: str | None = None  # the SQLSTATE new connections are answered with
        self._flowing = threading.Event()  # cleared: every byte is held where it is
        self._flowing.set()
        self._live: set[socket.socket] = set()
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self.round_trips = RoundTrips()

    @classmethod
    def to_database(cls, url: str) -> TcpProxy:
        """A proxy to the server of the PostgreSQL URL `url`."""
        parts = urlsplit(url)
        return cls((parts.hostname or "127.0.0.1", parts.port or 5432))

    def route(self, url: str) -> str:
        """The PostgreSQL URL `url`, through this proxy."""
        parts = urlsplit(url)
        userinfo, at, _ = parts.netloc.rpartition("@")  # user and password, as written
        host, port = self.address
        return parts._replace(netloc=f"{userinfo}{at}{host}:{port}").geturl()

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._open = False
        self._listener.close()
        self._reset_all()
        self._flowing.set()  # held relays end on their reset sockets

    def cut(self) -> None:
        """Reset every open connection and refuse new ones, as a dead database host would."""
        self._open = False
        self._reset_all()

    def refuse(self, sqlstate: str) -> None:
        """Answer every new connection's StartupMessage with a FATAL ErrorResponse carrying
        `sqlstate`, then close it, as a server that is shutting down (or starting up) does;
        live connections are left as they are."""
        self._refusing = sqlstate

    def terminate(self, sqlstate: str = ADMIN_SHUTDOWN) -> None:
        """End every live session as a backend told to stop does: a FATAL ErrorResponse
        carrying `sqlstate` to the client (where its reading stands between two messages;
        in the middle of one, it sees the connection close), then close. The database's
        end of each is closed too, so that nothing lingers there."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.farewell = fatal(sqlstate)
            # Wakes the relay that reads the server's side; it sends the farewell and closes.
            with contextlib.suppress(OSError):
                link.server.shutdown(socket.SHUT_RDWR)

    def stall(self) -> None:
        """Hold every byte either way, on live connections and new ones, closing nothing:
        the database looks frozen. `restore` passes on what was held."""
        self._flowing.clear()

    def restore(self) -> None:
        self._open = True
        self._refusing = None
        self._flowing.set()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        # SO_LINGER 0: close() sends RST, so the peer notices at once rather than on timeout.
        # shutdown() first wakes a relay thread blocked in recv() on this socket: until it
        # returns, close() alone would leave the connection open.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _reset_all(self) -> None:
        with self._lock:
            live, self._live = self._live, set()
        for sock in live:
            self._reset(sock)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            if not self._open:
                self._reset(client)
                continue
            if (sqlstate := self._refusing) is not None:
                threading.Thread(target=self._refuse, args=(client, sqlstate), daemon=True).start()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                self._reset(client)
                continue
            with self._lock:
                self._live.update((client, server))
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    @staticmethod
    def _refuse(client: socket.socket, sqlstate: str) -> None:
        """Read the client's opening packets, refuse its negotiations (SSL, GSSAPI) as an
        unencrypted server does, and answer its StartupMessage with the error."""
        opening = bytearray()
        try:
            client.settimeout(5)
            while True:
                while len(opening) < 8 or len(opening) < struct.unpack_from("!i", opening)[0]:
                    if not (data := client.recv(4096)):
                        return
                    opening += data
                length, code = struct.unpack_from("!ii", opening)
                del opening[:length]
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    client.sendall(bytes([NEGOTIATION_REFUSED]))
                    continue
                if code >> 16 == PROTOCOL_3:
                    client.sendall(fatal(sqlstate))
                return  # a CancelRequest, or not PostgreSQL: closed unanswered
        except OSError:
            pass
        finally:
            client.close()

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        framing = Framing(self.round_trips)
        link = _Link(client, server, framing)
        with self._lock:
            self._links.add(link)
        upstream = threading.Thread(
            target=self._pump, args=(client, server, framing.from_client), daemon=True
        )
        upstream.start()
        self._pump(server, client, framing.from_server, link.last_words)
        upstream.join()
        with self._lock:
            self._live.difference_update((client, server))
            self._links.discard(link)
        client.close()
        server.close()

    def _pump(
        self,
        source: socket.socket,
        sink: socket.socket,
        read: Callable[[bytes], None],
        last_words: Callable[[], bytes] = bytes,
    ) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()  # a stall holds what was read until it ends
                read(data)
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            if farewell := last_words():
                sink.sendall(farewell)
        # Either side ending ends both directions.
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
