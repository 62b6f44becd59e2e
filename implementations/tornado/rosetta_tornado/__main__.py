"""`python -m rosetta_tornado --host H --port P --processes N`: the app under Tornado's own
HTTPServer, started the way Tornado's guide ("Running and deploying") starts it: a main
that binds the socket, forks the processes that share it, and runs the server in each.

SIGTERM or SIGINT stops a process gracefully: it stops accepting, lets the requests that
hold a database connection finish (up to GRACE seconds), closes the connections and the
pool, and exits 0. With several processes the parent, which may be the only one signalled
(PID 1 of a container), closes a pipe its workers watch, and exits once they have.
"""

import argparse
import asyncio
import os
import signal
import socket
import time
from types import FrameType

from tornado.httpserver import HTTPServer
from tornado.log import access_log, enable_pretty_logging
from tornado.netutil import bind_sockets
from tornado.process import fork_processes

from . import db
from .app import create_app

# Tornado's defaults are a 64 KiB head, an hour for a kept-alive connection to send its next
# request (and for a request's head to arrive) and no limit on the time a body may take;
# these are what a careful operator sets, so that slow clients cannot hold connections.
MAX_HEADER_SIZE = 16 * 1024
IDLE_CONNECTION_TIMEOUT = 5.0
BODY_TIMEOUT = 30.0
GRACE = 5.0  # seconds the requests in flight get when the server stops


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m rosetta_tornado",
        description="The users service under Tornado's own HTTPServer.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--processes", type=int, default=1, help="processes sharing the socket (default 1)"
    )
    parser.add_argument("--no-access-log", action="store_true", help="log no line per request")
    args = parser.parse_args()
    enable_pretty_logging()
    access_log.disabled = args.no_access_log
    # Bound before the fork, so that every process accepts on the same socket.
    sockets = bind_sockets(args.port, args.host)
    watched = None
    if args.processes > 1:
        watched, held = os.pipe()

        def stop_workers(signum: int, frame: FrameType | None) -> None:
            # Closing the parent's end tells every worker to stop; fork_processes then
            # waits for them to exit (0) and exits itself.
            for each in (signal.SIGTERM, signal.SIGINT):
                signal.signal(each, signal.SIG_IGN)
            os.close(held)

        signal.signal(signal.SIGTERM, stop_workers)
        signal.signal(signal.SIGINT, stop_workers)
        fork_processes(args.processes)  # returns in the workers only
        os.close(held)
    asyncio.run(serve(sockets, watched))


async def serve(sockets: list[socket.socket], watched: int | None) -> None:
    app = create_app()
    pool: db.Pool = app.settings["pool"]
    # Not waiting for connections: the server starts (and answers 503) while the database
    # is away.
    await pool.open(wait=False)
    server = HTTPServer(
        app,
        max_header_size=MAX_HEADER_SIZE,
        idle_connection_timeout=IDLE_CONNECTION_TIMEOUT,
        body_timeout=BODY_TIMEOUT,
    )
    server.add_sockets(sockets)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if watched is not None:
        loop.add_reader(watched, stop.set)  # readable at EOF: the parent closed its end
    await stop.wait()

    server.stop()
    await drain(pool, time.monotonic() + GRACE)
    await server.close_all_connections()
    await pool.close()


async def drain(pool: db.Pool, deadline: float) -> None:
    """Until no connection of the pool is in use, or the deadline: a request in flight is
    one waiting on the database (a handler awaits nothing else)."""
    while time.monotonic() < deadline:
        stats = pool.get_stats()
        if stats["pool_size"] == stats["pool_available"] and not stats.get("requests_waiting"):
            return
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    main()
