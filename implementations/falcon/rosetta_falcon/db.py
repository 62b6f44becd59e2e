"""The shared `users` table through psycopg 3 and plain SQL; the schema itself lives in db/."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from .problems import UserNotFound, integrity_problem
from .settings import Settings

Connection = psycopg.AsyncConnection[DictRow]


class Database:
    """The connection pool, opened and closed with the app: Falcon calls the
    `process_startup` and `process_shutdown` of its middleware on the ASGI lifespan
    events. Resources receive this object when the app is wired."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: AsyncConnectionPool[Connection] | None = None

    async def process_startup(self, scope: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        timeout = self.settings.database_connect_timeout
        self._pool = AsyncConnectionPool(
            self.settings.database_url,
            connection_class=Connection,
            kwargs={"row_factory": dict_row, "connect_timeout": round(timeout)},
            min_size=self.settings.database_pool_size,
            max_size=self.settings.database_pool_size,
            # A connection is checked as it is handed out; one broken while the database
            # was away is replaced.
            check=AsyncConnectionPool.check_connection,
            timeout=timeout,
            # Retry lost connections in the background for no longer than a request waits;
            # after that a request asks for a fresh one, so the pool recovers as soon as
            # the database is back instead of after a long backoff.
            reconnect_timeout=timeout,
            open=False,
        )
        # Not waiting: the app starts (and answers 503) while the database is down.
        await self._pool.open(wait=False)

    async def process_shutdown(self, scope: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        if self._pool is not None:
            await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """One transaction; a constraint the database rejects becomes a problem here."""
        assert self._pool is not None, "the ASGI lifespan has not started"
        try:
            async with self._pool.connection() as conn:
                yield conn
        except psycopg.errors.IntegrityError as exc:
            raise integrity_problem(exc) from exc

    async def ping(self) -> None:
        async with self.transaction() as conn:
            await conn.execute("SELECT 1")

    async def list_users(
        self, *, limit: int, offset: int, email: str | None
    ) -> tuple[list[DictRow], int]:
        where = sql.SQL("WHERE lower(email) = lower(%(email)s)" if email is not None else "")
        values = {"email": email, "limit": limit, "offset": offset}
        async with self.transaction() as conn:
            count = await conn.execute(
                sql.SQL("SELECT count(*) AS total FROM users {}").format(where), values
            )
            total: int = (await count.fetchone() or {"total": 0})["total"]
            page = await conn.execute(
                sql.SQL(
                    "SELECT id, email, name, created_at, updated_at FROM users {}"
                    " ORDER BY id LIMIT %(limit)s OFFSET %(offset)s"
                ).format(where),
                values,
            )
            return await page.fetchall(), total

    async def create_user(self, *, email: str, name: str) -> DictRow:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO users (email, name) VALUES (%s, %s)"
                " RETURNING id, email, name, created_at, updated_at",
                (email, name),
            )
            row = await cursor.fetchone()
        assert row is not None
        return row

    async def get_user(self, user_id: int) -> DictRow:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "SELECT id, email, name, created_at, updated_at FROM users WHERE id = %s",
                (user_id,),
            )
            row = await cursor.fetchone()
        if row is None:
            raise UserNotFound(user_id)
        return row

    async def update_user(
        self, user_id: int, *, email: str | None = None, name: str | None = None
    ) -> DictRow:
        """Members given as None are left alone (null is never a valid value); the trigger
        keeps updated_at when nothing changes."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE users"
                " SET email = coalesce(%(email)s, email), name = coalesce(%(name)s, name)"
                " WHERE id = %(id)s RETURNING id, email, name, created_at, updated_at",
                {"id": user_id, "email": email, "name": name},
            )
            row = await cursor.fetchone()
        if row is None:
            raise UserNotFound(user_id)
        return row

    async def delete_user(self, user_id: int) -> None:
        async with self.transaction() as conn:
            cursor = await conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
        if cursor.rowcount == 0:
            raise UserNotFound(user_id)
