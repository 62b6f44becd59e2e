"""The shared `users` table through asyncpg and plain SQL; the schema itself lives in db/."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]
from msgspec import UNSET, UnsetType

from .problems import UserNotFoundError
from .schemas import UserCreate, UserPublic, UserUpdate
from .settings import Settings

COLUMNS = "id, email, name, created_at, updated_at"


class Pool:
    """asyncpg's pool with every wait bounded, so that a stalled or unreachable database is a
    503 in seconds: asyncpg takes the bounds on opening a connection (`timeout`) and on each
    statement (`command_timeout`) once for the pool, but the one on waiting for a free
    connection with each `acquire()`, which `connection()` makes. `open()` (in the server's
    event loop, which asyncpg binds the pool to) and `close()`."""

    def __init__(self, settings: Settings) -> None:
        self.acquire_timeout = settings.database_connect_timeout
        self.pool = asyncpg.create_pool(
            settings.database_url,
            # Connections are opened on demand, so the app starts (and answers 503) while the
            # database is away; the pool replaces connections the server has closed.
            min_size=0,
            max_size=settings.database_pool_size,
            timeout=settings.database_connect_timeout,
            command_timeout=settings.database_statement_timeout,
        )

    async def open(self) -> None:
        await self.pool

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
            try:
                yield conn
            except (TimeoutError, asyncpg.InterfaceError):
                # A statement past its timeout (or what a cancelled one leaves: "another
                # operation is cancelling"): asyncpg would hand the connection back only once
                # the server has acknowledged the cancel, and a stalled server never does, so
                # the request would wait as long again. It is dropped instead.
                conn.terminate()
                raise


def create_pool(settings: Settings) -> Pool:
    """Not connected yet: the server's startup handler opens it (app.create_app)."""
    return Pool(settings)


async def ping(pool: Pool) -> None:
    async with pool.connection() as conn:
        await conn.execute("SELECT 1")


async def list_users(
    pool: Pool, *, limit: int, offset: int, email: str | None
) -> tuple[list[UserPublic], int]:
    where = "$1::text IS NULL OR lower(email) = lower($1)"
    # One snapshot for both statements, so that `total` counts the rows the page is cut from.
    async with (
        pool.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        total = await conn.fetchval(f"SELECT count(*) FROM users WHERE {where}", email)
        rows = await conn.fetch(
            f"SELECT {COLUMNS} FROM users WHERE {where} ORDER BY id LIMIT $2 OFFSET $3",
            email,
            limit,
            offset,
        )
    return [UserPublic.from_row(row) for row in rows], total


async def create_user(pool: Pool, user: UserCreate) -> UserPublic:
    async with pool.connection() as conn:
        row = await conn.fetchrow(
            f"INSERT INTO users (email, name) VALUES ($1, $2) RETURNING {COLUMNS}",
            user.email,
            user.name,
        )
    return UserPublic.from_row(row)


async def get_user(pool: Pool, user_id: int) -> UserPublic:
    async with pool.connection() as conn:
        row = await conn.fetchrow(f"SELECT {COLUMNS} FROM users WHERE id = $1", user_id)
    if row is None:
        raise UserNotFoundError(user_id)
    return UserPublic.from_row(row)


async def update_user(pool: Pool, user_id: int, changes: UserUpdate) -> UserPublic:
    # NULL keeps the stored value; the trigger leaves updated_at alone when nothing changes.
    async with pool.connection() as conn:
        row = await conn.fetchrow(
            "UPDATE users SET email = coalesce($2, email), name = coalesce($3, name)"
            f" WHERE id = $1 RETURNING {COLUMNS}",
            user_id,
            sent(changes.email),
            sent(changes.name),
        )
    if row is None:
        raise UserNotFoundError(user_id)
    return UserPublic.from_row(row)


async def delete_user(pool: Pool, user_id: int) -> None:
    async with pool.connection() as conn:
        deleted = await conn.fetchval("DELETE FROM users WHERE id = $1 RETURNING id", user_id)
    if deleted is None:
        raise UserNotFoundError(user_id)


def sent(value: str | UnsetType) -> str | None:
    """A member that was not sent is NULL to SQL (null itself is never a valid value)."""
    return None if value is UNSET else value
