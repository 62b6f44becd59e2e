"""`python -m rosetta_cherrypy --host H --port P`: the app under CherryPy's own server,
Cheroot, the way CherryPy's docs deploy it: the app mounted on `cherrypy.tree`, the
server configured through `cherrypy.config`, and the engine started and blocked on.

SIGTERM (the engine's signal handler) or SIGINT stops the engine: the server stops
accepting, gives the requests in flight up to GRACE seconds, and the pool is closed as the
engine stops (app.py); the process exits 0.
"""

import argparse

import cherrypy  # type: ignore[import-untyped]
from cherrypy._cpwsgi_server import CPWSGIServer  # type: ignore[import-untyped]

from .app import create_app

# Cheroot's defaults are a 500 KiB head, 10 s for a connection's next byte (and for an idle
# kept-alive connection) and a 100 MiB body, refused before the app runs with a plain-text
# 413; these are what a careful operator sets. The body's own bound is the app's (413 as a
# problem, tools.json_body), so Cheroot's is off.
MAX_HEADER_SIZE = 16 * 1024
SOCKET_TIMEOUT = 5
GRACE = 5  # seconds the requests in flight get when the server stops
THREADS = 8  # worker threads, as many as gunicorn's gthread worker runs here
# Under the benchmark's 64 keep-alive clients, two more of Cheroot's defaults made runs
# fail: a listen backlog of 5 (a burst of connects overflowed it and waited for the kernel's
# SYN retry, a second or more, or was reset) and 10 idle kept-alive connections at most.
BACKLOG = 2048  # as gunicorn's and uvicorn's
KEPT_ALIVE = 1000  # as gunicorn's worker_connections


class Server(CPWSGIServer):  # type: ignore[misc]
    """Cheroot as CherryPy builds it, holding up to KEPT_ALIVE idle connections open:
    Cheroot's `keep_alive_conn_limit`, which CherryPy's config does not reach, closes every
    connection past the tenth after its response (the clients kept reconnecting, and
    requests caught in the churn were answered 408)."""

    keep_alive_conn_limit = KEPT_ALIVE


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m rosetta_cherrypy",
        description="The users service under CherryPy's own server (Cheroot).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=THREADS, help="worker threads (default 8)")
    parser.add_argument("--no-access-log", action="store_true", help="log no line per request")
    args = parser.parse_args()
    app = create_app()
    app.log.access_log.propagate = not args.no_access_log
    cherrypy.config.update(
        {
            # No autoreload, no config checker, no tracebacks shown; the engine's and the
            # errors' log lines on stderr.
            "environment": "production",
            "log.screen": True,
            "server.socket_host": args.host,
            "server.socket_port": args.port,
            "server.thread_pool": args.threads,
            "server.socket_queue_size": BACKLOG,
            "server.max_request_header_size": MAX_HEADER_SIZE,
            "server.max_request_body_size": 0,
            "server.socket_timeout": SOCKET_TIMEOUT,
            "server.shutdown_timeout": GRACE,
        }
    )
    cherrypy.server.instance = Server(cherrypy.server)  # built from the config above
    cherrypy.tree.mount(app)
    cherrypy.engine.signals.subscribe()
    cherrypy.engine.start()
    cherrypy.engine.block()


if __name__ == "__main__":
    main()
