"""The application factory: the only place where the app is wired."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
from starlette.applications import Starlette

from . import db, problems
from .routes import State, routes
from .settings import Settings

# Starlette generates no OpenAPI document worth serving, so the contract itself is served;
# a copied-out starter takes the file along (see the README).
CONTRACT = Path(__file__).resolve().parents[3] / "shared_contract" / "openapi.yaml"


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_environ()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        """The pool lives as long as the app; requests reach it through `request.state`."""
        openapi: dict[str, Any] = msgspec.yaml.decode(CONTRACT.read_bytes())
        async with db.create_pool(settings) as pool:
            yield {"pool": pool, "openapi": openapi}

    return Starlette(
        routes=routes, exception_handlers=problems.exception_handlers, lifespan=lifespan
    )
