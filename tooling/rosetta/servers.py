"""Run an implementation under a real server, the way it is started in production.

The conformance suite's live transport, `rosetta serve` and the benchmarks all start
servers through `LiveServer`, so a server that works for one works for the others.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from rosetta.registry import Implementation

# argv of each server, from the implementation, host, port and worker count.
Command = Callable[[Implementation, str, int, int], list[str]]
# Requests one gunicorn worker serves at once (gunicorn's docs: 2-4 per core). Above the
# pool's size (the suite's 4), the requests beyond the pool wait for a connection with the
# pool's timeout, a 503 within the contract's bound when the database stalls, rather than
# unbounded in the listen backlog behind busy threads.
GUNICORN_THREADS = 8
# The limits a careful operator sets on every server that has the option (the others'
# own defaults are bounded: gunicorn 100 fields of 8190 bytes, Sanic 8 KiB, granian 100
# headers in a 400 KiB buffer; shared_contract/README.md, "Hostile input and faults"):
HEAD_LIMIT = 16 * 1024  # bytes of request line and headers buffered before refusing
KEEP_ALIVE = 5  # seconds an idle connection is kept
GRACEFUL = 5  # seconds a stopping server gives the requests it has


def _app(impl: Implementation, interface: str) -> str:
    if interface not in impl.apps:
        raise ServerError(f"{impl.name} has no {interface} app")
    return impl.apps[interface]


def _call(impl: Implementation, interface: str) -> str:
    """`module:factory()` for servers that take a call expression."""
    return f"{_app(impl, interface)}()" if impl.factory else _app(impl, interface)


def _package(impl: Implementation, interface: str) -> str:
    """The top-level package of `interface`'s app: what `python -m` runs for own servers."""
    return _app(impl, interface).split(":")[0].split(".")[0]


def _factory(impl: Implementation) -> list[str]:
    return ["--factory"] if impl.factory else []


