"""The servers as the tooling starts them (the live suite, `rosetta serve`, the benchmark
and the Dockerfile take the same argv): gunicorn keeps connections alive, a slow client
does not hold up the others, every server keeps twenty connections alive at once, and
every server whose idle timeout the tooling sets closes an idle connection after it
(conformance/test_http.py checks the rest of each server's limits under every
implementation)."""

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest

from rosetta import registry, servers
from rosetta.ports import free_port
from rosetta.servers import KEEP_ALIVE, LiveServer

IMPLS = list(registry.implementations().values())
GUNICORN = [impl for impl in IMPLS if "gunicorn" in impl.servers]
EVERY_SERVER = sorted({server for impl in IMPLS for server in impl.servers})


def serving(server: str) -> registry.Implementation:
    """The first implementation that runs under `server`."""
    return next(impl for impl in IMPLS if server in impl.servers)


@pytest.mark.parametrize("impl", [pytest.param(i, id=i.name) for i in GUNICORN])
def test_gunicorn_runs_threaded_workers_with_keep_alive(impl: registry.Implementation) -> None:
    argv = servers.command(impl, "gunicorn", "127.0.0.1", 8000, 2)
    options = dict(zip(argv[2::2], argv[3::2], strict=False))
    assert options["--worker-class"] == "gthread"
    assert int(options["--threads"]) > 1
    assert int(options["--keep-alive"]) >= 2  # gunicorn's default


@pytest.fixture(scope="module")
def gunicorn(schema_url: str) -> Iterator[LiveServer]:
    """The first implementation that runs under gunicorn, with one worker."""
    env = {"DATABASE_URL": schema_url, "DATABASE_POOL_SIZE": "2"}
    with LiveServer(GUNICORN[0], "gunicorn", free_port(), env, workers=1) as live:
        yield live


def test_gunicorn_keeps_the_connection_alive(gunicorn: LiveServer) -> None:
    with httpx.Client(base_url=gunicorn.url, timeout=5) as client:
        first = client.get("/health")
        second = client.get("/health")
    assert first.status_code == second.status_code == 200
    assert first.headers.get("connection", "keep-alive").lower() != "close"
    assert second.extensions["network_stream"] is first.extensions["network_stream"]


def test_gunicorn_serves_others_while_a_client_is_slow(gunicorn: LiveServer) -> None:
    """One worker, one client that sends half a request and waits: the next is answered."""
    with socket.create_connection((gunicorn.host, gunicorn.port)) as slow:
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: slow\r\n")
        assert httpx.get(f"{gunicorn.url}/health", timeout=3).status_code == 200


# The servers whose keep-alive timeout servers.py sets (Sanic's, Robyn's and the native
# servers' are their implementations' own).
KEEPING_ALIVE = ["uvicorn", "granian", "hypercorn", "gunicorn", "waitress"]


def idle_for(live: LiveServer) -> float:
    """Seconds from the end of a response until the server closes the idle connection."""
    with httpx.Client(base_url=live.url, timeout=KEEP_ALIVE + 10) as client:
        response = client.get("/health")
        assert response.status_code == 200
        answered = time.monotonic()
        sock = response.extensions["network_stream"].get_extra_info("socket")
        sock.settimeout(KEEP_ALIVE + 10)
        assert sock.recv(1) == b"", "the server sent more on an idle connection"
        return time.monotonic() - answered


def test_idle_connections_are_closed_after_the_keep_alive(schema_url: str) -> None:
    """A connection held open and idle costs the server a socket for good: each server
    closes it after KEEP_ALIVE seconds (and not at once: keep-alive is on)."""
    env = {"DATABASE_URL": schema_url, "DATABASE_POOL_SIZE": "1"}
    lives = [LiveServer(serving(server), server, free_port(), env) for server in KEEPING_ALIVE]
    try:
        with ThreadPoolExecutor(max_workers=len(lives)) as pool:
            list(pool.map(LiveServer.start, lives))
            idle = dict(zip(KEEPING_ALIVE, pool.map(idle_for, lives), strict=True))
    finally:
        for live in lives:
            live.stop()
    assert all(KEEP_ALIVE - 1 < seconds < KEEP_ALIVE + 3 for seconds in idle.values()), idle


KEPT = 20  # kept-alive connections at once, each idle between its requests


@pytest.mark.parametrize("server", EVERY_SERVER)
def test_many_idle_connections_are_kept_alive(server: str, schema_url: str) -> None:
    """Clients that each hold a connection open (a pool, a proxy, the benchmark's wrk) keep
    them: twenty at once, and no answer says the server will close its connection
    (Cheroot's default said so on every one past the tenth). Whether a connection is still
    open later is left out: on a loaded machine twenty requests can outlast KEEP_ALIVE."""
    env = {"DATABASE_URL": schema_url, "DATABASE_POOL_SIZE": "1"}
    with LiveServer(serving(server), server, free_port(), env) as live, ExitStack() as held:
        clients = [
            held.enter_context(httpx.Client(base_url=live.url, timeout=10)) for _ in range(KEPT)
        ]
        answers = [client.get("/health") for client in clients]
    closing = [
        i
        for i, answer in enumerate(answers)
        if answer.headers.get("connection", "").lower() == "close"
    ]
    assert closing == [], f"{len(closing)} of {KEPT} connections closed after their answer"
