"""A TCP proxy between an implementation and Postgres, which a test can cut and restore:
the database becomes unreachable for the implementation without being stopped."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType
from urllib.parse import urlsplit


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address: tuple[str, int] = self._listener.getsockname()
        self._open = True
        self._live: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)

    @classmethod
    def to_database(cls, url: str) -> TcpProxy:
        """A proxy to the server of the PostgreSQL URL `url`."""
        parts = urlsplit(url)
        return cls((parts.hostname or "127.0.0.1", parts.port or 5432))

    def route(self, url: str) -> str:
        """The PostgreSQL URL `url`, through this proxy."""
        parts = urlsplit(url)
        host, port = self.address
        return parts._replace(netloc=f"{parts.username}@{host}:{port}").geturl()

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._open = False
        self._listener.close()
        self._reset_all()

    def cut(self) -> None:
        """Reset every open connection and refuse new ones, as a dead database host would."""
        self._open = False
        self._reset_all()

    def restore(self) -> None:
        self._open = True

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
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                self._reset(client)
                continue
            with self._lock:
                self._live.update((client, server))
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        upstream = threading.Thread(target=self._pump, args=(client, server), daemon=True)
        upstream.start()
        self._pump(server, client)
        upstream.join()
        with self._lock:
            self._live.difference_update((client, server))
        client.close()
        server.close()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        # Either side ending ends both directions.
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
