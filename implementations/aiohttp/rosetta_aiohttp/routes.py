"""The handlers, one per operationId of the contract (openapi.yaml in this package), and
their routes."""

import json
from typing import Any, TypeVar

from aiohttp import HttpVersion11, web

from . import db
from .problems import (
    MalformedBodyError,
    UnsupportedMediaTypeError,
    UserNotFoundError,
    ValidationFailedError,
    on_http_exception,
)
from .schemas import (
    BIGINT_MAX,
    FieldError,
    Health,
    ListParams,
    UserCreate,
    UserPage,
    UserUpdate,
    converter,
)

T = TypeVar("T")
OPENAPI = web.AppKey("openapi", dict[str, Any])

# aiohttp's name for the route table (its docs' `routes = web.RouteTableDef()`).
routes = web.RouteTableDef()


def user_id(request: web.Request) -> int:
    """`{id}` matched `[1-9][0-9]{0,18}` (ASCII digits, no leading zero); an id past
    BIGINT_MAX names no user."""
    value = int(request.match_info["id"])
    if value > BIGINT_MAX:
        raise UserNotFoundError(value)
    return value


async def within_limit(request: web.Request) -> web.StreamResponse | None:
    """The Expect handler of the routes with a body, run before it is read: a body declared
    over the limit is refused before `100 Continue`, so the client never sends it. It runs
    outside the middleware, so its errors are answered here, not raised."""
    declared = request.content_length or 0
    if declared > request.client_max_size:
        too_large = web.HTTPRequestEntityTooLarge(request.client_max_size, declared)
        return on_http_exception(request, too_large)
    if request.version == HttpVersion11:
        if request.headers["Expect"].lower() != "100-continue":
            return on_http_exception(request, web.HTTPExpectationFailed())
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    return None


def reject_constant(constant: str) -> None:
    """NaN and Infinity: Python's json reads them; JSON has no such values."""
    raise ValueError(f"{constant} is not JSON")


async def read_json(request: web.Request, model: type[T]) -> T:
    """The body as `model`, in the contract's order of checks: 413 (a declared length before
    reading, a chunked body as aiohttp counts it against `client_max_size`), 415, 400, 422."""
    declared = request.content_length or 0
    if declared > request.client_max_size:
        raise web.HTTPRequestEntityTooLarge(request.client_max_size, declared)
    body = await request.read()
    if request.content_type != "application/json":
        raise UnsupportedMediaTypeError()
    try:
        # UTF-8 only (json.loads would also guess UTF-16 and UTF-32 from bytes); nesting past
        # the parser's depth is a RecursionError.
        data = json.loads(body.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError alike
        raise MalformedBodyError() from None
    if not isinstance(data, dict):
        raise ValidationFailedError(errors=[FieldError("body", "must be a JSON object")])
    return converter.structure(data, model)  # cattrs' ClassValidationError: 422


def read_query(request: web.Request) -> ListParams:
    """The query as ListParams; of a repeated parameter, the last value counts (a
    MultiDict's `dict()` would keep the first)."""
    return converter.structure(dict(request.query.items()), ListParams)


def json_response(content: object, status: int = 200, **kwargs: Any) -> web.Response:
    """aiohttp's json_response of what cattrs unstructured."""
    return web.json_response(converter.unstructure(content), status=status, **kwargs)


@routes.get("/users")
async def list_users(request: web.Request) -> web.Response:
    """List users"""
    params = read_query(request)
    users, total = await db.list_users(limit=params.limit, offset=params.offset, email=params.email)
    return json_response(
        UserPage(items=users, total=total, limit=params.limit, offset=params.offset)
    )


@routes.post("/users", expect_handler=within_limit)
async def create_user(request: web.Request) -> web.Response:
    """Create a user"""
    user = await db.create_user(await read_json(request, UserCreate))
    location = request.app.router["get_user"].url_for(id=str(user.id))
    return json_response(user, 201, headers={"Location": str(location)})


@routes.get("/users/{id:[1-9][0-9]{0,18}}", name="get_user")
async def get_user(request: web.Request) -> web.Response:
    """Get a user"""
    return json_response(await db.get_user(user_id(request)))


@routes.patch("/users/{id:[1-9][0-9]{0,18}}", expect_handler=within_limit)
async def update_user(request: web.Request) -> web.Response:
    """Update a user"""
    changes = await read_json(request, UserUpdate)
    return json_response(await db.update_user(user_id(request), changes))


@routes.delete("/users/{id:[1-9][0-9]{0,18}}")
async def delete_user(request: web.Request) -> web.Response:
    """Delete a user"""
    await db.delete_user(user_id(request))
    return web.Response(status=204)


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    """Health check"""
    await db.ping()
    return json_response(Health())


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    """The contract itself: aiohttp has no OpenAPI generator."""
    return web.json_response(request.app[OPENAPI])
