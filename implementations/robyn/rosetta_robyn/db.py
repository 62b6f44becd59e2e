"""The shared `users` table through asyncpg and plain SQL; the schema itself lives in db/."""

import asyncpg  # type: ignore[import-untyped]
from msgspec import UNSET, UnsetType

from .problems import UserNotFoundError
from .schemas import UserCreate, UserPublic, UserUpdate
from .settings import Settings

COLUMNS = "id, email, name, created_at, updated_at"


async def create_pool(settings: Settings) -> asyncpg.Pool:
    """Opened inside the server's event loop, which asyncpg binds the pool to."""
    return await asyncpg.create_pool(
        settings.database_url,
        # Connections are opened on demand, so the app starts (and answers 503) while the
        # database is away; the pool replaces connections the server has closed.
        min_size=0,
        max_size=settings.database_pool_size,
        timeout=settings.database_connect_timeout,
    )


async def ping(pool: asyncpg.Pool) -> None:
    await pool.execute("SELECT 1")


async def list_users(
    pool: asyncpg.Pool, *, limit: int, offset: int, email: str | None
) -> tuple[list[UserPublic], int]:
    where = "$1::text IS NULL OR lower(email) = lower($1)"
    # One snapshot for both statements, so that `total` counts the rows the page is cut from.
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        total = await conn.fetchval(f"SELECT count(*) FROM users WHERE {where}", email)
        rows = await conn.fetch(
            f"SELECT {COLUMNS} FROM users WHERE {where} ORDER BY id LIMIT $2 OFFSET $3",
            email,
            limit,
            offset,
        )
    return [UserPublic.from_row(row) for row in rows], total


async def create_user(pool: asyncpg.Pool, user: UserCreate) -> UserPublic:
    row = await pool.fetchrow(
        f"INSERT INTO users (email, name) VALUES ($1, $2) RETURNING {COLUMNS}",
        user.email,
        user.name,
    )
    return UserPublic.from_row(row)


async def get_user(pool: asyncpg.Pool, user_id: int) -> UserPublic:
    row = await pool.fetchrow(f"SELECT {COLUMNS} FROM users WHERE id = $1", user_id)
    if row is None:
        raise UserNotFoundError(user_id)
    return UserPublic.from_row(row)


async def update_user(pool: asyncpg.Pool, user_id: int, changes: UserUpdate) -> UserPublic:
    # NULL keeps the stored value; the trigger leaves updated_at alone when nothing changes.
    row = await pool.fetchrow(
        "UPDATE users SET email = coalesce($2, email), name = coalesce($3, name)"
        f" WHERE id = $1 RETURNING {COLUMNS}",
        user_id,
        sent(changes.email),
        sent(changes.name),
    )
    if row is None:
        raise UserNotFoundError(user_id)
    return UserPublic.from_row(row)


async def delete_user(pool: asyncpg.Pool, user_id: int) -> None:
    if await pool.fetchval("DELETE FROM users WHERE id = $1 RETURNING id", user_id) is None:
        raise UserNotFoundError(user_id)


def sent(value: str | UnsetType) -> str | None:
    """A member that was not sent is NULL to SQL (null itself is never a valid value)."""
    return None if value is UNSET else value
