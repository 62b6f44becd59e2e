"""The handlers, one per operationId of the contract (openapi.yaml in this package), and
their routes."""

import json
from typing import Any, NoReturn, TypedDict, TypeVar

import msgspec
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import db
from .problems import (
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
    decimal_integer,
)

T = TypeVar("T", bound=msgspec.Struct)


class State(TypedDict):
    """What the lifespan hands to every request."""

    pool: db.Pool
    openapi: dict[str, Any]


class UserIdConverter(Convertor[int]):
    """`{id:user_id}`: an id in ASCII digits with no leading zero; any other spelling matches
    no route, so 404. An id past BIGINT_MAX names no user: a 404 raised here, as the route
    matches (Starlette's convertors have no way to refuse a match once the regex has)."""

    regex = "[1-9][0-9]{0,18}"

    def convert(self, value: str) -> int:
        user_id = int(value)
        if user_id > BIGINT_MAX:
            raise UserNotFoundError(user_id)
        return user_id

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("user_id", UserIdConverter())


async def read_json(request: Request[State], model: type[T]) -> T:
    """The body as `model`, in the contract's order of checks: 413 (as problems.BodySizeLimit
    counts the body read here), 415, 400, 422."""
    body = await request.body()
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaTypeError()
    # Not JSON (invalid UTF-8 included, which escapes msgspec as a UnicodeDecodeError), or
    # nested deeper than the decoder goes.
    try:
        data = decode_json(body)
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


def read_query(request: Request[State], model: type[T]) -> T:
    """The query as `model`, its integers written in decimal (schemas.decimal_integer)."""
    data: dict[str, Any] = dict(request.query_params)
    for field in msgspec.structs.fields(model):
        is_int = isinstance(msgspec.inspect.type_info(field.type), msgspec.inspect.IntType)
        if is_int and field.encode_name in data:
            data[field.encode_name] = decimal_integer(data[field.encode_name])
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


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
    return MsgspecResponse(await db.get_user(request.state["pool"], request.path_params["id"]))


async def update_user(request: Request[State]) -> Response:
    """Update a user"""
    body = await read_json(request, UserUpdate)
    user = await db.update_user(request.state["pool"], request.path_params["id"], body)
    return MsgspecResponse(user)


async def delete_user(request: Request[State]) -> Response:
    """Delete a user"""
    await db.delete_user(request.state["pool"], request.path_params["id"])
    return Response(status_code=204)


async def health(request: Request[State]) -> Response:
    """Health check"""
    await db.ping(request.state["pool"])
    return MsgspecResponse(Health())


async def openapi(request: Request[State]) -> Response:
    """The contract itself: Starlette has no generator that could produce it."""
    return MsgspecResponse(request.state["openapi"])


routes = [
    Route("/users", list_users, methods=["GET"]),
    Route("/users", create_user, methods=["POST"]),
    Route("/users/{id:user_id}", get_user, methods=["GET"]),
    Route("/users/{id:user_id}", update_user, methods=["PATCH"]),
    Route("/users/{id:user_id}", delete_user, methods=["DELETE"]),
    Route("/health", health, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]
