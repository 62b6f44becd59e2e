"""The shared `users` table through SQLModel on psycopg 3 (not created here)."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self, TypeVar

import psycopg
import sqlmodel
from psycopg.abc import PQGen
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    FetchedValue,
    Identity,
    delete,
    event,
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


RV = TypeVar("RV")


class BoundedConnection(psycopg.Connection[TupleRow]):
    """A psycopg connection whose every wait on the server ends within `bound` seconds:
    libpq has no client-side timeout, and PostgreSQL's statement_timeout cannot fire when
    the server is frozen or the link holds the bytes. The bound is a second past the
    server's own timeout, so that a slow statement is cancelled by the server (and the
    connection kept) and only a server that does not answer reaches it. Then the command is
    still in flight and the connection is closed (half an exchange cannot be resumed):
    SQLAlchemy takes the error for a disconnect and discards it, and the request is a 503."""

    bound = 6.0

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        try:
            return super().wait(gen, interval, self.bound if timeout is None else timeout)
        except psycopg.OperationalError:
            if self.info.transaction_status == TransactionStatus.ACTIVE:  # still in flight
                self.close()
            raise


def create_engine(settings: Settings) -> Engine:
    # No pre-ping: a connection broken by an outage fails once, SQLAlchemy takes the error
    # for a disconnect and discards it (and the pool's other connections), and that request
    # is a 503. Every wait is bounded, so that a stalled database is a 503 too: opening a
    # connection, a free one from the pool, and each statement.
    url = make_url(settings.database_url).set(drivername="postgresql+psycopg")
    statement_timeout_ms = round(settings.database_statement_timeout * 1000)
    engine = sqlmodel.create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=0,
        # A second under the connect timeout: a request that waited for a free connection
        # may then open one itself, and the two waits together stay under the 10 s bound.
        pool_timeout=settings.database_connect_timeout - 1.0,
        connect_args={
            "connect_timeout": settings.database_connect_timeout,
            "options": f"-c statement_timeout={statement_timeout_ms}",
        },
    )

    @event.listens_for(engine, "do_connect")
    def connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> BoundedConnection:
        """SQLAlchemy's hook for making the DBAPI connection: a BoundedConnection."""
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.bound = settings.database_statement_timeout + 1.0
        return connection

    return engine


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
        """The page and the count of all matches, from one snapshot: the transaction is
        REPEATABLE READ, where every statement sees the snapshot of the first (under READ
        COMMITTED each takes its own, and a row committed in between would be counted and
        not listed, or listed and not counted)."""
        query = select(User)
        if email is not None:
            query = query.where(func.lower(User.email) == func.lower(email))
        with self.transaction() as session:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
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
