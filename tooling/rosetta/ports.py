"""TCP ports for the servers the tooling starts: one that nothing uses, or whether a given
one can be listened on."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on, as the system picks it (free until someone binds it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_listenable(host: str, port: int) -> None:
    """Raise `OSError` unless a server could listen on `host:port` now. The probe sets
    `SO_REUSEADDR`, as servers do (uvicorn, gunicorn, PostgreSQL), so a port whose last
    connections linger in TIME_WAIT counts as free, and one with a listener does not."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
