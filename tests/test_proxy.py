"""The conformance suite's TCP proxy: a cut must end the connections at Postgres too, or
every implementation keeps its old pool open beside the new one after the 503 test; it
counts round trips (ReadyForQuery messages) exactly, however the bytes are split; and its
database faults look to a driver exactly as the real ones do (a refused startup, a
terminated session idle or busy, a stall that holds bytes and then passes them on)."""

import asyncio
import struct
import threading
import time
from collections.abc import Callable

import asyncpg  # type: ignore[import-untyped]
import psycopg
import pytest

from conformance.proxy import (
    ADMIN_SHUTDOWN,
    CANNOT_CONNECT_NOW,
    CRASH_SHUTDOWN,
    GSSENC_REQUEST,
    SSL_REQUEST,
    Framing,
    RoundTrips,
    TcpProxy,
)
from rosetta.database import admin_url


def test_cut_closes_the_connection_at_both_ends() -> None:
    proxy = TcpProxy.to_database(admin_url())
    with proxy, psycopg.connect(proxy.route(admin_url()), autocommit=True) as conn:
        pid = conn.info.backend_pid
        proxy.cut()
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")

    with psycopg.connect(admin_url(), autocommit=True) as admin:
        deadline = time.monotonic() + 5
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} still open after the cut"
            time.sleep(0.05)


@pytest.mark.parametrize(
    ("url", "routed"),
    [
        ("postgresql://app:p%40ss@db.example:6432/users", "postgresql://app:p%40ss@{at}/users"),
        ("postgresql://app@db.example/users?sslmode=disable", "postgresql://app@{at}/users?sslmode=disable"),
        ("postgresql://db.example/users", "postgresql://{at}/users"),
    ],
)  # fmt: skip
def test_a_routed_url_keeps_its_credentials(url: str, routed: str) -> None:
    """A starter's own tests run against a server with a password (its compose PostgreSQL)."""
    with TcpProxy(("db.example", 5432)) as proxy:
        host, port = proxy.address
        assert proxy.route(url) == routed.format(at=f"{host}:{port}")


@pytest.mark.parametrize("sslmode", ["disable", "prefer"])  # prefer: an SSLRequest, refused
def test_round_trips_are_counted_exactly(sslmode: str) -> None:
    proxy = TcpProxy.to_database(admin_url())
    with proxy, psycopg.connect(proxy.route(admin_url()), autocommit=True, sslmode=sslmode) as conn:
        assert proxy.round_trips.count == 1  # the startup ends with a ReadyForQuery
        for _ in range(3):
            conn.execute("SELECT 1")
        assert proxy.round_trips.count == 4
        proxy.round_trips.reset()
        conn.execute("SELECT 'Z'")
        assert proxy.round_trips.settle() == 1
        assert proxy.round_trips.unreadable == 0


def test_every_connection_is_counted_once_as_opened() -> None:
    """The round-trip checks measure again a request during which a connection opened."""
    proxy = TcpProxy.to_database(admin_url())
    with proxy:
        for opened in (1, 2):
            with psycopg.connect(proxy.route(admin_url()), autocommit=True) as conn:
                for _ in range(3):
                    conn.execute("SELECT 1")
            assert proxy.round_trips.opened == opened


def packet(code: int, payload: bytes = b"") -> bytes:
    """An untyped packet of the client's opening: length, code, payload."""
    return struct.pack("!ii", 8 + len(payload), code) + payload


def message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", 4 + len(body)) + body


CLIENT = packet(GSSENC_REQUEST), packet(SSL_REQUEST), packet(3 << 16, b"user\0ada\0\0")
# Both negotiations refused, startup, then `SELECT 'Z'` twice, with a ReadyForQuery in a row.
SERVER = b"".join(
    [
        b"N",
        b"N",
        message(b"R", struct.pack("!i", 0)),
        message(b"S", b"TimeZone\0UTC\0"),
        message(b"K", struct.pack("!ii", 42, 7)),
        message(b"Z", b"I"),
        *2
        * [message(b"T", b"..."), message(b"D", message(b"Z", b"I")), message(b"C", b"SELECT 1\0")],
        message(b"Z", b"I"),
        message(b"Z", b"I"),
        message(b"n"),  # NoData: an empty body
    ]
)


def counted(server_reads: list[bytes]) -> RoundTrips:
    round_trips = RoundTrips()
    framing = Framing(round_trips)
    for data in CLIENT:  # the client's side speaks first, one packet at a time
        framing.from_client(data)
    for data in server_reads:
        framing.from_server(data)
    return round_trips


