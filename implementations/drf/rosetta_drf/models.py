"""The shared `users` table of db/schema.sql as a Django model; Django never creates or
alters it (`managed = False`, no migrations). And the client's bound on a statement's wait,
installed on every connection."""

# The annotations give mypy the fields' types without the django-stubs plugin (which
# would need one settings module for every Django project in the repository).
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models.functions import Now
from django.dispatch import receiver


class User(models.Model):
    # GENERATED ALWAYS AS IDENTITY: the database assigns it, Django never sends it.
    id: models.BigAutoField[int, int] = models.BigAutoField(primary_key=True)
    # Lengths, the case-insensitive unique index and the no-control-characters rule are
    # the database's constraints; validation checks them first, the database decides last.
    email: models.TextField[str, str] = models.TextField()
    name: models.TextField[str, str] = models.TextField()
    # Set by the database's defaults and triggers. A db_default leaves the column out of
    # INSERT and brings its value back through RETURNING.
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(db_default=Now())
    updated_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(db_default=Now())

    class Meta:
        managed = False
        db_table = "users"

    def __str__(self) -> str:
        return self.email


class StatementDeadline:
    """A Django execute wrapper that bounds, on the client's side, how long a statement
    waits for the database. PostgreSQL's statement_timeout (settings.py) cancels a slow
    statement, but a database that answers nothing (a frozen server, a network that holds
    its packets) sends no cancellation either, and psycopg waits on the socket for ever.
    Past the deadline a watcher thread shuts that socket down: psycopg's wait wakes, reads
    the end of the stream, and the statement fails as on a connection the server closed
    (OperationalError, a 503); the pool discards the connection when it comes back."""

    def __init__(self, timeout: float, every: float = 0.5) -> None:
        self.timeout, self.every = timeout, every
        self._lock = threading.Lock()
        self._waiting: dict[object, tuple[float, psycopg.Connection[Any]]] = {}
        self._watcher: threading.Thread | None = None

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        token, deadline = object(), time.monotonic() + self.timeout
        with self._lock:
            self._waiting[token] = (deadline, context["connection"].connection)
            if self._watcher is None or not self._watcher.is_alive():  # none yet, or forked
                self._watcher = threading.Thread(target=self._watch, daemon=True)
                self._watcher.start()
        try:
            return execute(sql, params, many, context)
        finally:
            with self._lock:
                self._waiting.pop(token, None)

    def _watch(self) -> None:
        while True:
            time.sleep(self.every)
            now = time.monotonic()
            with self._lock:
                late = [token for token, (deadline, _) in self._waiting.items() if deadline < now]
                for token in late:
                    _, conn = self._waiting.pop(token)
                    # A connection already lost has no socket (OperationalError): nothing to do.
                    with contextlib.suppress(psycopg.OperationalError, OSError):
                        sock = socket.socket(fileno=conn.pgconn.socket)  # libpq's own socket
                        try:
                            sock.shutdown(socket.SHUT_RDWR)
                        finally:
                            sock.detach()  # libpq closes it


# The server's statement_timeout, then a second for its answer to arrive.
statement_deadline = StatementDeadline(settings.DATABASE_STATEMENT_TIMEOUT + 1)


@receiver(connection_created)
def bound_statements(sender: type, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Every checkout from the pool counts as a new connection: install the bound once."""
    if statement_deadline not in connection.execute_wrappers:
        connection.execute_wrappers.append(statement_deadline)
