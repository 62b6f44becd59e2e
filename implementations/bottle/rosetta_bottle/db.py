"""The shared `users` table through Peewee on psycopg 3, with playhouse's connection pool
(the table itself is the database's: no create_tables here)."""

import contextlib
import heapq
import time
from collections.abc import Callable
from typing import Any, TypeVar

import peewee
import psycopg
from peewee import BigAutoField, DateTimeField, Model, TextField, fn
from playhouse.pool import (  # type: ignore[import-untyped]
    MaxConnectionsExceeded,
    PoolConnection,
    PooledDatabase,
    PooledPostgresqlDatabase,
)
from psycopg.abc import PQGen
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow

from .problems import UserNotFoundError
from .settings import Settings


class User(Model):
    """Mapped onto the shared `users` table, whose schema is the database's. The model is
    bound to no database: every query names the app's (`execute(database)`), so that two
    apps in one process never share one."""

    id = BigAutoField()  # an identity column: the database assigns it
    email = TextField()
    name = TextField()
    created_at = DateTimeField()  # timestamptz: set by the database, and by its trigger
    updated_at = DateTimeField()

    class Meta:
        table_name = "users"


RV = TypeVar("RV")


class BoundedConnection(psycopg.Connection[TupleRow]):
    """A psycopg connection whose every wait on the server ends within `bound` seconds:
    libpq has no client-side timeout, and PostgreSQL's statement_timeout cannot fire when
    the server is frozen or the link holds the bytes. The bound is a second past the
    server's own timeout, so that a slow statement is cancelled by the server (and the
    connection kept) and only a server that does not answer reaches it. Then the command is
    still in flight and the connection is closed (half an exchange cannot be resumed): the
    pool does not take it back, and the request is a 503."""

    bound = 6.0

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        try:
            return super().wait(gen, interval, self.bound if timeout is None else timeout)
        except psycopg.OperationalError:
            if self.info.transaction_status == TransactionStatus.ACTIVE:  # still in flight
                self.close()
            raise


class BoundedAdapter(peewee.Psycopg3Adapter):
    """Peewee's psycopg 3 adapter, opening a BoundedConnection."""

    def connect(self, db: "Database", **params: Any) -> BoundedConnection:
        params.setdefault("conninfo", db.database)
        connection = BoundedConnection.connect(**params)
        connection.bound = db.statement_bound
        return connection


class Database(PooledPostgresqlDatabase):  # type: ignore[misc]
    """playhouse's pooled PostgreSQL database on psycopg 3, with three changes:

    - its connections are BoundedConnections (`psycopg3_adapter`);
    - no round trip as a connection is handed out: the pool's own check sends `SELECT 1`
      on every checkout of an idle connection. Here a connection broken while the database
      was away fails its statement once (a 503) and is not taken back (psycopg knows it is
      broken), as every member's pool does;
    - a new connection is opened outside the locks: Peewee's `connect` holds the
      database's lock and the pool's `_connect` its own while the driver connects, so
      with the database stalled each request's connect (up to connect_timeout) waited
      for the one before it, and the fourth answered after 20 s instead of 5."""

    psycopg3_adapter = BoundedAdapter
    statement_bound = 6.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # It guards the connection state, which is each thread's own (thread_safe).
        self._lock = contextlib.nullcontext()
        self._opening = 0  # connections being opened, counted against max_connections

    def _is_closed(self, conn: psycopg.Connection[Any]) -> bool:
        return conn.closed or conn.info.transaction_status == TransactionStatus.UNKNOWN

    def _connect(self) -> psycopg.Connection[Any]:
        """An idle connection from the pool, or a new one while there is room."""
        with self._pool_lock:
            while self._connections:
                timestamp, _, idle = heapq.heappop(self._connections)
                conn: psycopg.Connection[Any] = idle
                if not self._is_closed(conn):
                    self._in_use[self.conn_key(conn)] = PoolConnection(timestamp, conn, time.time())
                    return conn
            if len(self._in_use) + self._opening >= self._max_connections:
                raise MaxConnectionsExceeded("Exceeded maximum connections.")
            self._opening += 1
        try:
            # PostgresqlDatabase's: the adapter's connect, and no lock held.
            conn = super(PooledDatabase, self)._connect()
        finally:
            with self._pool_lock:
                self._opening -= 1
                self._pool_available.notify()
        with self._pool_lock:
            now = time.time()
            self._in_use[self.conn_key(conn)] = PoolConnection(now, conn, now)
        return conn


