"""The application factory: the only place where the app is wired."""

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.di import Provide
from litestar.enums import MediaType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from . import db, problems
from .routes import UsersController, health
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    return Litestar(
        route_handlers=[UsersController, health],
        dependencies={"session": Provide(db.get_session)},
        plugins=[SQLAlchemyPlugin(db.sqlalchemy_config(settings)), problems.plugin()],
        request_max_body_size=MAX_BODY_SIZE,
        openapi_config=OpenAPIConfig(
            title="Users service",
            version="1.0.0",
            # Litestar serves its render plugins below `path`: the JSON plugin at that root
            # puts the document at /openapi.json. (`path="/"` would put Litestar's catch-all
            # for unknown documentation pages in front of the app's own 404s.) Success bodies
            # are application/json here, not Litestar's application/vnd.oai.openapi+json.
            path="/openapi.json",
            render_plugins=[JsonRenderPlugin(path="/", media_type=MediaType.JSON)],
            operation_id_creator=lambda handler, method, path: camel_case(handler.handler_name),
            use_handler_docstrings=True,
        ),
    )


def camel_case(name: str) -> str:
    """operationIds are the handlers' names in camelCase: `list_users` is `listUsers`."""
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)
