"""The application factory: the only place where the app is wired."""

import weakref
from importlib.resources import files
from typing import Any

import cherrypy  # type: ignore[import-untyped]
import yaml

from . import db, problems
from .routes import ResourceDispatcher, Root
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# CherryPy generates no OpenAPI document, so the contract itself is served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"


def create_app(settings: Settings | None = None) -> cherrypy.Application:
    """A `cherrypy.Application`, a WSGI callable: what gunicorn serves, and what
    `cherrypy.tree.mount` takes under CherryPy's own server (__main__)."""
    settings = settings or Settings.from_env()
    pool = db.create_pool(settings)
    openapi: dict[str, Any] = yaml.safe_load(CONTRACT.read_text())
    config = {
        "/": {
            "request.dispatch": ResourceDispatcher(),
            # The body is read by tools.json_body where a handler takes one (routes.py),
            # not by CherryPy before every handler (its 411 without Content-Length).
            "request.process_request_body": False,
            # Query strings are read by the handlers (routes.read_query).
            "request.query_string_encoding": "latin-1",
            "tools.json_body.limit": MAX_BODY_SIZE,
            "tools.trailing_slash.on": False,
        }
    }
    app = cherrypy.Application(Root(pool, openapi), "", config)
    problems.register(app)
    # A line per request is the server's to write (gunicorn's access log, or __main__'s).
    app.log.access_log.propagate = False
    # Not waiting for connections: the app starts (and answers 503) while the database is
    # away. The engine closes the pool as it stops (CherryPy's own server); under another
    # server, when the app goes away or the process ends.
    pool.open(wait=False)
    cherrypy.engine.subscribe("stop", pool.close)
    weakref.finalize(app, pool.close)
    return app
