"""The application factory: the only place where the app is wired."""

import secrets
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any

import yaml
from fasthtml.common import FastHTML  # type: ignore[import-untyped]  # ships no type information
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from . import db, page, problems, routes
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024


def create_app(settings: Settings | None = None) -> FastHTML:
    settings = settings or Settings.from_env()

    # FastHTML takes the lifespan as an async generator function (not a context manager).
    async def lifespan(app: FastHTML) -> AsyncIterator[dict[str, Any]]:
        """The engine lives as long as the app; requests reach it through their state. FastHTML
        has no OpenAPI generator: the contract itself is served, package data of this one."""
        engine = db.create_engine(settings)
        contract = files(__package__).joinpath("openapi.yaml").read_text(encoding="utf-8")
        yield {"engine": engine, "openapi": yaml.safe_load(contract)}
        engine.dispose()

    app = FastHTML(
        title="Users",
        lifespan=lifespan,
        middleware=[Middleware(problems.BodySizeLimit, max_body_size=MAX_BODY_SIZE)],
        exception_handlers=problems.exception_handlers,
        routes=[Mount("/ui/static", StaticFiles(packages=[("rosetta_fasthtml", "static")]))],
        # The page's own htmx and style, instead of FastHTML's CDN scripts.
        hdrs=page.hdrs,
        htmx=False,
        surreal=False,
        # No sessions; without a key FastHTML would write one to .sesskey in the working
        # directory all the same.
        sess_cls=None,
        secret_key=secrets.token_urlsafe(),
    )
    routes.rt.to_app(app)
    page.rt.to_app(app)
    return app
