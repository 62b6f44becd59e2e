"""The shared `users` table through SQLAlchemy 2 on psycopg 3 (not created here), with
the request's transaction kept by pyramid_tm through zope.sqlalchemy: the cookiecutter's
`models/__init__.py`, in one module."""

import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import psycopg
import sqlalchemy
import transaction  # type: ignore[import-untyped]
import zope.sqlalchemy  # type: ignore[import-untyped]
from psycopg.abc import PQGen
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow
from pyramid.config import Configurator  # type: ignore[import-untyped]
from pyramid.request import Request  # type: ignore[import-untyped]
from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    FetchedValue,
    Identity,
    delete,
    event,
    func,
    insert,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

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
    engine = sqlalchemy.create_engine(
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


def get_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def get_tm_session(
    session_factory: sessionmaker[Session],
    transaction_manager: transaction.TransactionManager,
    request: Request | None = None,
) -> Session:
    """A session joined to the transaction manager (the cookiecutter's): pyramid_tm commits
    it when the view returns and aborts it when the view raises. Registered as changed from
    the start, so that a read ends in COMMIT too (zope.sqlalchemy ends a session it thinks
    unchanged by closing it: a ROLLBACK, which makes psycopg drop its prepared statements)."""
    session = session_factory(info={"request": request})
    zope.sqlalchemy.register(
        session,
        transaction_manager=transaction_manager,
        initial_state=zope.sqlalchemy.datamanager.STATUS_CHANGED,
    )
    return session


def includeme(config: Configurator) -> None:
    """`config.include(".db")`: pyramid_tm, the engine, and `request.dbsession`."""
    settings = config.get_settings()
    # One transaction manager per request, begun and ended by pyramid_tm's tween.
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    engine = create_engine(settings["rosetta.settings"])
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    # WSGI has no shutdown event: the pool is closed when the registry goes away or the
    # process ends.
    weakref.finalize(config.registry, engine.dispose)

    def dbsession(request: Request) -> Session:
        return get_tm_session(session_factory, request.tm, request=request)

    config.add_request_method(dbsession, reify=True)


# The data functions run inside the request's transaction; pyramid_tm ends it (COMMIT when
# the view returns, ROLLBACK when it raises), so none of them commits.


def ping(session: Session) -> None:
    session.execute(text("SELECT 1"))


def list_users(
    session: Session, *, limit: int, offset: int, email: str | None
) -> tuple[Sequence[User], int]:
    """The page and the count of all matches, from one snapshot: the transaction is
    REPEATABLE READ, where every statement sees the snapshot of the first (under READ
    COMMITTED each takes its own, and a row committed in between would be counted and not
    listed, or listed and not counted)."""
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    query = select(User)
    if email is not None:
        query = query.where(func.lower(User.email) == func.lower(email))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    users = session.scalars(query.order_by(User.id).limit(limit).offset(offset)).all()
    return users, total or 0


def create_user(session: Session, values: dict[str, Any]) -> User:
    return session.scalars(insert(User).values(values).returning(User)).one()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


def update_user(session: Session, user_id: int, changes: dict[str, Any]) -> User:
    if not changes:  # `{}` changes nothing, and an UPDATE needs something to set
        return get_user(session, user_id)
    statement = update(User).where(User.id == user_id).values(changes).returning(User)
    user = session.scalar(statement)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


def delete_user(session: Session, user_id: int) -> None:
    deleted = session.scalar(delete(User).where(User.id == user_id).returning(User.id))
    if deleted is None:
        raise UserNotFoundError(user_id)
