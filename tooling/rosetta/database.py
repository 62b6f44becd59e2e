"""Where the tooling's PostgreSQL comes from, and the databases it makes there.

Two environment variables, one meaning each:

    DATABASE_URL       the app's database: what every implementation reads, and what
                       `rosetta serve` hands its server, used as it is.
    ROSETTA_ADMIN_URL  a server to create databases on (the role needs CREATEDB): the test
                       run makes its databases there, `rosetta bench` its own, and
                       `rosetta serve` its `rosetta` database when DATABASE_URL is unset.

Without ROSETTA_ADMIN_URL, an embedded PostgreSQL is started (`rosetta.embedded`). For
one release, the tests and the benchmark still take DATABASE_URL in its place (its old
meaning there), with a deprecation message on stderr.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from rosetta.embedded import EmbeddedPostgres

APP_URL = "DATABASE_URL"
ADMIN_URL = "ROSETTA_ADMIN_URL"
REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = REPO_ROOT / "db" / "schema.sql"


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server to create databases on."""

    url: str  # its admin URL
    embedded: bool  # started by this process (then it also runs on this process's CPUs)


def data_dir() -> Path:
    """Where the embedded server keeps its data between runs (`ROSETTA_DATA_DIR`)."""
    return Path(os.environ.get("ROSETTA_DATA_DIR", REPO_ROOT / ".rosetta")).resolve()


@cache
def _deprecated_admin_url() -> None:
    """Said once per process: pytest runs with warnings as errors, so no `warnings.warn`."""
    print(
        f"DeprecationWarning: {APP_URL} as the server the tests and the benchmark create"
        f" databases on is deprecated; set {ADMIN_URL} instead ({APP_URL} names the app's"
        " database, as in `rosetta serve`)",
        file=sys.stderr,
        flush=True,
    )


def configured_admin_url() -> str | None:
    """The server the environment names: `ROSETTA_ADMIN_URL`, or, deprecated, `DATABASE_URL`;
    None when it names none (an embedded server will do)."""
    if url := os.environ.get(ADMIN_URL):
        return url
    if url := os.environ.get(APP_URL):
        _deprecated_admin_url()
        return url
    return None


def admin_url() -> str:
    """The server of a `server()` block, also in the processes started inside it (the test
    run's pytest-xdist workers)."""
    try:
        return os.environ[ADMIN_URL]
    except KeyError:
        raise LookupError(f"{ADMIN_URL} is not set: no server() block runs") from None


@contextlib.contextmanager
def server(
    data: Path | None = None, announce: Callable[[str], object] = lambda _: None
) -> Iterator[Server]:
    """The server the environment names, else an embedded one on `data` (default
    `data_dir()`), started for the block and stopped after it. Inside the block,
    `ROSETTA_ADMIN_URL` names the server (see `admin_url()`)."""
    url = configured_admin_url()
    if url is not None:
        with _environ(ADMIN_URL, url):
            yield Server(url, embedded=False)
        return
    embedded = EmbeddedPostgres(data or data_dir())
    announce(f"Starting embedded PostgreSQL (data in {embedded.path}) ...")
    try:
        url = embedded.start()
        with _environ(ADMIN_URL, url):
            yield Server(url, embedded=embedded.started)
    finally:
        embedded.stop()


@contextlib.contextmanager
def app_database(
    name: str = "rosetta", announce: Callable[[str], object] = lambda _: None
) -> Iterator[str]:
    """The app's database: `DATABASE_URL` as it is, else database `name` on `server()`
    (created with the schema when missing, kept between runs)."""
    if url := os.environ.get(APP_URL):
        yield url
        return
    with server(announce=announce) as postgres:
        yield create_database(postgres.url, name, fresh=False)


@contextlib.contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def apply_schema(url: str) -> None:
    """Apply `db/schema.sql` to the database at `url` (idempotent)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute(SCHEMA.read_text())


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(server_url: str, name: str, *, fresh: bool = True) -> str:
    """Create database `name` on the server of `server_url` (dropping it first if `fresh`),
    apply the schema to it and return its URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a plain database name: {name!r}")
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if not exists or fresh:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(server_url, name)
    apply_schema(url)
    return url


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
