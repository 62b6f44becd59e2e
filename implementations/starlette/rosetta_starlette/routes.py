"""The handlers, one per operationId of shared_contract/openapi.yaml, and their routes."""

import re
from typing import Any, TypedDict, TypeVar

import asyncpg  # type: ignore[import-untyped]
import msgspec
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import db
from .problems import (
    BodySizeLimit,
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
    MsgspecResponse,
    UserCreate,
    UserPage,
    UserUpdate,
)

MAX_BODY_SIZE = 1024 * 1024
DECIMAL = re.compile(r"-?[0-9]+")
T = TypeVar("T", bound=msgspec.Struct)


class State(TypedDict):
    """What the lifespan hands to every request."""

    pool: asyncpg.Pool
    openapi: dict[str, Any]


async def list_users(request: Request[State]) -> Response:
    """List users"""
    params = read_query(request, ListParams)
    users, total = await db.list_users(
        request.state["pool"], limit=params.limit, offset=params.offset, email=params.email
    )
    return MsgspecResponse(UserPage(users, total, params.limit, params.offset))


async def create_user(request: Request[State]) -> Response:
    """Create a user"""
    body = await read_json(request, UserCreate)
    user = await db.create_user(request.state["pool"], body)
    location = request.app.url_path_for("get_user", id=user.id)
    return MsgspecResponse(user, status_code=201, headers={"Location": str(location)})


async def get_user(request: Request[State]) -> Response:
    """Get a user"""
    return MsgspecResponse(await db.get_user(request.state["pool"], user_id(request)))


async def update_user(request: Request[State]) -> Response:
    """Update a user"""
    body = await read_json(request, UserUpdate)
    return MsgspecResponse(await db.update_user(request.state["pool"], user_id(request), body))


async def delete_user(request: Request[State]) -> Response:
    """Delete a user"""
    await db.delete_user(request.state["pool"], user_id(request))
    return Response(status_code=204)


async def health(request: Request[State]) -> Response:
    """Health check"""
    await db.ping(request.state["pool"])
    return MsgspecResponse(Health())


async def openapi(request: Request[State]) -> Response:
    """The contract itself: Starlette has no generator that could produce it."""
    return MsgspecResponse(request.state["openapi"])


def user_id(request: Request[State]) -> int:
    """`{id:int}` matches any run of digits; one past bigint names no user."""
    value: int = request.path_params["id"]
    if value > BIGINT_MAX:
        raise UserNotFoundError(value)
    return value


async def read_json(request: Request[State], model: type[T]) -> T:
    """The body as `model`, in the contract's order of checks: 413, 415, 400, 422."""
    body = await request.body()
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaTypeError()
    # msgspec lets invalid UTF-8 inside a string escape as a UnicodeDecodeError.
    try:
        data = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise MalformedBodyError() from None
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


def read_query(request: Request[State], model: type[T]) -> T:
    """The query as `model`. Integers must be written in decimal: msgspec's lax mode
    (strict=False) would also read "2.0" and "1e1", so they are converted here instead."""
    data: dict[str, Any] = dict(request.query_params)
    for field in msgspec.structs.fields(model):
        value = data.get(field.encode_name)
        is_int = isinstance(msgspec.inspect.type_info(field.type), msgspec.inspect.IntType)
        if is_int and value is not None and DECIMAL.fullmatch(value):
            data[field.encode_name] = int(value)
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


# Only the routes that take a body get the limit, so 404 and 405 still come first.
body_limit = [Middleware(BodySizeLimit, max_body_size=MAX_BODY_SIZE)]

routes = [
    Route("/users", list_users, methods=["GET"]),
    Route("/users", create_user, methods=["POST"], middleware=body_limit),
    Route("/users/{id:int}", get_user, methods=["GET"]),
    Route("/users/{id:int}", update_user, methods=["PATCH"], middleware=body_limit),
    Route("/users/{id:int}", delete_user, methods=["DELETE"]),
    Route("/health", health, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]
