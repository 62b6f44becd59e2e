"""The application factory: the only place where the app is wired."""

from collections.abc import AsyncIterator
from importlib.resources import files

import yaml
from aiohttp import web

from . import db, problems
from .routes import OPENAPI, routes
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# aiohttp generates no OpenAPI document, so the contract itself is served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()

    async def database(app: web.Application) -> AsyncIterator[None]:
        """The engine's pool lives as long as the app (aiohttp's cleanup context); handlers
        reach it through Piccolo's table, which the engine is bound to."""
        engine = db.create_engine(settings)
        # Connections are opened on demand, so the app starts (and answers 503) while the
        # database is away; the pool replaces connections the server has closed.
        await engine.start_connection_pool(min_size=0, max_size=settings.database_pool_size)
        yield
        await engine.close_connection_pool()

    # client_max_size: aiohttp refuses a body over it (413) as it reads it.
    app = web.Application(client_max_size=MAX_BODY_SIZE, middlewares=[problems.problem_middleware])
    app[OPENAPI] = yaml.safe_load(CONTRACT.read_text())
    app.cleanup_ctx.append(database)
    app.add_routes(routes)
    return app
