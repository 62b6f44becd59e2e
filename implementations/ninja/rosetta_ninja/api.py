"""The NinjaAPI: the only place where the routers, the exception handlers and the OpenAPI
document are wired. urls.py mounts it at the root."""

import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser

from rosetta_ninja import problems
from rosetta_ninja.routes import health_router, router


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class StrictJSONParser(Parser):
    """Ninja's parser, minus the NaN and Infinity that Python's json reads and RFC 8259
    does not: Ninja answers any parser error with its 400 "Cannot parse request body"."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json.loads(request.body, parse_constant=reject_constant)


class UsersAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """operationIds are the handlers' names in camelCase: `list_users` is `listUsers`."""
        first, *rest = operation.view_func.__name__.split("_")
        return first + "".join(word.title() for word in rest)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """Ninja's generated document, with error bodies documented as what they are:
        application/problem+json (Ninja names its renderer's media type everywhere)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation["responses"].items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        return schema


api = UsersAPI(
    title="Users service",
    version="1.0.0",
    openapi_url="/openapi.json",
    parser=StrictJSONParser(),
)
api.add_router("", router)
api.add_router("", health_router)
problems.register(api)
