"""The application factory: the only place where the app is wired."""

import weakref
from importlib.resources import files

import yaml
from bottle import Bottle  # type: ignore[import-untyped]

from . import db, problems, routes
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# Bottle generates no OpenAPI document, so the contract itself is served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"


def create_app(settings: Settings | None = None) -> Bottle:
    """A `Bottle()` app with its plugins: the problems first, then the database (Bottle
    applies the last installed innermost, so a handler's connection is back in the pool
    before its error is mapped)."""
    settings = settings or Settings.from_env()
    app = Bottle()
    # Bottle's config holds the app's own values beside its own, under the app's prefix.
    app.config.update(
        {
            "rosetta.max_body_size": MAX_BODY_SIZE,
            "rosetta.openapi": yaml.safe_load(CONTRACT.read_text()),
        }
    )
    problems.register(app)
    database = db.create_database(settings)
    app.install(db.DatabasePlugin(database))
    # WSGI has no shutdown event: the pool is closed when the app goes away or the process ends.
    weakref.finalize(app, database.close_all)
    routes.register(app)
    return app
