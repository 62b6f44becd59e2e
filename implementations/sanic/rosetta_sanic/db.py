"""The shared `users` table through Tortoise ORM; the schema itself lives in db/."""

from typing import Any

from sanic import DefaultSanic
from tortoise import fields
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.contrib.sanic import register_tortoise
from tortoise.expressions import Value
from tortoise.fields.db_defaults import Now
from tortoise.functions import Lower
from tortoise.models import Model
from tortoise.transactions import in_transaction

from .problems import UserNotFoundError
from .settings import Settings


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
        "timeout": settings.database_connect_timeout,  # asyncpg's connect timeout
    }
    config = {
        "connections": {
            "default": {"engine": "tortoise.backends.asyncpg", "credentials": credentials}
        },
        "apps": {"users": {"models": [__name__], "default_connection": "default"}},
    }
    register_tortoise(app, config=config, generate_schemas=False)


async def ping() -> None:
    await get_connection("default").execute_query("SELECT 1")


async def list_users(*, limit: int, offset: int, email: str | None) -> tuple[list[User], int]:
    # One transaction, so one connection, for both statements: Tortoise's in_transaction()
    # takes no isolation level, so each reads its own snapshot (READ COMMITTED).
    async with in_transaction():
        query = User.all()
        if email is not None:
            # lower() on both sides, as the unique index compares (Tortoise's iexact uses
            # upper()). Lower's signature leaves out Value, Tortoise's own expression.
            email_lower = Lower(Value(email))  # type: ignore[arg-type]
            query = query.annotate(email_lower=Lower("email")).filter(email_lower=email_lower)
        total = await query.count()
        users = await query.order_by("id").offset(offset).limit(limit)
    return users, total


async def create_user(values: dict[str, Any]) -> User:
    return await User.create(**values)


async def get_user(user_id: int) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


async def update_user(user_id: int, changes: dict[str, Any]) -> User:
    # Tortoise's update() answers a row count, with no RETURNING: the row is read after it.
    # Two statements, no in_transaction() (it would add BEGIN and COMMIT).
    if changes:
        await User.filter(id=user_id).update(**changes)
    return await get_user(user_id)


async def delete_user(user_id: int) -> None:
    if not await User.filter(id=user_id).delete():
        raise UserNotFoundError(user_id)
