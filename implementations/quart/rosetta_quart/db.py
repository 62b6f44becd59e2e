"""The shared `users` table through SQLAlchemy 2 async; the schema itself lives in db/."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from quart import current_app
from sqlalchemy import BigInteger, DateTime, FetchedValue, Identity, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .problems import UserNotFound
from .settings import Settings

BIGINT_MAX = 2**63 - 1
# Where the app keeps its engine while it is serving (Flask's `app.extensions` registry).
EXTENSION = "sqlalchemy"


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


def create_engine(settings: Settings) -> AsyncEngine:
    # postgresql:// (or postgres://) names the driver asyncpg for SQLAlchemy.
    url = "postgresql+asyncpg://" + settings.database_url.partition("://")[2]
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=0,
        pool_pre_ping=True,  # connections broken while the database was away are replaced
        pool_timeout=settings.database_connect_timeout,
        connect_args={"timeout": settings.database_connect_timeout},
    )


@asynccontextmanager
async def transaction() -> AsyncIterator[AsyncSession]:
    """One session and one transaction, on the engine of the app that is serving; a
    constraint the database rejects propagates as IntegrityError to problems.py."""
    engine: AsyncEngine = current_app.extensions[EXTENSION]
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        yield session


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
    # An id outside the bigint range names no user (nor would it fit the query's parameter).
    user = await session.get(User, user_id) if 1 <= user_id <= BIGINT_MAX else None
    if user is None:
        raise UserNotFound(user_id)
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
