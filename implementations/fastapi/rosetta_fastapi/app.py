"""The application factory: the only place where the app is wired."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy.ext.asyncio import async_sessionmaker

from . import db, problems
from .routes import router
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()  # type: ignore[call-arg]  # read from the environment

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        """The engine lives as long as the app; requests reach it through `request.state`."""
        engine = db.create_engine(settings)
        yield {"sessionmaker": async_sessionmaker(engine, expire_on_commit=False)}
        await engine.dispose()

    app = FastAPI(
        title="Users service",
        version="1.0.0",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        generate_unique_id_function=lambda route: camel_case(route.name),
    )
    app.add_middleware(problems.BodySizeLimit, max_body_size=MAX_BODY_SIZE)
    app.include_router(router)
    problems.register(app)
    app.openapi = lambda: openapi(app)  # type: ignore[method-assign]
    return app


def camel_case(name: str) -> str:
    """operationIds are the handlers' names in camelCase: `list_users` is `listUsers`."""
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


def openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's generated document, with two corrections: it adds a 422 to every operation
    that has parameters (getUser and deleteUser answer a bad {id} with 404), and it documents
    error bodies as application/json where they are application/problem+json."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, routes=app.routes)
        for operations in document["paths"].values():
            for operation in operations.values():
                responses = operation["responses"]
                automatic = responses.get("422", {}).get("content", {}).get("application/json", {})
                if automatic.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                    del responses["422"]
                for code, response in responses.items():
                    if int(code) >= 400 and "application/json" in response.get("content", {}):
                        content = response["content"]
                        content["application/problem+json"] = content.pop("application/json")
        for unused in ("HTTPValidationError", "ValidationError"):
            document["components"]["schemas"].pop(unused, None)
        app.openapi_schema = document
    return app.openapi_schema
