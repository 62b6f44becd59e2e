"""The application factory: the only place where the app is wired."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.middleware import Middleware

from . import db, problems
from .routes import State, routes
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# Starlette generates no OpenAPI document worth serving, so the contract itself is served,
# from the package.
CONTRACT = files(__package__) / "openapi.yaml"


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    openapi: dict[str, Any] = msgspec.yaml.decode(CONTRACT.read_bytes())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        """The pool lives as long as the app; requests reach it through `request.state`."""
        async with db.create_pool(settings) as pool:
            yield {"pool": pool, "openapi": openapi}

    return Starlette(
        routes=routes,
        middleware=[Middleware(problems.BodySizeLimit, max_body_size=MAX_BODY_SIZE)],
        exception_handlers=problems.exception_handlers,
        lifespan=lifespan,
    )