def create_database(settings: Settings) -> Database:
    """Peewee in autocommit mode, as it always runs now: each statement is its own
    transaction, with no BEGIN and COMMIT around it. Every wait is bounded: opening a
    connection (connect_timeout), a free one from the pool (timeout), a statement (the
    server's statement_timeout, in the startup packet, and BoundedConnection's bound)."""
    statement_timeout = round(settings.database_statement_timeout * 1000)
    database = Database(
        settings.database_url,
        prefer_psycopg3=True,  # psycopg2, where it is installed too, would be Peewee's choice
        max_connections=settings.database_pool_size,
        # A second under the connect timeout: a request that waited for a free connection
        # may then open one itself, and the two waits together stay under the 10 s bound.
        timeout=settings.database_connect_timeout - 1.0,
        connect_timeout=round(settings.database_connect_timeout),
        options=f"-c statement_timeout={statement_timeout}",
    )
    database.statement_bound = settings.database_statement_timeout + 1.0
    return database


class DatabasePlugin:
    """A Bottle plugin in the shape of bottle-sqlite's: a route whose callback takes a
    `database` argument gets the app's database, and the connection the handler used goes
    back to the pool once it returns (Peewee opens it on the first query, so a request
    that is refused before its query takes none)."""

    name = "database"
    api = 2
    keyword = "database"

    def __init__(self, database: Database) -> None:
        self.database = database

    def apply(self, callback: Callable[..., Any], route: Any) -> Callable[..., Any]:
        if self.keyword not in route.get_callback_args():
            return callback
        database = self.database

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[self.keyword] = database
            try:
                return callback(*args, **kwargs)
            finally:
                database.close()  # back to the pool (a no-op if none was opened)

        return wrapper

    def close(self) -> None:
        """Bottle's call when the app is closed or the plugin uninstalled."""
        self.database.close_all()


def ping(database: Database) -> None:
    database.execute_sql("SELECT 1")


def list_users(
    database: Database, *, limit: int, offset: int, email: str | None
) -> tuple[list[User], int]:
    """The page and the count of all matches, from one snapshot: the transaction is
    REPEATABLE READ, where every statement sees the snapshot of the first."""
    query = User.select()
    if email is not None:
        query = query.where(fn.lower(User.email) == fn.lower(email))
    with database.atomic(isolation_level="REPEATABLE READ"):
        total: int = query.count(database)
        users = list(query.order_by(User.id).limit(limit).offset(offset).execute(database))
    return users, total


def create_user(database: Database, values: dict[str, str]) -> User:
    user: User = User.insert(**values).returning(User).execute(database)[0]
    return user


def get_user(database: Database, user_id: int) -> User:
    user: User | None = User.select().where(User.id == user_id).first(database)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


def update_user(database: Database, user_id: int, changes: dict[str, str]) -> User:
    if not changes:  # `{}` changes nothing, and an UPDATE needs something to set
        return get_user(database, user_id)
    # SET only what was sent; the trigger leaves updated_at alone when nothing changes.
    query = User.update(**changes).where(User.id == user_id).returning(User)
    updated: list[User] = list(query.execute(database))
    if not updated:
        raise UserNotFoundError(user_id)
    return updated[0]


def delete_user(database: Database, user_id: int) -> None:
    deleted: int = User.delete().where(User.id == user_id).execute(database)
    if deleted == 0:
        raise UserNotFoundError(user_id)
