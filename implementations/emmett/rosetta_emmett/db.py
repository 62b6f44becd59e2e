"""The shared `users` table through Emmett's ORM (pyDAL) on psycopg2; the schema itself
lives in db/ (the Database's auto_migrate stays off: no table is created or altered, and
Emmett's migrations are never generated).

pyDAL is synchronous. The data functions run in a worker thread each (`in_thread`), with
the request's context, so that a statement waiting on the database holds up its own
request and not the event loop; psycopg2 waits through `bounded_wait`, which ends every
wait on a database that has stopped answering.
"""

import asyncio
import functools
import select
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, ParamSpec, TypeVar
from urllib.parse import unquote, urlsplit

import psycopg2  # type: ignore[import-untyped]
import psycopg2.extensions  # type: ignore[import-untyped]
from emmett import App, Pipe  # type: ignore[import-untyped]
from emmett.orm import Database, Field, Model  # type: ignore[import-untyped]
from emmett.orm.objects import Expression  # type: ignore[import-untyped]

from .problems import UserNotFoundError, ValidationFailedError, field_errors
from .schemas import EMAIL_RULES, NAME_RULES
from .settings import Settings

P = ParamSpec("P")
T = TypeVar("T")
# The page's count of all matches, in the page's own statement (see list_users).
TOTAL = "COUNT(*) OVER ()"


class User(Model):  # type: ignore[misc]
    """The table as db/schema.sql declares it; `id` is the model's own. The timestamps are
    the database's (defaults and triggers): never written, not validated."""

    tablename = "users"
    # Only the rules below: Emmett's automatic ones (a length for a text field) would run
    # before them, and turn a number into its text.
    auto_validation = False

    email = Field.text()
    name = Field.text()
    created_at = Field.datetime()
    updated_at = Field.datetime()

    validation: ClassVar[dict[str, list[Any]]] = {"email": EMAIL_RULES, "name": NAME_RULES}


def bounded_wait(connection: Any, bound: float) -> None:
    """psycopg2's wait callback, for every connection of the process: each wait on the
    server, a connection attempt included, ends within `bound` seconds. libpq has no
    client-side timeout, and PostgreSQL's statement_timeout cannot fire when the server is
    frozen or the link holds the bytes; `bound` is a second past it, so that a slow
    statement is cancelled by the server (and the connection kept). Raising here makes
    psycopg2 close the connection (half an exchange cannot be resumed): the statement fails
    with OperationalError (503), and Emmett's pool drops the connection when it is back."""
    deadline = time.monotonic() + bound
    while (state := connection.poll()) != psycopg2.extensions.POLL_OK:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise psycopg2.OperationalError(f"no answer from the database in {bound} s")
        reading = state == psycopg2.extensions.POLL_READ
        select.select(
            [connection] if reading else [], [] if reading else [connection], [], remaining
        )


def autocommit(adapter: Any) -> None:
    """pyDAL's hook on a new connection: psycopg2 in autocommit, so that a statement is its
    own transaction with no BEGIN before it (psycopg2 sends one before the first statement
    otherwise) and no COMMIT after; Emmett's commit at the end of the request finds nothing
    to do."""
    adapter.connection.autocommit = True


def create_database(app: App, settings: Settings) -> Database:
    """Emmett's Database for these settings, with the User model bound to it. The pool
    opens connections when a request needs one, so the app starts (and answers 503) while
    the database is away."""
    app.config.db.uri = settings.database_url.replace("postgresql://", "postgres://", 1)
    app.config.db.pool_size = settings.database_pool_size
    # Emmett's bound on the wait for a connection: a free one, or a new one to be opened.
    app.config.db.connect_timeout = settings.database_connect_timeout
    app.config.db.driver_args = {
        "options": f"-c statement_timeout={round(settings.database_statement_timeout * 1000)}"
    }
    bound = settings.database_statement_timeout + 1
    psycopg2.extensions.set_wait_callback(functools.partial(bounded_wait, bound=bound))
    database = Database(app, after_connection=autocommit)
    # pyDAL hands the URL's user and password to psycopg2 as they are written (its own
    # decode_credentials calls Python 2's urllib.unquote): percent-decoded here.
    url = urlsplit(settings.database_url)
    database._adapter.driver_args.update(
        user=unquote(url.username or ""), password=unquote(url.password or "")
    )
    database.define_models(User)
    return database


