"""The application factory: the only place where the app is wired."""

import itertools
from importlib.resources import files

import yaml
from sanic import DefaultSanic, Sanic

from . import db, problems
from .problems import LimitedRequest
from .routes import bp
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# Sanic generates no OpenAPI document, so the contract itself is served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"

# The factory may run more than once in one process (tests, tooling); each server worker is
# a process of its own, whose one app is its first. See create_app.
_apps = itertools.count()


def create_app(*, settings: Settings | None = None) -> DefaultSanic:
    # Keyword-only: the `sanic --factory` CLI calls a factory with its parsed arguments
    # first, and with none when the signature refuses them.
    settings = settings or Settings.from_env()
    number = next(_apps)
    # Sanic registers every app by name, process-wide, and refuses a second one under a name
    # in use: apps after the first get a numbered name (workers look theirs up by the first).
    app = Sanic(
        "rosetta_sanic" if number == 0 else f"rosetta_sanic_{number}",
        request_class=LimitedRequest,
    )
    if number:
        # At startup Sanic "touches up" methods of the Sanic class itself (it recompiles
        # them without the signals the app does not use), which works once per process; later
        # apps, wired identically, run on the first one's.
        app.config.TOUCHUP = False
    app.config.REQUEST_MAX_SIZE = MAX_BODY_SIZE
    # Sanic loads sanic-ext by itself whenever it is installed; this app does not use it.
    app.config.AUTO_EXTEND = False
    app.ctx.openapi = yaml.safe_load(CONTRACT.read_text())
    app.blueprint(bp)
    problems.register(app)
    db.register(app, settings)
    return app
