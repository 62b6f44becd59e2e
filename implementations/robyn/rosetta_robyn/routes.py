"""The handlers, one per operationId of the contract (openapi.yaml in this package), and
their routes."""

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar
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
    decimal_integer,
    json_response,
)

# Here rather than in app.py: Robyn has no body limit of its own that applies, so read_json
# holds it on the body received (see the README).
MAX_BODY_SIZE = 1024 * 1024
USER_ID = re.compile("[1-9][0-9]{0,18}")
T = TypeVar("T", bound=msgspec.Struct)
# Robyn's dependency injection: `global_dependencies` is a reserved parameter name, and the
# startup handler puts the pool there (app.create_app).
Dependencies = dict[str, Any]


def user_id(request: Request) -> int:
    """`:id` matches any path segment (Robyn has no path converters); only an id in ASCII
    digits with no leading zero, at most BIGINT_MAX, names a user."""
    value = request.path_params["id"]
    if not USER_ID.fullmatch(value) or int(value) > BIGINT_MAX:
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
    # Not JSON (invalid UTF-8 included, which escapes msgspec as a UnicodeDecodeError), or
    # nested deeper than the decoder goes.
    try:
        data = decode_json(raw)
    except (ValueError, RecursionError):
        raise MalformedBodyError() from None
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


def decode_json(body: bytes) -> Any:
    """The body's JSON value. msgspec refuses a string with a lone surrogate escape
    (`"a\\ud800b"`) as malformed, where the contract makes it a 422 on its member, so such a
    body is read again by the standard library, whose strings may hold one (the schemas'
    patterns refuse it)."""
    try:
        return msgspec.json.decode(body)
    except msgspec.ValidationError:
        raise  # valid JSON that msgspec cannot represent (a number out of range): 400
    except msgspec.DecodeError:
        return json.loads(body.decode(), parse_constant=reject_constant)


def reject_constant(constant: str) -> NoReturn:
    """NaN and Infinity, which the standard library reads by default, are not JSON."""
    raise ValueError(f"{constant} is not JSON")


def read_query(request: Request, model: type[T]) -> T:
    """The query as `model`, its integers written in decimal (schemas.decimal_integer).
    Robyn hands over names and values as sent, percent-encoded, so they are decoded here."""
    data: dict[str, Any] = {
        unquote_plus(name): unquote_plus(values[-1])
        for name, values in request.query_params.to_dict().items()
    }
    for field in msgspec.structs.fields(model):
        is_int = isinstance(msgspec.inspect.type_info(field.type), msgspec.inspect.IntType)
        if is_int and field.encode_name in data:
            data[field.encode_name] = decimal_integer(data[field.encode_name])
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


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
