"""The shared `users` table through psycopg 3 and plain SQL; the schema itself lives in db/."""

from collections.abc import Mapping

import psycopg
from psycopg import IsolationLevel
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from .problems import UserNotFoundError
from .settings import Settings

COLUMNS = "id, email, name, created_at, updated_at"
Connection = psycopg.AsyncConnection[DictRow]
Pool = AsyncConnectionPool[Connection]


def create_pool(settings: Settings) -> Pool:
    """Not open yet: the server opens it in its event loop and closes it as it stops
    (__main__.serve)."""
    timeout = settings.database_connect_timeout
    statement_timeout = round(settings.database_statement_timeout * 1000)
    return AsyncConnectionPool(
        settings.database_url,
        connection_class=Connection,
        # Autocommit: a single statement is its own transaction, with no BEGIN and COMMIT
        # around it. No check as a connection is handed out: one broken while the database
        # was away fails its statement, and the pool discards it when it comes back. The
        # statement timeout travels in the startup packet (no round trip of its own).
        kwargs={
            "autocommit": True,
            "row_factory": dict_row,
            "connect_timeout": round(timeout),
            "options": f"-c statement_timeout={statement_timeout}",
        },
        min_size=settings.database_pool_size,
        max_size=settings.database_pool_size,
        timeout=timeout,
        # Retry lost connections in the background for no longer than a request waits;
        # after that a request asks for a fresh one, so the pool recovers as soon as the
        # database is back instead of after a long backoff.
        reconnect_timeout=timeout,
        open=False,
    )


async def ping(pool: Pool) -> None:
    async with pool.connection() as conn:
        await conn.execute("SELECT 1")


async def list_users(
    pool: Pool, *, limit: int, offset: int, email: str | None
) -> tuple[list[DictRow], int]:
    where = "%(email)s::text IS NULL OR lower(email) = lower(%(email)s)"
    values = {"email": email, "limit": limit, "offset": offset}
    async with pool.connection() as conn:
        # One snapshot for both statements, so that `total` counts the rows the page is cut
        # from: the characteristics of the transactions psycopg starts (no round trip).
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        await conn.set_read_only(True)
        async with conn.transaction():
            cursor = await conn.execute(f"SELECT count(*) FROM users WHERE {where}", values)
            counted = await cursor.fetchone()
            cursor = await conn.execute(
                f"SELECT {COLUMNS} FROM users WHERE {where}"
                " ORDER BY id LIMIT %(limit)s OFFSET %(offset)s",
                values,
            )
            rows = await cursor.fetchall()
    assert counted is not None
    total: int = counted["count"]
    return rows, total


async def create_user(pool: Pool, user: Mapping[str, str]) -> DictRow:
    async with pool.connection() as conn:
        cursor = await conn.execute(
            f"INSERT INTO users (email, name) VALUES (%(email)s, %(name)s) RETURNING {COLUMNS}",
            user,
        )
        row = await cursor.fetchone()
    assert row is not None
    return row


async def get_user(pool: Pool, user_id: int) -> DictRow:
    async with pool.connection() as conn:
        cursor = await conn.execute(f"SELECT {COLUMNS} FROM users WHERE id = %s", (user_id,))
        row = await cursor.fetchone()
    if row is None:
        raise UserNotFoundError(user_id)
    return row


async def update_user(pool: Pool, user_id: int, changes: Mapping[str, str]) -> DictRow:
    # A member not sent is NULL, which keeps the stored value (null itself is never valid);
    # the trigger leaves updated_at alone when nothing changes.
    async with pool.connection() as conn:
        cursor = await conn.execute(
            "UPDATE users SET email = coalesce(%s, email), name = coalesce(%s, name)"
            f" WHERE id = %s RETURNING {COLUMNS}",
            (changes.get("email"), changes.get("name"), user_id),
        )
        row = await cursor.fetchone()
    if row is None:
        raise UserNotFoundError(user_id)
    return row


async def delete_user(pool: Pool, user_id: int) -> None:
    async with pool.connection() as conn:
        cursor = await conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
    if cursor.rowcount == 0:
        raise UserNotFoundError(user_id)
