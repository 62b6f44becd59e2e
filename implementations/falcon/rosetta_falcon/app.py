"""The application factory: the only place where the app is wired."""

from collections.abc import Awaitable, Callable, Mapping
from importlib.resources import files
from typing import Any

import falcon
import falcon.asgi
import msgspec
from falcon.asgi import Request, Response
from falcon.asgi_spec import AsgiEvent, AsgiSendMsg

from . import db, problems
from .routes import HealthResource, OpenAPIResource, UserIdConverter, UserResource, UsersResource
from .schemas import JSONHandler
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# Falcon generates no OpenAPI document, so the contract itself is served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"
AsgiReceive = Callable[[], Awaitable[AsgiEvent]]
AsgiSend = Callable[[AsgiSendMsg], Awaitable[None]]


def create_app(settings: Settings | None = None) -> "App":
    settings = settings or Settings.from_env()
    pool = db.create_pool(settings)
    app = App()
    app.add_middleware(Lifespan(pool))
    app.add_middleware(problems.UnknownMethod())
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


class App(falcon.asgi.App[Request, Response]):
    """Falcon's ASGI app, with two things servers hand it put the way Falcon expects.

    - granian reports HTTP/1.0 as `http_version` "1", which Falcon refuses with a 500 (it
      takes "1.0", "1.1", "2", "3"): every request of a client or proxy that speaks HTTP/1.0
      (nginx's proxy_pass, by default) would fail.
    - Falcon awaits the first body event before it routes, and a server sends `100 Continue`
      as soon as the app asks for the body: a client that sent `Expect: 100-continue` with
      an oversize Content-Length would be told to send it before `BodySizeLimit` could
      refuse it. Falcon is handed an empty first event instead, and asks the server for the
      body only when a handler reads it."""

    # Falcon's own ASGI App overrides the WSGI App's __call__ so, with the same ignore.
    async def __call__(  # type: ignore[override]
        self, scope: dict[str, Any], receive: AsgiReceive, send: AsgiSend
    ) -> None:
        if scope["type"] == "http":
            if scope.get("http_version") == "1":
                scope["http_version"] = "1.0"
            receive = deferred(receive)
        await super().__call__(scope, receive, send)


def deferred(receive: AsgiReceive) -> AsgiReceive:
    """`receive`, whose first call answers an empty body event without asking the server."""
    first = True

    async def wrapped() -> AsgiEvent:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"", "more_body": True}
        return await receive()

    return wrapped


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
