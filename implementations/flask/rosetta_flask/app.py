"""The application factory: the only place where the app is wired."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import db, problems, routes, settings

# Flask has no OpenAPI generator, so the contract itself is served; a copied-out starter
# takes shared_contract/openapi.yaml along (or points this path at its own copy).
CONTRACT = Path(__file__).resolve().parents[3] / "shared_contract" / "openapi.yaml"


class JSONProvider(DefaultJSONProvider):
    sort_keys = False  # members in the order of the models and of the contract


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Settings come from the environment, or from `test_config` where a test passes one."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.from_environ() if test_config is None else test_config)
    app.json = JSONProvider(app)
    # Flask's way to add WSGI middleware; mypy sees an assignment to a method.
    app.wsgi_app = problems.ChunkedBodyLimit(  # type: ignore[method-assign]
        app.wsgi_app, app.config["MAX_CONTENT_LENGTH"]
    )
    db.init_app(app)
    problems.init_app(app)
    app.url_map.converters["user_id"] = routes.UserIdConverter
    app.register_blueprint(routes.bp)
    with CONTRACT.open(encoding="utf-8") as contract:
        app.extensions["openapi"] = yaml.safe_load(contract)
    return app
