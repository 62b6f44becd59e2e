"""The application factory: the only place where the app is wired."""

from importlib.resources import files

import msgspec
from robyn import Robyn
from robyn.openapi import OpenAPI

from . import db, problems
from .routes import routes
from .settings import Settings

# Robyn's generator cannot describe this service (see the README), so the contract itself is
# served, from the package.
CONTRACT = files(__package__) / "openapi.yaml"


def create_app(settings: Settings | None = None) -> Robyn:
    settings = settings or Settings.from_env()
    app = Robyn(__file__, openapi=contract())

    # inject_global and get_global_dependencies are unannotated in Robyn.
    async def open_pool() -> None:
        """The pool lives as long as the server; handlers receive it as a global dependency.
        It is opened here, not in the factory, because asyncpg binds it to the running loop."""
        pool = db.create_pool(settings)
        await pool.open()
        app.inject_global(pool=pool)  # type: ignore[no-untyped-call]

    async def close_pool() -> None:
        await app.dependencies.get_global_dependencies()["pool"].close()  # type: ignore[no-untyped-call]

    app.startup_handler(open_pool)
    app.shutdown_handler(close_pool)
    problems.register(app, routes)
    for method, path, handler in routes:
        app.add_route(method, path, handler)
    return app


def contract() -> OpenAPI:
    """Robyn's way to serve a document of one's own instead of the generated one (its
    `openapi_file_path` takes JSON; the contract is YAML). Served at /openapi.json, with
    Swagger UI at /docs."""
    openapi = OpenAPI(openapi_file_override=True)
    openapi.openapi_spec = msgspec.yaml.decode(CONTRACT.read_bytes())
    return openapi
