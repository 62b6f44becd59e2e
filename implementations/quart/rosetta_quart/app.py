"""The application factory: the only place where the app is wired."""

import asyncio
from collections.abc import Callable
from typing import Any

from hypercorn.typing import ASGIReceiveCallable
from quart import Quart, Request
from quart.asgi import ASGIHTTPConnection
from quart.json.provider import DefaultJSONProvider
from quart_schema import DataSource, Info, OpenAPIProvider, QuartSchema
from quart_schema.typing import Model
from werkzeug.routing.converters import BaseConverter

from . import db, problems, routes
from .schemas import BIGINT_MAX, Problem
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024


class JSONProvider(DefaultJSONProvider):
    sort_keys = False  # members in the order of the models and of the contract


def create_app(settings: Settings | None = None) -> Quart:
    """Flask's `create_app(test_config=None)` on Quart, with `settings` in the place of
    `test_config`: read from the environment unless a caller (a test) passes them."""
    settings = settings or Settings.from_env()
    app = Quart(__name__, static_folder=None)
    # Quart answers 413 past MAX_CONTENT_LENGTH: at once from Content-Length, otherwise as
    # soon as the bytes received pass it. db.init_app finds SETTINGS in the config.
    app.config.from_mapping(SETTINGS=settings, MAX_CONTENT_LENGTH=MAX_BODY_SIZE)
    QuartSchema(
        app,
        info=Info(title="Users service", version="1.0.0"),
        openapi_provider_class=ContractOpenAPIProvider,
        redoc_ui_path=None,
        scalar_ui_path=None,
    )
    app.json = JSONProvider(app)  # after QuartSchema, which installs a provider of its own
    app.asgi_http_class = LimitedHTTPConnection
    db.init_app(app)
    problems.init_app(app)
    app.url_map.converters["user_id"] = routes.UserIdConverter
    app.register_blueprint(routes.bp)
    return app


class LimitedHTTPConnection(ASGIHTTPConnection):
    """Quart's ASGI connection, which receives a request's body as soon as the request
    arrives, before any handler. A server that sends `100 Continue` when the app first
    receives (uvicorn) would then ask for a body that is refused anyway: a body declared
    over MAX_CONTENT_LENGTH is never received (Quart answers 413 without it)."""

    async def handle_messages(self, request: Request, receive: ASGIReceiveCallable) -> None:
        limit = self.app.config["MAX_CONTENT_LENGTH"]
        if limit is not None and (request.content_length or 0) > limit:
            await asyncio.Event().wait()  # until the answer ends the connection
        await super().handle_messages(request, receive)


def camel_case(name: str) -> str:
    """operationIds are the handlers' names in camelCase: `list_users` is `listUsers`."""
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


class ContractOpenAPIProvider(OpenAPIProvider):
    """quart-schema's generated document, with the corrections that make it the contract's."""

    def operation_id(self, method: str, path: str, func: Callable[..., Any]) -> str:
        # quart-schema's default is the method and the handler's name: `get_list_users`.
        return camel_case(func.__name__)

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        # quart-schema documents an int converter as a bare integer; a user's id is a
        # positive bigint.
        parameter = super().build_path_parameter(name, converter)
        if isinstance(converter, routes.UserIdConverter):
            parameter["schema"].update(format="int64", minimum=1, maximum=BIGINT_MAX)
        return parameter

    def build_request_body(
        self, model: type[Model], source: DataSource
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        body, components = super().build_request_body(model, source)
        return {"required": True, **body}, components

    def build_response_object(
        self, model: type[Model] | None, headers_model: type[Model] | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if model is None:  # a response without a body (204)
            return {"description": "No content."}, {}
        response, components = super().build_response_object(model, headers_model)
        content = response["content"]
        # quart-schema writes response headers inside `content`; OpenAPI has them beside it.
        if "headers" in content:
            response["headers"] = content.pop("headers")
        if isinstance(model, type) and issubclass(model, Problem):  # rendered by problems.py
            content["application/problem+json"] = content.pop("application/json")
        return response, components
