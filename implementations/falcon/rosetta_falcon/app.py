"""The application factory: the only place where the app is wired."""

from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import falcon
import falcon.asgi
import msgspec
from falcon.asgi import Request, Response

from . import db, problems
from .routes import HealthResource, OpenAPIResource, UserIdConverter, UserResource, UsersResource
from .schemas import JSONHandler
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# Falcon generates no OpenAPI document, so the contract itself is served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"


def create_app(settings: Settings | None = None) -> falcon.asgi.App[Request, Response]:
    settings = settings or Settings.from_env()
    pool = db.create_pool(settings)
    app = falcon.asgi.App()
    app.add_middleware(Lifespan(pool))
    app.add_middleware(problems.BodySizeLimit(MAX_BODY_SIZE))

    json = JSONHandler(MAX_BODY_SIZE)
    app.req_options.media_handlers[falcon.MEDIA_JSON] = json
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json
    app.router_options.converters["user_id"] = UserIdConverter

    openapi: dict[str, Any] = msgspec.yaml.decode(CONTRACT.read_bytes())
    app.add_route("/users", UsersResource(pool))
    app.add_route("/users/{id:user_id}", UserResource(pool))
    app.add_route("/health", HealthResource(pool))
    app.add_route("/openapi.json", OpenAPIResource(openapi))
    problems.register(app)
    return app


class Lifespan:
    """The pool lives as long as the app: Falcon calls `process_startup` and
    `process_shutdown` of its middleware on the ASGI lifespan events."""

    def __init__(self, pool: db.Pool) -> None:
        self.pool = pool

    async def process_startup(self, scope: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        # Not waiting for connections: the app starts (and answers 503) while the database
        # is away.
        await self.pool.open(wait=False)

    async def process_shutdown(self, scope: Mapping[str, Any], event: Mapping[str, Any]) -> None:
        await self.pool.close()
