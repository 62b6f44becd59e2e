"""The application factory: the only place where the app is wired."""

from importlib.resources import files
from typing import Any

import emmett  # type: ignore[import-untyped]
import yaml
from emmett.ctx import current  # type: ignore[import-untyped]
from emmett.routing.router import HTTPRouter  # type: ignore[import-untyped]

from . import db, problems, routes
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# Emmett generates no OpenAPI document, so the contract itself is served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"


class Router(HTTPRouter):  # type: ignore[misc]
    """Emmett's router, which matches the method and the path together: a path served under
    other methods would be its 404. Here that is a 405 with the methods in `Allow`, and a
    path no route has is a 404 problem (Emmett's is plain text)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.methods: dict[str, None] = {}  # every route's methods, in the order declared

    def add_route(self, route: Any) -> None:
        super().add_route(route)
        self.methods.update(dict.fromkeys(route.methods))

    async def dispatch(self, request: Any, response: Any) -> Any:
        match, _ = self.match(request)
        if match:
            return await super().dispatch(request, response)
        path = request.path.rstrip("/") or request.path
        allowed = [method for method in self.methods if self.match_route_direct(method, path)[0]]
        if allowed:
            raise problems.problem(
                405,
                f"{request.path} does not accept {request.method}.",
                headers={"allow": ", ".join(allowed)},
            )
        raise problems.problem(404, f"Nothing is served at {request.path}.")


class App(emmett.App):  # type: ignore[misc]
    """Emmett's App, with the Router above."""

    def _init_routers(self, url_prefix: str | None) -> None:
        super()._init_routers(url_prefix)
        self._router_http = Router(self, current, url_prefix=url_prefix)


def create_app(settings: Settings | None = None) -> App:
    settings = settings or Settings.from_env()
    app = App(__name__)
    # A JSON API: no static files, nor Emmett's own assets (/__emmett__/...), to serve.
    app.config.handle_static = False
    # Read by routes.read_json. Emmett's own limit, request_max_content_length, is left
    # unset: its check looks the Content-Length up as "content_length" (never found), and
    # under RSGI the lookup itself raises (Granian's headers take no `cast`).
    app.config.max_body_size = MAX_BODY_SIZE
    app.config.openapi = yaml.safe_load(CONTRACT.read_text())
    database = db.create_database(app, settings)
    # The app's pipeline comes first in every route's; each route adds its own (routes.py).
    app.pipeline = [problems.ProblemPipe()]
    problems.register(app)
    routes.register(app, db.DatabasePipe(database))
    return app
