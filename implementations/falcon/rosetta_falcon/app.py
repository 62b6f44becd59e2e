"""The application factory: the only place where the app is wired."""

from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
import yaml
from falcon.asgi import Request, Response

from . import problems
from .db import Database
from .routes import HealthResource, OpenAPIResource, UserResource, UsersResource
from .schemas import JSONHandler, MsgspecMiddleware
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# Falcon generates no OpenAPI document; the contract is served as it is. A service copied
# out of this repository takes shared_contract/openapi.yaml along.
CONTRACT = Path(__file__).resolve().parents[3] / "shared_contract" / "openapi.yaml"


def create_app(settings: Settings | None = None) -> falcon.asgi.App[Request, Response]:
    settings = settings or Settings.from_environ()
    db = Database(settings)
    app = falcon.asgi.App()
    app.add_middleware(db)  # its process_startup/process_shutdown own the pool
    app.add_middleware(MsgspecMiddleware(MAX_BODY_SIZE))

    json = JSONHandler(MAX_BODY_SIZE)
    app.req_options.media_handlers[falcon.MEDIA_JSON] = json
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json

    app.add_route("/users", UsersResource(db))
    # Falcon's int converter: an {id} outside bigint's range matches no route (404).
    app.add_route("/users/{id:int(min=1, max=9223372036854775807)}", UserResource(db))
    app.add_route("/health", HealthResource(db))
    app.add_route("/openapi.json", OpenAPIResource(load_contract()))
    problems.register(app)
    return app


def load_contract() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CONTRACT.read_text())
    return document
