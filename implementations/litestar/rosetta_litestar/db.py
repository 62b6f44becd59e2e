"""The shared `users` table through SQLAlchemy 2 async and Litestar's SQLAlchemy plugin;
the schema itself lives in db/."""

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from sqlalchemy import BigInteger, DateTime, FetchedValue, Identity, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .settings import Settings


class Base(DeclarativeBase):
    pass


class User(Base):
    """Mapped onto the table of db/schema.sql; metadata is never used to create it."""

    __tablename__ = "users"
    # Timestamps are the database's (defaults and triggers); RETURNING brings them back.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    email: Mapped[str]
    name: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=FetchedValue()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )


def sqlalchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """The plugin owns the engine (created at startup, disposed at shutdown) and provides a
    session per request as the `db_session` dependency."""
    timeout = settings.database_connect_timeout
    return SQLAlchemyAsyncConfig(
        connection_string=settings.database_url.replace(
            "postgresql://", "postgresql+asyncpg://", 1
        ),
        create_all=False,
        engine_config=EngineConfig(
            pool_size=settings.database_pool_size,
            max_overflow=0,
            pool_pre_ping=True,  # connections broken while the database was away are replaced
            pool_timeout=timeout,
            connect_args={"timeout": timeout},
        ),
        session_config=AsyncSessionConfig(expire_on_commit=False),
        # The database's trigger keeps updated_at; the plugin's own listener would overwrite it.
        enable_touch_updated_timestamp_listener=False,
        enable_file_object_listener=False,
        set_default_exception_handler=False,  # problems.py maps every error
    )


async def provide_transaction(
    db_session: NamedDependency[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back when it
    raises. The IntegrityError goes on to problems.py, which makes it a 409 (a different
    exception raised here would reach the exception handlers wrapped in an ExceptionGroup)."""
    async with db_session.begin():
        yield db_session


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def list_users(
    session: AsyncSession, *, limit: int, offset: int, email: str | None
) -> tuple[Sequence[User], int]:
    query = select(User)
    if email is not None:
        query = query.where(func.lower(User.email) == func.lower(email))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    users = await session.scalars(query.order_by(User.id).limit(limit).offset(offset))
    return users.all(), total or 0


async def create_user(session: AsyncSession, values: dict[str, Any]) -> User:
    user = User(**values)
    session.add(user)
    await session.flush()
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFoundException(f"No user has the id {user_id}.")
    return user


async def update_user(session: AsyncSession, user_id: int, changes: dict[str, Any]) -> User:
    user = await get_user(session, user_id)
    for field, value in changes.items():
        setattr(user, field, value)
    await session.flush()
    return user


async def delete_user(session: AsyncSession, user_id: int) -> None:
    await session.delete(await get_user(session, user_id))
    await session.flush()
