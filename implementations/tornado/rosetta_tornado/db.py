"""The shared `users` table through psycopg 3 and plain SQL; the schema itself lives in db/."""

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Concatenate, ParamSpec, TypeVar

import psycopg
from psycopg import IsolationLevel
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from .problems import UserNotFoundError
from .settings import Settings

COLUMNS = "id, email, name, created_at, updated_at"
Connection = psycopg.AsyncConnection[DictRow]
P = ParamSpec("P")
T = TypeVar("T")


class Pool(AsyncConnectionPool[Connection]):
    """psycopg_pool's pool, and how long a unit of work on it may take (see `bounded`)."""

    def __init__(self, settings: Settings) -> None:
        timeout = settings.database_connect_timeout
        statement_timeout_ms = round(settings.database_statement_timeout * 1000)
        self.deadline = settings.database_statement_timeout
        super().__init__(
            settings.database_url,
            connection_class=Connection,
            # Autocommit: a single statement is its own transaction, with no BEGIN and COMMIT
            # around it. No check as a connection is handed out: one broken while the database
            # was away fails its statement, and the pool discards it when it comes back.
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "connect_timeout": round(timeout),
                # PostgreSQL's own bound on each statement (libpq has none of its own).
                "options": f"-c statement_timeout={statement_timeout_ms}",
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


def create_pool(settings: Settings) -> Pool:
    """Not open yet: the server opens it in its event loop and closes it as it stops
    (__main__.serve)."""
    return Pool(settings)


def bounded(
    work: Callable[Concatenate[Pool, P], Awaitable[T]],
) -> Callable[Concatenate[Pool, P], Awaitable[T]]:
    """A data function whose caller waits no longer than the pool's `deadline` (its wait for
    a connection included), then gets a TimeoutError (503).

    The server's statement_timeout cannot end a wait on a database that stopped answering,
    and cancelling psycopg there is slow: it sends the server a cancel request and waits for
    the statement to end, up to 5 s each, before it closes the connection. So the work runs
    as a task of its own, which is cancelled at the deadline and cleans up in the
    background, while the request is answered at once."""

    @functools.wraps(work)
    async def run(pool: Pool, /, *args: P.args, **kwargs: P.kwargs) -> T:
        task = asyncio.ensure_future(work(pool, *args, **kwargs))
        try:
            async with asyncio.timeout(pool.deadline):
                return await asyncio.shield(task)
        except BaseException:  # the deadline passed, or the request itself was cancelled
            task.cancel()
            raise

    return run


@bounded
async def ping(pool: Pool) -> None:
    async with pool.connection() as conn:
        await conn.execute("SELECT 1")


@bounded
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


@bounded
async def create_user(pool: Pool, user: Mapping[str, str]) -> DictRow:
    async with pool.connection() as conn:
        cursor = await conn.execute(
            f"INSERT INTO users (email, name) VALUES (%(email)s, %(name)s) RETURNING {COLUMNS}",
            user,
        )
        row = await cursor.fetchone()
    assert row is not None
    return row


@bounded
async def get_user(pool: Pool, user_id: int) -> DictRow:
    async with pool.connection() as conn:
        cursor = await conn.execute(f"SELECT {COLUMNS} FROM users WHERE id = %s", (user_id,))
        row = await cursor.fetchone()
    if row is None:
        raise UserNotFoundError(user_id)
    return row


@bounded
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


@bounded
async def delete_user(pool: Pool, user_id: int) -> None:
    async with pool.connection() as conn:
        cursor = await conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
    if cursor.rowcount == 0:
        raise UserNotFoundError(user_id)
