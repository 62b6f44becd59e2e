"""The shared `users` table through SQLAlchemy 2 and psycopg 3; the schema itself lives in db/."""

import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import (
    BigInteger,
    DateTime,
    FetchedValue,
    Identity,
    create_engine,
    event,
    func,
    make_url,
    select,
    text,
)
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from .problems import UserNotFound

BIGINT_MAX = 2**63 - 1


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


def init_app(app: Flask) -> None:
    """The engine lives as long as the app; each request gets its own session from it."""
    url = make_url(app.config["DATABASE_URL"]).set(drivername="postgresql+psycopg")
    timeout = app.config["DATABASE_CONNECT_TIMEOUT"]
    engine = create_engine(
        url,
        pool_size=app.config["DATABASE_POOL_SIZE"],
        max_overflow=0,
        pool_pre_ping=True,  # connections broken while the database was away are replaced
        pool_timeout=timeout,
        connect_args={"connect_timeout": timeout},
    )
    event.listen(engine, "handle_error", discard_on_failed_ping)
    # WSGI has no shutdown event: the pool is closed when the app goes away or the process ends.
    weakref.finalize(app, engine.dispose)
    app.extensions["sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def discard_on_failed_ping(context: ExceptionContext) -> None:
    """A connection that fails its pre-ping is replaced, whatever the driver said. When the
    link drops during the ping, psycopg's OperationalError can surface as the ProgrammingError
    of SQLAlchemy restoring autocommit, which SQLAlchemy does not take for a disconnect."""
    if context.is_pre_ping:
        context.is_disconnect = True


def get_session() -> Session:
    """The request's session, opened on first use (the tutorial's `get_db`). `g` belongs to
    one app context, so requests served by different threads never share a session."""
    if "db" not in g:
        g.db = current_app.extensions["sessionmaker"]()
    session: Session = g.db
    return session


def close_session(exception: BaseException | None = None) -> None:
    """Teardown: closing rolls back whatever was not committed and returns the connection."""
    session: Session | None = g.pop("db", None)
    if session is not None:
        session.close()


def ping(session: Session) -> None:
    session.execute(text("SELECT 1"))


def list_users(
    session: Session, *, limit: int, offset: int, email: str | None
) -> tuple[Sequence[User], int]:
    query = select(User)
    if email is not None:
        query = query.where(func.lower(User.email) == func.lower(email))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    users = session.scalars(query.order_by(User.id).limit(limit).offset(offset))
    return users.all(), total or 0


def create_user(session: Session, values: dict[str, Any]) -> User:
    user = User(**values)
    session.add(user)
    session.commit()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if 0 < user_id <= BIGINT_MAX else None
    if user is None:
        raise UserNotFound(user_id)
    return user


def update_user(session: Session, user_id: int, changes: dict[str, Any]) -> User:
    user = get_user(session, user_id)
    for field, value in changes.items():
        setattr(user, field, value)
    session.commit()
    return user


def delete_user(session: Session, user_id: int) -> None:
    session.delete(get_user(session, user_id))
    session.commit()
