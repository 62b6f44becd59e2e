"""The shared `users` table through SQLAlchemy 2 async; the schema itself lives in db/."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from blacksheep import Application
from sqlalchemy import BigInteger, DateTime, FetchedValue, Identity, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .problems import UserNotFoundError, integrity_problem
from .settings import Settings

# The service handlers ask for by type; rodi resolves it to the app's one session factory.
SessionFactory = async_sessionmaker[AsyncSession]


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
    url = settings.database_url.unicode_string().replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=0,
        pool_pre_ping=True,  # connections broken while the database was away are replaced
        pool_timeout=settings.database_connect_timeout,
        connect_args={"timeout": settings.database_connect_timeout},
    )


async def open_engine(app: Application) -> None:
    """on_start: the engine lives as long as the app; handlers get sessions through DI."""
    engine = create_engine(app.services.resolve(Settings))
    app.services.register(AsyncEngine, instance=engine)
    app.services.register(
        SessionFactory, instance=async_sessionmaker(engine, expire_on_commit=False)
    )


async def close_engine(app: Application) -> None:
    """on_stop."""
    await app.services.resolve(AsyncEngine).dispose()


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work; a constraint the database rejects becomes a problem here."""
    async with sessions() as session:
        try:
            async with session.begin():
                yield session
        except IntegrityError as exc:
            raise integrity_problem(exc) from exc


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
        raise UserNotFoundError(f"No user has the id {user_id}.")
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
