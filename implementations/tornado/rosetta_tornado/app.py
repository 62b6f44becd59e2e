"""The application factory: the only place where the app is wired."""

from importlib.resources import files
from typing import Any

import yaml
from tornado.web import Application, url

from . import db
from .routes import HealthHandler, NotFoundHandler, OpenAPIHandler, UserHandler, UsersHandler
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# Tornado generates no OpenAPI document, so the contract itself is served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"


def create_app(settings: Settings | None = None) -> Application:
    settings = settings or Settings.from_env()
    pool = db.create_pool(settings)
    openapi: dict[str, Any] = yaml.safe_load(CONTRACT.read_text())
    return Application(
        [
            # The dict is each handler's `initialize` arguments: Tornado's way to hand a
            # handler what it needs.
            url(r"/users", UsersHandler, {"pool": pool}),
            url(r"/users/(?P<id>[1-9][0-9]{0,18})", UserHandler, {"pool": pool}, name="user"),
            url(r"/health", HealthHandler, {"pool": pool}),
            url(r"/openapi.json", OpenAPIHandler, {"document": openapi}),
        ],
        # Tornado's settings, and the app's own beside them (handlers read `self.settings`).
        default_handler_class=NotFoundHandler,
        max_body_size=MAX_BODY_SIZE,
        # The pool is not open yet: the server opens it in its event loop (__main__.serve).
        pool=pool,
    )
