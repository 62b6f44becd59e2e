"""The handlers, one per operationId of the contract (openapi.yaml in this package)."""

import re
from json import loads
from typing import Any, NoReturn

from pydantic_core import from_json
from sanic import Blueprint, HTTPResponse, Request, json

from . import db
from .problems import MalformedBodyError, UnsupportedMediaTypeError, UserNotFoundError
from .schemas import (
    BIGINT_MAX,
    Health,
    ListParams,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
)

USER_ID = re.compile("[1-9][0-9]{0,18}")

bp = Blueprint("users")


def user_id(value: str) -> int:
    """`<id>` is matched as any path segment, so that a bad one is 404 for the path's methods
    and 405 for others; only an id in ASCII digits with no leading zero, at most BIGINT_MAX,
    names a user (Sanic's `<id:int>` would take `-1` and answer 404 for every method)."""
    if not USER_ID.fullmatch(value) or int(value) > BIGINT_MAX:
        raise UserNotFoundError(value)
    return int(value)


def read_json(request: Request) -> Any:
    """The parsed body, for Pydantic to validate; 415 for another media type, 400 for not JSON
    (413 came first, as Sanic read the body: app.MAX_BODY_SIZE)."""
    if request.content_type.partition(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaTypeError()
    try:
        return decode_json(request.body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than a parser goes
        raise MalformedBodyError() from None


def decode_json(body: bytes) -> Any:
    """The body's JSON value. Parsed apart from validation: model_validate_json reads NaN and
    Infinity as floats (then 422), and RFC 8259 does not have them. pydantic-core refuses a
    string with a lone surrogate escape (`"a\\ud800b"`) as malformed, where the contract
    makes it a 422 on its member, so such a body is read again by the standard library,
    whose strings may hold one (schemas.no_surrogates refuses it)."""
    try:
        return from_json(body, allow_inf_nan=False)
    except ValueError:
        return loads(body.decode(), parse_constant=reject_constant)


def reject_constant(constant: str) -> NoReturn:
    """NaN and Infinity, which the standard library reads by default, are not JSON."""
    raise ValueError(f"{constant} is not JSON")


def user_json(user: db.User, status: int = 200, **kwargs: Any) -> HTTPResponse:
    return json(UserPublic.model_validate(user).model_dump(mode="json"), status, **kwargs)


@bp.get("/users")
async def list_users(request: Request) -> HTTPResponse:
    """List users"""
    # Blank values count (`?limit=` is 422, not the default); the first of repeated ones wins.
    query = {name: values[0] for name, values in request.get_args(keep_blank_values=True).items()}
    params = ListParams.model_validate(query)
    users, total = await db.list_users(limit=params.limit, offset=params.offset, email=params.email)
    items = [UserPublic.model_validate(user) for user in users]
    page = UserPage(items=items, total=total, limit=params.limit, offset=params.offset)
    return json(page.model_dump(mode="json"))


@bp.post("/users")
async def create_user(request: Request) -> HTTPResponse:
    """Create a user"""
    body = UserCreate.model_validate(read_json(request))
    user = await db.create_user(body.model_dump())
    return user_json(user, 201, headers={"Location": f"/users/{user.id}"})


@bp.get("/users/<id>")
async def get_user(request: Request, id: str) -> HTTPResponse:
    """Get a user"""
    return user_json(await db.get_user(user_id(id)))


@bp.patch("/users/<id>")
async def update_user(request: Request, id: str) -> HTTPResponse:
    """Update a user"""
    body = UserUpdate.model_validate(read_json(request))
    return user_json(await db.update_user(user_id(id), body.model_dump(exclude_unset=True)))


@bp.delete("/users/<id>")
async def delete_user(request: Request, id: str) -> HTTPResponse:
    """Delete a user"""
    await db.delete_user(user_id(id))
    return HTTPResponse(status=204)


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    """Health check"""
    await db.ping()
    return json(Health().model_dump())


@bp.get("/openapi.json")
async def openapi(request: Request) -> HTTPResponse:
    """The contract itself: Sanic has no generator of its own (see the README)."""
    return json(request.app.ctx.openapi)