@pytest.mark.parametrize("size", [1, 2, 3, 5, 6, 7, 64], ids=lambda size: f"reads-of-{size}")
def test_round_trips_are_counted_across_split_reads(size: int) -> None:
    reads = [SERVER[i : i + size] for i in range(0, len(SERVER), size)]
    assert counted(reads).count == 3


def test_round_trips_are_counted_at_every_split_point() -> None:
    for cut in range(len(SERVER) + 1):
        assert counted([SERVER[:cut], SERVER[cut:]]).count == 3, f"split at byte {cut}"


def test_round_trips_of_an_encrypted_connection_are_reported_unreadable() -> None:
    round_trips = RoundTrips()
    framing = Framing(round_trips)
    framing.from_client(packet(SSL_REQUEST))
    framing.from_server(b"S" + message(b"Z", b"I"))  # TLS bytes, whatever they look like
    assert (round_trips.count, round_trips.unreadable) == (0, 1)


# asyncpg names the error by its SQLSTATE, which is what the implementations map to 503.
REFUSALS = {
    ADMIN_SHUTDOWN: asyncpg.AdminShutdownError,
    CRASH_SHUTDOWN: asyncpg.CrashShutdownError,
    CANNOT_CONNECT_NOW: asyncpg.CannotConnectNowError,
}


@pytest.mark.parametrize("sqlstate", REFUSALS)
def test_refused_connections_get_the_sqlstate(sqlstate: str) -> None:
    proxy = TcpProxy.to_database(admin_url())
    with proxy:
        proxy.refuse(sqlstate)
        with pytest.raises(REFUSALS[sqlstate]):
            asyncio.run(asyncpg.connect(proxy.route(admin_url()), ssl="prefer"))
        # libpq negotiates SSL first (refused), then is refused its startup.
        with pytest.raises(psycopg.OperationalError, match="FATAL"):
            psycopg.connect(proxy.route(admin_url()), sslmode="prefer")
        proxy.restore()
        with psycopg.connect(proxy.route(admin_url())) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


def terminated(conn: psycopg.Connection[object], terminate: Callable[[], None]) -> BaseException:
    """What a query on `conn` raises when `terminate` ends its session while it runs."""
    timer = threading.Timer(0.3, terminate)
    timer.start()
    try:
        conn.execute("SELECT pg_sleep(5)")
    except psycopg.Error as exc:
        return exc
    finally:
        timer.join()
    raise AssertionError("the query was not interrupted")


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy"])
def test_terminate_ends_a_session_as_postgres_does(busy: bool) -> None:
    """The proxy's terminate and pg_terminate_backend give the client the same error."""
    proxy = TcpProxy.to_database(admin_url())
    with (
        proxy,
        psycopg.connect(proxy.route(admin_url()), autocommit=True) as through,
        psycopg.connect(admin_url(), autocommit=True) as direct,
        psycopg.connect(admin_url(), autocommit=True) as admin,
    ):

        def real() -> None:
            admin.execute("SELECT pg_terminate_backend(%s)", (direct.info.backend_pid,))

        errors = []
        for conn, terminate in ((through, proxy.terminate), (direct, real)):
            if busy:
                errors.append(terminated(conn, terminate))
                continue
            terminate()
            time.sleep(0.2)
            with pytest.raises(psycopg.Error) as caught:
                conn.execute("SELECT 1")
            errors.append(caught.value)
        ours, theirs = errors
        assert type(ours) is type(theirs) is psycopg.errors.AdminShutdown
        assert ours.sqlstate == theirs.sqlstate == ADMIN_SHUTDOWN


def test_stall_holds_bytes_until_restored() -> None:
    proxy = TcpProxy.to_database(admin_url())
    with proxy, psycopg.connect(proxy.route(admin_url()), autocommit=True) as conn:
        proxy.stall()
        answers: list[object] = []
        query = threading.Thread(
            target=lambda: answers.append(conn.execute("SELECT 42").fetchone())
        )
        query.start()
        query.join(0.5)
        assert query.is_alive(), "the query was answered through a stalled proxy"
        started = time.monotonic()
        with pytest.raises(psycopg.errors.ConnectionTimeout):
            psycopg.connect(proxy.route(admin_url()), connect_timeout=1)
        assert time.monotonic() - started >= 1  # timed out, not refused
        proxy.restore()
        query.join(5)
        assert answers == [(42,)]  # held, not lost