def ended(connection: Any) -> bool:
    """Whether the server has ended an idle connection's session: it says nothing unasked
    but that (a FATAL error, then the end of the stream), so an idle connection with
    something to read has no session left. A look at the socket, not a round trip."""
    readable, _, _ = select.select([connection], [], [], 0)
    return bool(readable)


class DatabasePipe(Pipe):  # type: ignore[misc]
    """The request's connection, from the pool for the handler and back after it.

    Emmett's own `db.pipe` opens it in the pipe's `open()`, which runs before any pipe's
    `pipe()`: a database that is away would be a 500 there, before problems.ProblemPipe
    could answer it. Opened in `pipe()`, it is within the flow that ProblemPipe wraps.
    A pooled connection whose session the server ended while it was idle (a restart) is
    closed and left behind: Emmett's pool drops a connection it cannot commit on."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def pipe(self, next_pipe: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
        await self.database.connection_open_loop()
        while ended(connection := self.database._adapter.connection):
            connection.close()
            await self.database.connection_close_loop()
            await self.database.connection_open_loop()
        try:
            return await next_pipe(**kwargs)
        finally:
            await self.database.connection_close_loop()


def in_thread(work: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """A data function, run in a worker thread with the request's context (its connection
    included), so that its wait on the database leaves the event loop free."""

    @functools.wraps(work)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(work, *args, **kwargs)

    return run


def lowered(value: str) -> Expression:
    """`lower('...')` of a value, as the database lowers it (Python's str.lower() differs
    for some characters). pyDAL lowers fields only: the literal is written, quoted, by the
    adapter that writes every value of a query."""
    literal = User.db._adapter.represent(value, "text")
    return Expression(User.db, lambda: f"LOWER({literal})")


def matching(email: str | None) -> Any:
    """The listUsers filter: lower(email) = lower(...), the expression of the unique index."""
    if email is None:
        return User.all()
    return User.where(lambda user: user.email.lower() == lowered(email))


def found(user_id: int) -> Any:
    user = User.get(user_id)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


@in_thread
def ping() -> None:
    User.db.executesql("SELECT 1")


@in_thread
def list_users(*, limit: int, offset: int, email: str | None) -> tuple[list[Any], int]:
    # The page and the total in one statement, so from one snapshot: COUNT(*) OVER () (the
    # connections are in autocommit, where a pyDAL transaction sends no BEGIN). An empty
    # page carries no total, and asks for it.
    users = matching(email)
    rows = users.select(User.table.ALL, TOTAL, orderby=User.id, limitby=(offset, offset + limit))
    total = rows[0]._extra[TOTAL] if rows else users.count()
    return [row.users for row in rows], total


@in_thread
def create_user(values: dict[str, object]) -> Any:
    """Emmett's `create`: the model's validation, then INSERT ... RETURNING id; the row
    with its timestamps is read after it (pyDAL returns the id alone)."""
    created = User.create(**values)
    if created.errors:
        raise ValidationFailedError(errors=field_errors(created.errors))
    return found(created.id)


@in_thread
def get_user(user_id: int) -> Any:
    return found(user_id)


@in_thread
def update_user(user_id: int, changes: dict[str, object]) -> Any:
    if not changes:  # `{}` changes nothing, and an UPDATE needs something to set
        return found(user_id)
    # SET only what was sent, validated by the model; the trigger leaves updated_at alone
    # when nothing changes. pyDAL's update answers with the count of rows, not the row.
    updated = User.where(lambda user: user.id == user_id).validate_and_update(**changes)
    if updated.errors:
        raise ValidationFailedError(errors=field_errors(updated.errors))
    if not updated.updated:
        raise UserNotFoundError(user_id)
    return found(user_id)


@in_thread
def delete_user(user_id: int) -> None:
    if not User.where(lambda user: user.id == user_id).delete():
        raise UserNotFoundError(user_id)
