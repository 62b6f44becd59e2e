"""The application factory: the only place where the app is wired."""

import yaml
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import db, problems, routes
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024


class JSONProvider(DefaultJSONProvider):
    sort_keys = False  # members in the order of the models and of the contract


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask tutorial's `create_app(test_config=None)`, with `settings` in the place of
    `test_config`: read from the environment unless a caller (a test) passes them."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, static_folder=None)
    # Flask answers 413 past MAX_CONTENT_LENGTH; db.init_app finds SETTINGS in the config.
    app.config.from_mapping(SETTINGS=settings, MAX_CONTENT_LENGTH=MAX_BODY_SIZE)
    app.json = JSONProvider(app)
    # Flask's way to add WSGI middleware; mypy sees an assignment to a method.
    app.wsgi_app = problems.ChunkedBodyLimit(  # type: ignore[method-assign]
        app.wsgi_app, MAX_BODY_SIZE
    )
    db.init_app(app)
    problems.init_app(app)
    app.url_map.converters["user_id"] = routes.UserIdConverter
    app.register_blueprint(routes.bp)
    # Flask has no OpenAPI generator: the contract itself is served, package data beside
    # this module (`open_resource` reads from the app's root path, this package).
    with app.open_resource("openapi.yaml") as contract:
        app.extensions["openapi"] = yaml.safe_load(contract)
    return app
