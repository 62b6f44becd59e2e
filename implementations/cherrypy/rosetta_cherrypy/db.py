"""The shared `users` table through psycopg 3 and plain SQL; the schema itself lives in db/."""

from collections.abc import Mapping
from typing import Any, TypeVar

import psycopg
from psycopg import IsolationLevel
from psycopg.abc import PQGen
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from .problems import UserNotFoundError
from .settings import Settings

COLUMNS = "id, email, name, created_at, updated_at"
RV = TypeVar("RV")


class BoundedConnection(psycopg.Connection[DictRow]):
    """A psycopg connection whose every wait on the server ends within `bound` seconds.
    libpq has no client-side timeout, and PostgreSQL's statement_timeout cannot fire when
    the server is frozen or the link holds the bytes; the bound is a second past the
    server's own timeout, so that a slow statement is cancelled by the server (and the
    connection kept) and only a server that does not answer reaches it. The command is
    then still in flight, so the connection is closed: the pool does not take it back."""

    bound = 6.0

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        try:
            return super().wait(gen, interval, self.bound if timeout is None else timeout)
        except psycopg.OperationalError:
            if self.info.transaction_status == TransactionStatus.ACTIVE:  # still in flight
                self.close()
            raise


Pool = ConnectionPool[BoundedConnection]


def create_pool(settings: Settings) -> Pool:
    """psycopg_pool's pool in autocommit mode: a single statement is its own transaction,
    with no BEGIN and COMMIT around it. No check as a connection is handed out: one broken
    while the database was away fails its statement, and the pool discards it when it comes
    back. Opened at once, without waiting for its connections: the app starts (and answers
    503) while the database is away."""
    timeout = settings.database_connect_timeout
    statement_timeout_ms = round(settings.database_statement_timeout * 1000)

    def configure(conn: BoundedConnection) -> None:
        conn.bound = settings.database_statement_timeout + 1.0

    kwargs: dict[str, Any] = {
        "autocommit": True,
        "row_factory": dict_row,
        "connect_timeout": round(timeout),
        # PostgreSQL's own bound on each statement, sent in the startup packet.
        "options": f"-c statement_timeout={statement_timeout_ms}",
    }
    return ConnectionPool(
        settings.database_url,
        connection_class=BoundedConnection,
        kwargs=kwargs,
        configure=configure,
        min_size=settings.database_pool_size,
        max_size=settings.database_pool_size,
        timeout=timeout,
        # Retry lost connections in the background for no longer than a request waits;
        # after that a request asks for a fresh one, so the pool recovers as soon as the
        # database is back instead of after a long backoff.
        reconnect_timeout=timeout,
        open=False,
    )


def ping(pool: Pool) -> None:
    with pool.connection() as conn:
        conn.execute("SELECT 1")


def list_users(
    pool: Pool, *, limit: int, offset: int, email: str | None
) -> tuple[list[DictRow], int]:
    where = "%(email)s::text IS NULL OR lower(email) = lower(%(email)s)"
    values = {"email": email, "limit": limit, "offset": offset}
    with pool.connection() as conn:
        # One snapshot for both statements, so that `total` counts the rows the page is cut
        # from: the characteristics of the transactions psycopg starts (no round trip).
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            counted = conn.execute(f"SELECT count(*) FROM users WHERE {where}", values).fetchone()
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM users WHERE {where}"
                " ORDER BY id LIMIT %(limit)s OFFSET %(offset)s",
                values,
            ).fetchall()
    assert counted is not None
    total: int = counted["count"]
    return rows, total


def create_user(pool: Pool, user: Mapping[str, str]) -> DictRow:
    with pool.connection() as conn:
        row = conn.execute(
            f"INSERT INTO users (email, name) VALUES (%(email)s, %(name)s) RETURNING {COLUMNS}",
            user,
        ).fetchone()
    assert row is not None
    return row


def get_user(pool: Pool, user_id: int) -> DictRow:
    with pool.connection() as conn:
        row = conn.execute(f"SELECT {COLUMNS} FROM users WHERE id = %s", (user_id,)).fetchone()
    if row is None:
        raise UserNotFoundError(user_id)
    return row


def update_user(pool: Pool, user_id: int, changes: Mapping[str, str]) -> DictRow:
    # A member not sent is NULL, which keeps the stored value (null itself is never valid);
    # the trigger leaves updated_at alone when nothing changes.
    with pool.connection() as conn:
        row = conn.execute(
            "UPDATE users SET email = coalesce(%s, email), name = coalesce(%s, name)"
            f" WHERE id = %s RETURNING {COLUMNS}",
            (changes.get("email"), changes.get("name"), user_id),
        ).fetchone()
    if row is None:
        raise UserNotFoundError(user_id)
    return row


def delete_user(pool: Pool, user_id: int) -> None:
    with pool.connection() as conn:
        cursor = conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
    if cursor.rowcount == 0:
        raise UserNotFoundError(user_id)