def _uvicorn(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # h11, not httptools: uvicorn bounds the request head only on h11 (Kludex/uvicorn#157;
    # with httptools a 64 MiB header is read whole). The cost: h11 keeps a connection open
    # after a request with both Content-Length and Transfer-Encoding (python-hyper/h11#90).
    return ["uvicorn", _app(impl, "asgi"), *_factory(impl), "--host", host, "--port", str(port),
            "--workers", str(workers), "--no-access-log",
            "--http", "h11", "--h11-max-incomplete-event-size", str(HEAD_LIMIT),
            "--timeout-keep-alive", str(KEEP_ALIVE),
            "--timeout-graceful-shutdown", str(GRACEFUL)]  # fmt: skip


def _granian(
    impl: Implementation, host: str, port: int, workers: int, interface: str | None = None
) -> list[str]:
    # The app's ASGI one (or WSGI), unless an interface is given: granian-rsgi takes the
    # app's RSGI one, Granian's own interface (Emmett's), with the same options.
    interface = interface or ("asgi" if "asgi" in impl.apps else "wsgi")
    # hyper's own head bound; a head not complete within KEEP_ALIVE seconds (a slow client,
    # or an idle keep-alive connection) is closed; stopping workers are killed after GRACEFUL.
    return ["granian", "--interface", interface, _app(impl, interface), *_factory(impl),
            "--host", host, "--port", str(port), "--workers", str(workers), "--no-ws",
            "--http1-header-read-timeout", str(KEEP_ALIVE * 1000),
            "--workers-kill-timeout", str(GRACEFUL)]  # fmt: skip


def _gunicorn(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # The threaded worker, as gunicorn's docs suggest where there is no buffering proxy in
    # front: it keeps connections alive (the sync worker closes each after its response)
    # and parks idle or slow clients in its poller instead of giving each a whole worker.
    return ["gunicorn", _call(impl, "wsgi"), "--bind", f"{host}:{port}",
            "--workers", str(workers), "--worker-class", "gthread",
            "--threads", str(GUNICORN_THREADS), "--keep-alive", str(KEEP_ALIVE),
            "--graceful-timeout", str(GRACEFUL)]  # fmt: skip


def _hypercorn(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # Its head bound is h11's (16 KiB, only in a config file); keep-alive and stop as the others.
    return ["hypercorn", _call(impl, "asgi"), "--bind", f"{host}:{port}",
            "--workers", str(workers), "--keep-alive", str(KEEP_ALIVE),
            "--graceful-timeout", str(GRACEFUL)]  # fmt: skip


def _sanic(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    return ["sanic", _app(impl, "asgi"), *_factory(impl), "--host", host, "--port", str(port),
            "--workers", str(workers), "--no-access-logs"]  # fmt: skip


def _robyn(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # Robyn is its own server: the package's __main__ starts it; Robyn's processes share the
    # socket (as other servers' workers do), and each runs Robyn's worker threads.
    package = _package(impl, "native")
    return ["python", "-m", package, "--host", host, "--port", str(port),
            "--processes", str(workers), "--workers", "2", "--log-level", "WARN"]  # fmt: skip


def _aiohttp(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # aiohttp's own server, web.run_app, started by the package's __main__: one process,
    # as aiohttp's docs deploy it standalone; gunicorn's aiohttp worker runs several.
    if workers > 1:
        raise ServerError("aiohttp's run_app is one process: gunicorn-aiohttp runs several")
    package = _package(impl, "native")
    return ["python", "-m", package, "--host", host, "--port", str(port)]


def _gunicorn_aiohttp(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # The same aiohttp server in gunicorn's pre-fork workers (aiohttp's GunicornWebWorker);
    # keep-alive and the graceful stop as the gthread workers have them.
    return ["gunicorn", _call(impl, "native"), "--bind", f"{host}:{port}",
            "--workers", str(workers), "--worker-class", "aiohttp.GunicornWebWorker",
            "--keep-alive", "5", "--graceful-timeout", "5"]  # fmt: skip


def _tornado(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # Tornado's own HTTPServer, started by the package's __main__ (its limits are set
    # there); the processes are forked by Tornado and share the socket.
    package = _package(impl, "native")
    return ["python", "-m", package, "--host", host, "--port", str(port),
            "--processes", str(workers), "--no-access-log"]  # fmt: skip


def _cheroot(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # CherryPy's own server, Cheroot, started by the package's __main__ through CherryPy's
    # engine (its limits are set there: a 16 KiB head, idle connections closed after 5 s,
    # a graceful stop of 5 s); one process of GUNICORN_THREADS threads, as CherryPy's docs
    # deploy it (several go behind a balancer).
    if workers > 1:
        raise ServerError("cheroot is one process: run several behind a balancer")
    package = _package(impl, "wsgi")
    return ["python", "-m", package, "--host", host, "--port", str(port),
            "--threads", str(GUNICORN_THREADS), "--no-access-log"]  # fmt: skip


def _daphne(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # Daphne, Django Channels' server on Twisted: one process, as Channels' docs deploy it
    # (several go behind a balancer). Twisted bounds the request head (16 KiB, HEAD_LIMIT)
    # and idle connections (60 s; Daphne has no option for either); an app that has not
    # answered in 20 s gets Daphne's 503, one whose client has gone GRACEFUL seconds to
    # finish. -v 0: warnings and errors only, no access log.
    if workers > 1:
        raise ServerError("daphne is one process: run several behind a balancer")
    return ["daphne", "-b", host, "-p", str(port), "--http-timeout", "20",
            "--application-close-timeout", str(GRACEFUL), "-v", "0",
            _app(impl, "asgi")]  # fmt: skip


def _waitress(impl: Implementation, host: str, port: int, workers: int) -> list[str]:
    # Waitress, pure Python (Pylons): one process, its own asyncore loop reading every
    # connection (a slow client holds no thread) and GUNICORN_THREADS threads running the
    # app. A head over HEAD_LIMIT is refused with 431; a connection idle for KEEP_ALIVE
    # seconds (no byte either way, no request in flight) is closed, looked for every
    # second (--cleanup-interval, 30 s by default); poll(), not select() with its 1024
    # descriptors. The body is buffered whole before the app runs (to a file past 512 KiB).
    if workers > 1:
        raise ServerError("waitress is one process: run several behind a balancer")
    return ["waitress-serve", "--host", host, "--port", str(port),
            "--threads", str(GUNICORN_THREADS),
            "--max-request-header-size", str(HEAD_LIMIT),
            "--channel-timeout", str(KEEP_ALIVE), "--cleanup-interval", "1",
            "--asyncore-use-poll", "--no-expose-tracebacks",
            *(["--call"] if impl.factory else []), _app(impl, "wsgi")]  # fmt: skip


SERVERS: dict[str, Command] = {
    "uvicorn": _uvicorn,
    "granian": _granian,
    "granian-rsgi": functools.partial(_granian, interface="rsgi"),
    "gunicorn": _gunicorn,
    "hypercorn": _hypercorn,
    "sanic": _sanic,
    "robyn": _robyn,
    "aiohttp": _aiohttp,
    "gunicorn-aiohttp": _gunicorn_aiohttp,
    "tornado": _tornado,
    "daphne": _daphne,
    "waitress": _waitress,
    "cheroot": _cheroot,
}


class ServerError(RuntimeError):
    """The server could not be started, or did not become healthy in time."""


def command(impl: Implementation, server: str, host: str, port: int, workers: int) -> list[str]:
    """The argv that starts `impl` under `server`, as the live suite, `rosetta serve`, the
    benchmark and the Dockerfile (and each starter's) run it."""
    if server not in impl.servers:
        raise ServerError(
            f"{impl.name} does not run under {server!r} (it declares: {', '.join(impl.servers)})"
        )
    if server not in SERVERS:
        raise ServerError(f"no way to start server {server!r} is known to the tooling")
    argv = SERVERS[server](impl, host, port, workers)
    # Run the server's console script from this environment, not whatever is on PATH.
    script = Path(sys.executable).parent / argv[0]
    return [str(script) if script.exists() else argv[0], *argv[1:]]


@dataclass
class LiveServer:
    """An implementation under a server, in its own process group; a context manager."""

    impl: Implementation
    server: str
    port: int
    env: Mapping[str, str]
    host: str = "127.0.0.1"
    workers: int = 1
    # A loaded machine starts slowly: with nineteen workers on CI's two cores, uvicorn had not
    # printed its first line (the app still importing) 60 s after it was started.
    startup_timeout: float = 180.0
    log_path: Path | None = None
    # CPUs the server (its threads and workers too) may run on; None: wherever it likes.
    cpus: frozenset[int] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> float:
        """Start the server and wait for it; return the seconds until it answered healthy."""
        argv = command(self.impl, self.server, self.host, self.port, self.workers)
        if self.log_path is None:
            handle, name = tempfile.mkstemp(prefix=f"rosetta-{self.impl.name}-{self.server}-")
            os.close(handle)
            self.log_path = Path(name)
        cpus = self.cpus
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                # Set before exec, so that every thread and worker inherits it.
                preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus),
            )
        return self.wait_healthy()

    def log_tail(self, limit: int = 4000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-limit:]

    def wait_healthy(self) -> float:
        """Poll `/health` until it answers 200; return the seconds it took."""
        assert self.process is not None
        started = time.monotonic()
        deadline = started + self.startup_timeout
        # One client for every poll: building one per request costs more than the poll interval.
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerError(
                        f"{self.impl.name} under {self.server} exited with"
                        f" {self.process.returncode} before answering:\n{self.log_tail()}"
                    )
                try:
                    if client.get(f"{self.url}/health").status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.02)
        self.stop()
        raise ServerError(
            f"{self.impl.name} under {self.server} was not healthy after"
            f" {self.startup_timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the whole process group (workers included), SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait()
        # Workers that outlive their master still hold the port; take the group down.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)

    def __enter__(self) -> LiveServer:
        try:
            self.start()
        except BaseException:  # Ctrl-C while it starts, too: stop what was started
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
