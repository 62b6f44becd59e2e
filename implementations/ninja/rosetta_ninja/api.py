"""The NinjaAPI and its operations, one per operationId of shared_contract/openapi.yaml:
async operations on Django's async ORM. urls.py mounts it at the root."""

import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from ninja import NinjaAPI, Path, Query, Status
from ninja.decorators import decorate_view
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.pagination import paginate
from ninja.parser import Parser
from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from rosetta_ninja import problems
from rosetta_ninja.models import User
from rosetta_ninja.pagination import UserPagination
from rosetta_ninja.problems import (
    MalformedBodyError,
    ProblemError,
    UnsupportedMediaTypeError,
    UserNotFoundError,
)
from rosetta_ninja.schemas import (
    BIGINT_MAX,
    INT64,
    Email,
    Health,
    Problem,
    UserCreate,
    UserPublic,
    UserUpdate,
    ValidationProblem,
)


def reject_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


class StrictJSONParser(Parser):
    """Ninja's parser, minus the NaN and Infinity that Python's json reads and RFC 8259
    does not: Ninja answers any parser error with its 400 "Cannot parse request body"."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json.loads(request.body, parse_constant=reject_constant)


Run = Callable[..., Awaitable[HttpResponseBase]]


def require_json(run: Run) -> Run:
    """Ninja parses any body as JSON, and an empty one as no members at all; the contract
    checks its size (413), media type (415) and emptiness (400) first. A view decorator
    (`decorate_view`) runs before Ninja reads the body, but outside its exception
    handling: what the checks raise, it hands to the API's handlers itself."""

    @wraps(run)
    async def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            body = request.body  # RequestDataTooBig past DATA_UPLOAD_MAX_MEMORY_SIZE
            if request.content_type != "application/json":
                raise UnsupportedMediaTypeError()
            if not body:
                raise MalformedBodyError("The body is empty; a JSON object is required.")
        except (RequestDataTooBig, ProblemError) as exc:
            return api.on_exception(request, exc)
        return await run(request, *args, **kwargs)

    return checked


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
problems.register(api)

# urls.py's converter decides which paths match; this documents the same range in OpenAPI.
# Ninja's Path takes no json_schema_extra; Pydantic merges the Field's into it.
UserId = Annotated[int, Path(ge=1, le=BIGINT_MAX), Field(json_schema_extra=INT64)]


def responses(*statuses: int) -> dict[int, type[Problem]]:
    """The error responses an operation documents: problem details, all of them."""
    return {code: ValidationProblem if code == 422 else Problem for code in statuses}


@api.get("/users", response={200: list[UserPublic], **responses(422, 503)}, tags=["users"])
@paginate(UserPagination)
async def list_users(
    request: HttpRequest,
    # Absent or a string, never null (with a bare `= None`, Ninja adds a null of its own).
    email: Annotated[Email | SkipJsonSchema[None], Query()] = None,
) -> QuerySet[User]:
    """List users"""
    users = User.objects.order_by("id")
    if email is not None:
        # lower(email) = lower(%s): the expression of the unique index, which serves it.
        users = users.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))
    return users


@api.post(
    "/users",
    response={201: UserPublic, **responses(400, 409, 413, 415, 422, 503)},
    openapi_extra={
        "responses": {
            201: {"headers": {"Location": {"required": True, "schema": {"type": "string"}}}}
        }
    },
    tags=["users"],
)
@decorate_view(require_json)
async def create_user(
    request: HttpRequest, response: HttpResponse, payload: UserCreate
) -> Status[User]:
    """Create a user"""
    user = await User.objects.acreate(**payload.model_dump())
    response["Location"] = f"/users/{user.id}"
    return Status(201, user)


@api.get("/users/{user_id:id}", response={200: UserPublic, **responses(404, 503)}, tags=["users"])
async def get_user(request: HttpRequest, id: UserId) -> User:
    """Get a user"""
    return await User.objects.aget(pk=id)


@api.patch(
    "/users/{user_id:id}",
    response={200: UserPublic, **responses(400, 404, 409, 413, 415, 422, 503)},
    tags=["users"],
)
@decorate_view(require_json)
async def update_user(request: HttpRequest, id: UserId, payload: UserUpdate) -> User:
    """Update a user"""
    changes = payload.model_dump(exclude_unset=True)
    # UPDATE ... SET only what was sent; the database's trigger moves updated_at. Django's
    # ORM has no UPDATE ... RETURNING: the row is read back.
    if changes and not await User.objects.filter(pk=id).aupdate(**changes):
        raise UserNotFoundError()
    return await User.objects.aget(pk=id)


@api.delete("/users/{user_id:id}", response={204: None, **responses(404, 503)}, tags=["users"])
async def delete_user(request: HttpRequest, id: UserId) -> Status[None]:
    """Delete a user"""
    # A model's delete, with no relations or signals to follow, is one DELETE; a
    # queryset's would wrap it in a transaction.
    deleted, _ = await User(pk=id).adelete()
    if not deleted:
        raise UserNotFoundError()
    return Status(204, None)


@api.get("/health", response={200: Health, **responses(503)}, tags=["health"])
async def health(request: HttpRequest) -> Health:
    """Health check"""
    await User.objects.aexists()  # any answer will do; no answer is a 503
    return Health(status="ok")
