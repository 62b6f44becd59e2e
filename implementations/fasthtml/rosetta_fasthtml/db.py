"""The shared `users` table through SQLModel on psycopg 3 (not created here)."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self

import sqlmodel
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    FetchedValue,
    Identity,
    delete,
    insert,
    make_url,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, func, select, text
from starlette.requests import Request

from .problems import UserNotFoundError, integrity_problem
from .settings import Settings


class User(SQLModel, table=True):
    """Mapped onto the shared `users` table, whose schema is the database's:
    `SQLModel.metadata` is never used to create it. The id and the timestamps are the
    database's too (identity, defaults, triggers): the defaults of None are never sent, and
    the fields are typed as the NOT NULL columns they are."""

    __tablename__ = "users"

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
    # No pre-ping: a connection broken by an outage fails once, SQLAlchemy takes the error
    # for a disconnect and discards it (and the pool's other connections), and that request
    # is a 503.
    url = make_url(settings.database_url).set(drivername="postgresql+psycopg")
    return sqlmodel.create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=0,
        pool_timeout=settings.database_connect_timeout,
        connect_args={"connect_timeout": settings.database_connect_timeout},
    )


class Users:
    """The users table, for one request. FastHTML fills a handler parameter of this type
    through `__from_request__`, with the engine that the lifespan put in the request's state
    (FastHTML has no dependency that could close a session after the handler, and a
    parameter named `session` is its cookie session). A handler makes one call: one session
    and one transaction per request, ended with COMMIT, reads too (a ROLLBACK would make
    psycopg forget the statements it has prepared on the connection)."""

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
        """The page and the count of all matches, from the one transaction's snapshot."""
        query = select(User)
        if email is not None:
            query = query.where(func.lower(User.email) == func.lower(email))
        with self.transaction() as session:
            total = session.exec(select(func.count()).select_from(query.subquery())).one()
            users = session.exec(query.order_by(col(User.id)).limit(limit).offset(offset)).all()
        return users, total

    def create_user(self, values: Mapping[str, Any]) -> User:
        with self.transaction() as session:
            user: User = session.exec(insert(User).values(values).returning(User)).scalar_one()
        return user

    def get_user(self, user_id: int) -> User:
        with self.transaction() as session:
            user = session.get(User, user_id)
        if user is None:
            raise UserNotFoundError(user_id)
        return user

    def update_user(self, user_id: int, changes: Mapping[str, Any]) -> User:
        if not changes:  # `{}` changes nothing, and an UPDATE needs something to set
            return self.get_user(user_id)
        statement = update(User).where(col(User.id) == user_id).values(changes).returning(User)
        with self.transaction() as session:
            user: User | None = session.exec(statement).scalar()
        if user is None:
            raise UserNotFoundError(user_id)
        return user

    def delete_user(self, user_id: int) -> None:
        statement = delete(User).where(col(User.id) == user_id).returning(col(User.id))
        with self.transaction() as session:
            deleted = session.exec(statement).scalar()
        if deleted is None:
            raise UserNotFoundError(user_id)
