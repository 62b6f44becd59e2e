"""The shared `users` table through SQLAlchemy 2 async on asyncpg (not created here), with
Litestar's SQLAlchemy plugin."""

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig
from litestar.di import NamedDependency
from sqlalchemy import (
    BigInteger,
    DateTime,
    FetchedValue,
    Identity,
    delete,
    func,
    insert,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .problems import UserNotFoundError
from .settings import Settings


class Base(DeclarativeBase):
    pass


class User(Base):
    """Mapped onto the shared `users` table, whose schema is the database's: metadata is
    never used to create it. The id and the timestamps are the database's too (identity,
    defaults, triggers)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    email: Mapped[str]
    name: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=FetchedValue()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )


def create_engine(settings: Settings) -> AsyncEngine:
    # No pre-ping: a connection broken by an outage fails once, SQLAlchemy takes the error
    # for a disconnect and discards it (and the pool's other connections), and that request
    # is a 503. Every wait is bounded, so that a stalled database is a 503 too: opening a
    # connection, a free one from the pool, and each statement.
    url = make_url(settings.database_url).set(drivername="postgresql+asyncpg")
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=0,
        # A second under the connect timeout: a request that waited for a free connection
        # may then open one itself, and the two waits together stay under the 10 s bound.
        pool_timeout=settings.database_connect_timeout - 1.0,
        connect_args={
            "timeout": settings.database_connect_timeout,
            # asyncpg's own bound on every statement, cancelled on the server when it passes.
            "command_timeout": settings.database_statement_timeout,
        },
    )


def sqlalchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """The plugin disposes of the engine at shutdown (creating it opens no connection) and
    provides a session per request as the `db_session` dependency."""
    return SQLAlchemyAsyncConfig(
        engine_instance=create_engine(settings),
        create_all=False,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # The database's trigger keeps updated_at; the plugin's own listener would overwrite it.
        enable_touch_updated_timestamp_listener=False,
        enable_file_object_listener=False,
        set_default_exception_handler=False,  # problems.py maps every error
    )


async def get_session(db_session: NamedDependency[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """The request's session, in one transaction: committed when the handler returns, before
    the response is sent; rolled back when it raises (an IntegrityError goes on to
    problems.py: a different exception raised here would reach the exception handlers
    wrapped in an ExceptionGroup)."""
    async with db_session.begin():
        yield db_session


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def list_users(
    session: AsyncSession, *, limit: int, offset: int, email: str | None
) -> tuple[Sequence[User], int]:
    """The page and the count of all matches, from one snapshot: the transaction is
    REPEATABLE READ, where every statement sees the snapshot of the first (under READ
    COMMITTED each takes its own, and a row committed in between would be counted and not
    listed, or listed and not counted)."""
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    query = select(User)
    if email is not None:
        query = query.where(func.lower(User.email) == func.lower(email))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    users = (await session.scalars(query.order_by(User.id).limit(limit).offset(offset))).all()
    return users, total or 0


async def create_user(session: AsyncSession, values: dict[str, Any]) -> User:
    return (await session.scalars(insert(User).values(values).returning(User))).one()


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


async def update_user(session: AsyncSession, user_id: int, changes: dict[str, Any]) -> User:
    if not changes:  # `{}` changes nothing, and an UPDATE needs something to set
        return await get_user(session, user_id)
    statement = update(User).where(User.id == user_id).values(changes).returning(User)
    user = await session.scalar(statement)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


async def delete_user(session: AsyncSession, user_id: int) -> None:
    deleted = await session.scalar(delete(User).where(User.id == user_id).returning(User.id))
    if deleted is None:
        raise UserNotFoundError(user_id)
