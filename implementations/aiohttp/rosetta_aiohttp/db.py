"""The shared `users` table through Piccolo; the schema itself lives in db/ (Piccolo's
migrations are never run, and no `create_table` either)."""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast

from piccolo.columns import BigSerial, Column, Text, Timestamptz
from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.string import Lower
from piccolo.querystring import QueryString
from piccolo.table import Table

from .problems import UserNotFoundError
from .schemas import UNSET, UserCreate, UserPublic, UserUpdate
from .settings import Settings

P = ParamSpec("P")
T = TypeVar("T")


class User(Table, tablename="users"):
    """The table as db/schema.sql declares it. Piccolo writes every column on insert (the id
    as DEFAULT, the timestamps from the client's clock); the table's trigger sets both
    timestamps from the database's clock whatever is sent."""

    id = BigSerial(primary_key=True)
    email = Text()
    name = Text()
    created_at = Timestamptz()
    updated_at = Timestamptz()


def create_engine(settings: Settings) -> PostgresEngine:
    """The engine for these settings, bound to the table.

    Piccolo finds a table's engine on the class, given with `db=` when the class is defined
    or looked up in a `piccolo_conf` module (which would read the environment at import), so
    the engine built here from the settings is set on `User._meta.db`. Building it also
    checks the server's version over a connection of its own (a warning if it cannot)."""
    engine = PostgresEngine(
        # asyncpg's connect arguments, for the pool's connections too.
        config={
            "dsn": settings.database_url,
            "timeout": settings.database_connect_timeout,
            "command_timeout": settings.database_statement_timeout,
        }
    )
    User._meta.db = engine
    return engine


def bounded(work: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """A data function whose caller waits no longer than the connection's command_timeout
    (its wait for a pooled connection included), then gets a TimeoutError (503).

    Piccolo waits for a pooled connection with no timeout (asyncpg takes one per acquire(),
    which Piccolo does not pass), and asyncpg hands a connection whose statement timed out
    back to the pool only once the server has acknowledged the cancel, which a stalled
    server never does. So the work runs as a task of its own, which is cancelled at the
    deadline and cleans up in the background, while the request is answered at once."""

    @functools.wraps(work)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        deadline = cast(PostgresEngine, User._meta.db).config["command_timeout"]
        task = asyncio.ensure_future(work(*args, **kwargs))
        try:
            async with asyncio.timeout(deadline):
                return await asyncio.shield(task)
        except BaseException:  # the deadline passed, or the request itself was cancelled
            task.cancel()
            raise

    return run


@bounded
async def ping() -> None:
    await User.raw("SELECT 1")


def matching(email: str | None) -> list[Any]:
    """The listUsers filter: lower(email) = lower($1), the expression of the unique index."""
    return [] if email is None else [Lower(User.email) == Lower(email)]


@bounded
async def list_users(*, limit: int, offset: int, email: str | None) -> tuple[list[UserPublic], int]:
    # The page and the total in one statement, so from one snapshot: COUNT(*) OVER () (a
    # Piccolo transaction cannot be opened REPEATABLE READ). An empty page carries no total,
    # and asks for it.
    rows = await (
        User.select(*User.all_columns(), QueryString("count(*) OVER ()").as_alias("total"))
        .where(*matching(email))
        .order_by(User.id)
        .limit(limit)
        .offset(offset)
    )
    total = rows[0]["total"] if rows else await User.count().where(*matching(email))
    return [UserPublic.from_row(row) for row in rows], total


@bounded
async def create_user(user: UserCreate) -> UserPublic:
    row, *_ = await User.insert(User(email=user.email, name=user.name)).returning(
        *User.all_columns()
    )
    return UserPublic.from_row(row)


@bounded
async def get_user(user_id: int) -> UserPublic:
    row = await User.select(*User.all_columns()).where(User.id == user_id).first()
    if row is None:
        raise UserNotFoundError(user_id)
    return UserPublic.from_row(row)


@bounded
async def update_user(user_id: int, changes: UserUpdate) -> UserPublic:
    values: dict[Column | str, Any] = {
        column: value
        for column, value in ((User.email, changes.email), (User.name, changes.name))
        if value is not UNSET
    }
    if not values:
        return await get_user(user_id)  # nothing to write: the row as it is
    # SET only what was sent; the trigger leaves updated_at alone when nothing changes.
    rows = await User.update(values).where(User.id == user_id).returning(*User.all_columns())
    if not rows:
        raise UserNotFoundError(user_id)
    return UserPublic.from_row(rows[0])


@bounded
async def delete_user(user_id: int) -> None:
    if not await User.delete().where(User.id == user_id).returning(User.id):
        raise UserNotFoundError(user_id)
