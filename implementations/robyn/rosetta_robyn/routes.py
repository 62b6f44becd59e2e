"""The handlers, one per operationId of shared_contract/openapi.yaml, and their routes."""

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import unquote_plus

import msgspec
from robyn import Request, Response

from . import db
from .problems import (
    BodyTooLargeError,
    MalformedBodyError,
    UnsupportedMediaTypeError,
    UserNotFoundError,
    ValidationFailedError,
    field_errors,
)
from .schemas import (
    BIGINT_MAX,
    Health,
    ListParams,
    UserCreate,
    UserPage,
    UserUpdate,
    json_response,
)

MAX_BODY_SIZE = 1024 * 1024
DECIMAL = re.compile(r"-?[0-9]+")
T = TypeVar("T", bound=msgspec.Struct)
# Robyn's dependency injection: `global_dependencies` is a reserved parameter name, and the
# startup handler puts the pool there (app.create_app).
Dependencies = dict[str, Any]


async def list_users(request: Request, global_dependencies: Dependencies) -> Response:
    """List users"""
    params = read_query(request, ListParams)
    users, total = await db.list_users(
        global_dependencies["pool"], limit=params.limit, offset=params.offset, email=params.email
    )
    return json_response(UserPage(users, total, params.limit, params.offset))


async def create_user(request: Request, global_dependencies: Dependencies) -> Response:
    """Create a user"""
    body = read_json(request, UserCreate)
    user = await db.create_user(global_dependencies["pool"], body)
    return json_response(user, 201, headers={"Location": f"/users/{user.id}"})


async def get_user(request: Request, global_dependencies: Dependencies) -> Response:
    """Get a user"""
    return json_response(await db.get_user(global_dependencies["pool"], user_id(request)))


async def update_user(request: Request, global_dependencies: Dependencies) -> Response:
    """Update a user"""
    body = read_json(request, UserUpdate)
    user = await db.update_user(global_dependencies["pool"], user_id(request), body)
    return json_response(user)


async def delete_user(request: Request, global_dependencies: Dependencies) -> Response:
    """Delete a user"""
    await db.delete_user(global_dependencies["pool"], user_id(request))
    return Response(status_code=204, headers={}, description=b"")


async def health(request: Request, global_dependencies: Dependencies) -> Response:
    """Health check"""
    await db.ping(global_dependencies["pool"])
    return json_response(Health())


def user_id(request: Request) -> int:
    """`:id` matches any path segment; only a decimal integer in 1..bigint names a user."""
    value = request.path_params["id"]
    if not DECIMAL.fullmatch(value) or not 1 <= int(value) <= BIGINT_MAX:
        raise UserNotFoundError(value)
    return int(value)


def read_json(request: Request, model: type[T]) -> T:
    """The body as `model`, in the contract's order of checks: 413, 415, 400, 422.

    Robyn reads the whole body before any Python code runs (it has no limit of its own that
    applies here), so the limit can only be held on what was received."""
    body = request.body
    # Robyn hands over a body that is valid UTF-8 as str, any other as bytes.
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > MAX_BODY_SIZE:
        raise BodyTooLargeError(MAX_BODY_SIZE)
    content_type = request.headers.get("content-type") or ""
    if content_type.partition(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaTypeError()
    # msgspec lets invalid UTF-8 inside a string escape as a UnicodeDecodeError.
    try:
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise MalformedBodyError() from None
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


def read_query(request: Request, model: type[T]) -> T:
    """The query as `model`. Robyn hands over names and values as sent, percent-encoded, so
    they are decoded here. Integers must be written in decimal: msgspec's lax mode
    (strict=False) would also read "2.0" and "1e1", so they are converted here instead."""
    data: dict[str, Any] = {
        unquote_plus(name): unquote_plus(values[-1])
        for name, values in request.query_params.to_dict().items()
    }
    for field in msgspec.structs.fields(model):
        value = data.get(field.encode_name)
        is_int = isinstance(msgspec.inspect.type_info(field.type), msgspec.inspect.IntType)
        if is_int and value is not None and DECIMAL.fullmatch(value):
            data[field.encode_name] = int(value)
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


Handler = Callable[[Request, Dependencies], Awaitable[Response]]

# (method, path, handler); Robyn writes a path parameter as `:name`.
routes: list[tuple[str, str, Handler]] = [
    ("GET", "/users", list_users),
    ("POST", "/users", create_user),
    ("GET", "/users/:id", get_user),
    ("PATCH", "/users/:id", update_user),
    ("DELETE", "/users/:id", delete_user),
    ("GET", "/health", health),
]
