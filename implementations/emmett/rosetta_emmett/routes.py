"""The handlers, one per operationId of the contract (openapi.yaml in this package), and
`register`, which declares their routes on the app.

Emmett's routes are declared on the app itself (`@app.route(...)`, or on an AppModule,
which is made from the app): there is no blueprint to gather them before the app exists,
so the factory calls `register` with its app. The handlers reach the request and the
response through Emmett's context (`request`, `response`).
"""

import json
import re
from typing import Any

from emmett import App, Pipe, current, request, response, url  # type: ignore[import-untyped]
from emmett.tools import ServicePipe  # type: ignore[import-untyped]

from . import db
from .problems import (
    BodyTooLargeError,
    MalformedBodyError,
    UnsupportedMediaTypeError,
    UserNotFoundError,
    ValidationFailedError,
)
from .schemas import (
    BIGINT_MAX,
    FieldError,
    Health,
    ListParams,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    user_public,
)

USER_ID = re.compile(r"[1-9][0-9]{0,18}")


def user_id(value: str) -> int:
    """`{id}` as the contract spells it: ASCII digits, no leading zero, at most BIGINT_MAX;
    anything else names no user. (Emmett's `<int:id>` would take `007`, and its router's
    `\\d` takes other scripts' digits.)"""
    if not USER_ID.fullmatch(value) or int(value) > BIGINT_MAX:
        raise UserNotFoundError(value)
    return int(value)


def reject_constant(constant: str) -> None:
    """NaN and Infinity: Python's json reads them; JSON has no such values."""
    raise ValueError(f"{constant} is not JSON")


async def read_json(model: type[UserCreate] | type[UserUpdate]) -> dict[str, object]:
    """The body's members, in the contract's order of checks: 413 (a declared length before
    reading, a chunked body as it arrives), 415, 400, 422 for a body that is not an object
    or has a member `model` does not name. The members' values are the model's to validate
    (db.User). Emmett's own reader, `request.body_params`, answers a malformed body with {}."""
    limit = current.app.config.max_body_size
    try:
        declared = int(request.headers.get("content-length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLargeError(limit)
    body = bytearray()
    async for chunk in request.body:
        body += chunk
        if len(body) > limit:
            raise BodyTooLargeError(limit)
    if request.content_type != "application/json":
        raise UnsupportedMediaTypeError()
    try:
        # UTF-8 only (json.loads would also guess UTF-16 and UTF-32 from bytes); nesting past
        # the parser's depth is a RecursionError.
        data = json.loads(body.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError alike
        raise MalformedBodyError() from None
    if not isinstance(data, dict):
        raise ValidationFailedError(errors=[FieldError(field="body", message="must be an object")])
    unknown = sorted(set(data) - model.__annotations__.keys())
    if unknown:
        errors = [FieldError(field=member, message="is not a member") for member in unknown]
        raise ValidationFailedError(errors=errors)
    return data


def read_query() -> ListParams:
    """The query as ListParams. Emmett gives a repeated parameter as the list of its
    values: the last counts, as in the siblings."""
    query = {
        name: value if isinstance(value, str) else value[-1]
        for name, value in request.query_params.items()
    }
    params = ListParams.from_query(query)
    if isinstance(params, list):
        raise ValidationFailedError(errors=params)
    return params


async def list_users() -> UserPage:
    """List users"""
    params = read_query()
    users, total = await db.list_users(limit=params.limit, offset=params.offset, email=params.email)
    items = [user_public(user) for user in users]
    return UserPage(items=items, total=total, limit=params.limit, offset=params.offset)


async def create_user() -> UserPublic:
    """Create a user"""
    user = await db.create_user(await read_json(UserCreate))
    response.status = 201
    # A route is named after its module and function.
    response.headers["location"] = url("routes.get_user", user.id)
    return user_public(user)


async def get_user(id: str) -> UserPublic:
    """Get a user"""
    return user_public(await db.get_user(user_id(id)))


async def update_user(id: str) -> UserPublic:
    """Update a user"""
    changes = await read_json(UserUpdate)
    return user_public(await db.update_user(user_id(id), changes))


async def delete_user(id: str) -> None:
    """Delete a user"""
    await db.delete_user(user_id(id))
    response.status = 204
    del response.headers["content-type"]  # Emmett's default (text/plain), for no body


async def health() -> Health:
    """Health check"""
    await db.ping()
    return Health(status="ok")


async def openapi() -> Any:
    """The contract itself (Emmett generates no OpenAPI document), loaded by the factory."""
    return current.app.config.openapi


def register(app: App, database: Pipe) -> None:
    """Each route with its pipes, after the app's own (problems.ProblemPipe): Emmett's JSON
    service, which writes what the handler returns as JSON, and the request's database
    connection (db.DatabasePipe). The id is `<str:id>`, checked by `user_id`."""
    served = [ServicePipe("json"), database]
    app.route("/users", methods="get", pipeline=served)(list_users)
    app.route("/users", methods="post", pipeline=served)(create_user)
    app.route("/users/<str:id>", methods="get", pipeline=served)(get_user)
    app.route("/users/<str:id>", methods="patch", pipeline=served)(update_user)
    # No body, so no JSON service: Emmett's "empty" output.
    app.route("/users/<str:id>", methods="delete", pipeline=[database], output="empty")(delete_user)
    app.route("/health", methods="get", pipeline=served)(health)
    app.route("/openapi.json", methods="get", pipeline=[ServicePipe("json")])(openapi)
