"""The shared `users` table through SQLModel (psycopg 3); the schema itself lives in db/."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self

import sqlmodel
from sqlalchemy import BigInteger, Column, DateTime, FetchedValue, Identity, event, make_url
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, func, select, text
from starlette.requests import Request

from .problems import UserNotFoundError, integrity_problem
from .settings import Settings


class User(SQLModel, table=True):
    """Mapped onto the table of db/schema.sql; `SQLModel.metadata` is never used to create it.

    The id and the timestamps are the database's (identity, defaults, triggers): None until
    an INSERT's RETURNING fills them, typed as the NOT NULL columns they are after that."""

    __tablename__ = "users"
    # RETURNING brings back what the database set, on UPDATE too (the updated_at trigger).
    __mapper_args__ = {"eager_defaults": True}

    id: int = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    email: str
    name: str
    created_at: datetime = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=FetchedValue()),
    )
    updated_at: datetime = Field(
        default=None,
        sa_column=Column(
            DateTime(timezone=True),
            nullable=False,
            server_default=FetchedValue(),
            server_onupdate=FetchedValue(),
        ),
    )


def create_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url).set(drivername="postgresql+psycopg")
    engine = sqlmodel.create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=0,
        pool_pre_ping=True,  # connections broken while the database was away are replaced
        pool_timeout=settings.database_connect_timeout,
        connect_args={"connect_timeout": settings.database_connect_timeout},
    )
    event.listen(engine, "handle_error", discard_on_failed_ping)
    return engine


def discard_on_failed_ping(context: ExceptionContext) -> None:
    """A connection that fails its pre-ping is replaced, whatever the driver said. When the
    link drops during the ping, psycopg's OperationalError can surface as the ProgrammingError
    of SQLAlchemy restoring autocommit, which SQLAlchemy does not take for a disconnect."""
    if context.is_pre_ping:
        context.is_disconnect = True


class Users:
    """The users table, for one request. FastHTML fills a handler parameter of this type
    through `__from_request__`, with the engine that the lifespan put in the request's state.
    Each method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def __from_request__(cls, req: Request) -> Self:
        return cls(req.state.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commits when the block ends; a constraint the database rejects becomes a problem
        here and nowhere else."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                with session.begin():
                    yield session
            except IntegrityError as exc:
                raise integrity_problem(exc) from exc

    def ping(self) -> None:
        with self.transaction() as session:
            session.connection().execute(text("SELECT 1"))

    def list_users(
        self, *, limit: int, offset: int, email: str | None
    ) -> tuple[Sequence[User], int]:
        query = select(User)
        if email is not None:
            query = query.where(func.lower(User.email) == func.lower(email))
        with self.transaction() as session:
            total = session.exec(select(func.count()).select_from(query.subquery())).one()
            users = session.exec(query.order_by(col(User.id)).limit(limit).offset(offset)).all()
        return users, total

    def create_user(self, values: Mapping[str, Any]) -> User:
        user = User(**values)
        with self.transaction() as session:
            session.add(user)
        return user

    def get_user(self, user_id: int) -> User:
        with self.transaction() as session:
            return self._get(session, user_id)

    def update_user(self, user_id: int, changes: Mapping[str, Any]) -> User:
        with self.transaction() as session:
            user = self._get(session, user_id)
            for field, value in changes.items():
                setattr(user, field, value)
        return user

    def delete_user(self, user_id: int) -> None:
        with self.transaction() as session:
            session.delete(self._get(session, user_id))

    @staticmethod
    def _get(session: Session, user_id: int) -> User:
        user = session.get(User, user_id)
        if user is None:
            raise UserNotFoundError(user_id)
        return user
