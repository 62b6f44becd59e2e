"""The shared `users` table through Tortoise ORM (the list in one SQL statement through
Tortoise's connection); the schema itself lives in db/."""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from sanic import DefaultSanic
from tortoise import fields
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import connections, get_connection
from tortoise.contrib.sanic import register_tortoise
from tortoise.fields.db_defaults import Now
from tortoise.models import Model

from .problems import UserNotFoundError
from .settings import Settings

COLUMNS = ("id", "email", "name", "created_at", "updated_at")
MATCHES = "$1::text IS NULL OR lower(email) = lower($1)"  # lower(), as the unique index compares
LIST_USERS = f"""
SELECT counted.total, page.*
FROM (SELECT count(*) AS total FROM users WHERE {MATCHES}) AS counted
LEFT JOIN (
    SELECT {", ".join(COLUMNS)} FROM users WHERE {MATCHES} ORDER BY id LIMIT $2 OFFSET $3
) AS page ON true
ORDER BY page.id
"""
P = ParamSpec("P")
T = TypeVar("T")


class User(Model):
    """Mapped onto the table of db/schema.sql; Tortoise never generates it."""

    id = fields.BigIntField(primary_key=True)
    email = fields.TextField()
    name = fields.TextField()
    # Set by the database (defaults and triggers); an INSERT brings them back with RETURNING.
    created_at = fields.DatetimeField(db_default=Now())
    updated_at = fields.DatetimeField(db_default=Now())

    class Meta:
        table = "users"


def register(app: DefaultSanic, settings: Settings) -> None:
    """Tortoise's own Sanic integration: init in `before_server_start`, close in
    `after_server_stop` (under ASGI, the lifespan's startup and shutdown)."""
    credentials = expand_db_url(settings.database_url)["credentials"]
    # The pool is created on the first query, not here: the app starts without a database.
    credentials |= {
        "minsize": 1,
        "maxsize": settings.database_pool_size,
        # asyncpg's bounds on opening a connection and on each statement.
        "timeout": settings.database_connect_timeout,
        "command_timeout": settings.database_statement_timeout,
    }
    config = {
        "connections": {
            "default": {"engine": "tortoise.backends.asyncpg", "credentials": credentials}
        },
        "apps": {"users": {"models": [__name__], "default_connection": "default"}},
    }
    register_tortoise(app, config=config, generate_schemas=False)


def bounded(work: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """A data function whose caller waits no longer than the connection's command_timeout
    (its wait for a pooled connection included), then gets a TimeoutError (503).

    Tortoise waits for a pooled connection with no timeout (asyncpg takes one per acquire(),
    which Tortoise does not pass), and asyncpg hands a connection whose statement timed out
    back to the pool only once the server has acknowledged the cancel, which a stalled
    server never does. So the work runs as a task of its own, which is cancelled at the
    deadline and cleans up in the background, while the request is answered at once."""

    @functools.wraps(work)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        credentials = connections.db_config["default"]["credentials"]
        task = asyncio.ensure_future(work(*args, **kwargs))
        try:
            async with asyncio.timeout(credentials["command_timeout"]):
                return await asyncio.shield(task)
        except BaseException:  # the deadline passed, or the request itself was cancelled
            task.cancel()
            raise

    return run


@bounded
async def ping() -> None:
    await get_connection("default").execute_query("SELECT 1")


@bounded
async def list_users(*, limit: int, offset: int, email: str | None) -> tuple[list[User], int]:
    """The page and the count of all matches from one statement, so from one snapshot:
    Tortoise's in_transaction() takes no isolation level, and under READ COMMITTED each of
    two statements would read its own. The count is joined to the page, so that a page past
    the end still brings it (one row of NULLs)."""
    rows = await get_connection("default").execute_query_dict(LIST_USERS, [email, limit, offset])
    users = [User(**{name: row[name] for name in COLUMNS}) for row in rows if row["id"] is not None]
    total: int = rows[0]["total"]
    return users, total


@bounded
async def create_user(values: dict[str, Any]) -> User:
    return await User.create(**values)


@bounded
async def get_user(user_id: int) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


@bounded
async def update_user(user_id: int, changes: dict[str, Any]) -> User:
    # Tortoise's update() answers a row count, with no RETURNING: the row is read after it.
    # Two statements, no in_transaction() (it would add BEGIN and COMMIT).
    if changes:
        await User.filter(id=user_id).update(**changes)
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


@bounded
async def delete_user(user_id: int) -> None:
    if not await User.filter(id=user_id).delete():
        raise UserNotFoundError(user_id)
