"""The handlers, one per operationId of the contract (openapi.yaml in this package), on
CherryPy's object tree under its MethodDispatcher: each path is an exposed resource, and
the dispatcher calls the resource's method named after the HTTP method (`GET`, `POST`,
...; each class ends with those names bound to its handlers). A method the resource lacks
is the dispatcher's 405, with the resource's methods in Allow."""

import json
import re
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar
from urllib.parse import parse_qsl

import cherrypy  # type: ignore[import-untyped]
from marshmallow import Schema, ValidationError

from . import db
from .problems import (
    BodyTooLargeError,
    MalformedBodyError,
    UnsupportedMediaTypeError,
    UserNotFoundError,
    ValidationFailedError,
    field_errors,
)
from .schemas import BIGINT_MAX, Health, ListParams, UserCreate, UserPage, UserPublic, UserUpdate

USER_ID = re.compile(r"[1-9][0-9]{0,18}")
# Built once and used for every request, as marshmallow's docs do (building a schema copies
# its fields: most of the cost of a small load or dump).
user_create_schema, user_update_schema = UserCreate(), UserUpdate()
user_public_schema, user_page_schema = UserPublic(), UserPage()
list_params_schema, health_schema = ListParams(), Health()


def user_id(id: str) -> int:
    """`{id}` as Users._cp_dispatch took it, `[1-9][0-9]{0,18}`: ASCII digits with no leading
    zero (any other spelling is no resource, so 404). An id past BIGINT_MAX names no user."""
    value = int(id)
    if value > BIGINT_MAX:
        raise UserNotFoundError(value)
    return value


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """`data` as `schema` loads it, or a 422 that names every offending member."""
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        raise ValidationFailedError(errors=field_errors(exc)) from None
    return loaded


def reject_constant(constant: str) -> NoReturn:
    """Python's json module reads NaN and Infinity, which JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


def read_body(request: Any, limit: int) -> bytes:
    """At most `limit` bytes of the body, or 413: a chunked one (which the server has
    decoded; its framing wins over a Content-Length sent with it) as soon as it passes the
    limit, one with a Content-Length by that length before a byte is read."""
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        received = bytearray()
        while len(received) <= limit and (chunk := request.rfile.read(limit + 1 - len(received))):
            received += chunk
        if len(received) > limit:
            raise BodyTooLargeError(limit)
        return bytes(received)
    declared = request.headers.get("Content-Length", "")
    if not declared.isdigit():
        return b""
    if int(declared) > limit:
        raise BodyTooLargeError(limit)
    body: bytes = request.rfile.read(int(declared))
    return body


def read_json(limit: int) -> None:
    """`tools.json_body`, before CherryPy would process the body (the app turns its own
    processing off): the body as JSON in `request.json`, in the contract's order of
    checks, 413, 415, 400. CherryPy's `tools.json_in` answers a body without
    Content-Length with 411 and reads NaN."""
    request = cherrypy.serving.request
    body = read_body(request, limit)
    content_type = request.headers.get("Content-Type", "")
    if content_type.partition(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaTypeError()
    try:
        request.json = json.loads(body.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise MalformedBodyError() from None


cherrypy.tools.json_body = cherrypy.Tool("before_request_body", read_json)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def typed(decorator: Callable[[Any], Any]) -> Callable[[Handler], Handler]:
    """A tool's decorator (it sets `_cp_config` on the handler), as the types see it:
    CherryPy ships no annotations."""
    return decorator


# The tools of the handlers that take or give a body: CherryPy's json_out writes what a
# handler returns as JSON (application/json).
json_body, json_out = typed(cherrypy.tools.json_body()), typed(cherrypy.tools.json_out())


def read_query(schema: Schema) -> dict[str, Any]:
    """The query as `schema` loads it, the last value of each parameter, read from the
    query string: CherryPy's own parameters (the handlers' keyword arguments) are decoded
    as Latin-1 (the app's `request.query_string_encoding`, since UTF-8 answers bytes that
    are not UTF-8 with 404); here those bytes become lone surrogates, which the schemas
    refuse (422)."""
    query = parse_qsl(
        cherrypy.request.query_string, keep_blank_values=True, errors="surrogateescape"
    )
    return load(schema, dict(query))


# The handlers take the query's parameters as keyword arguments, as CherryPy passes them,
# and leave them alone (`self` before `/`, so that `?self=` is a parameter like any other).


@cherrypy.expose
class Users:
    """/users"""

    def __init__(self, pool: db.Pool) -> None:
        self.pool = pool

    def _cp_dispatch(self, vpath: list[str]) -> "User | None":
        """/users/{id}: the dispatcher's call for a segment that is no attribute."""
        if USER_ID.fullmatch(vpath[0]):
            return User(self.pool, vpath.pop(0))
        return None

    @json_out
    def list_users(self, /, **params: str) -> dict[str, Any]:
        """List users"""
        query = read_query(list_params_schema)
        users, total = db.list_users(
            self.pool, limit=query["limit"], offset=query["offset"], email=query["email"]
        )
        page: dict[str, Any] = user_page_schema.dump({"items": users, "total": total, **query})
        return page

    @json_body
    @json_out
    def create_user(self, /, **params: str) -> dict[str, Any]:
        """Create a user"""
        user = db.create_user(self.pool, load(user_create_schema, cherrypy.request.json))
        cherrypy.response.status = 201
        cherrypy.response.headers["Location"] = f"{cherrypy.request.script_name}/users/{user['id']}"
        created: dict[str, Any] = user_public_schema.dump(user)
        return created

    GET = list_users
    POST = create_user


@cherrypy.expose
class User:
    """/users/{id}"""

    def __init__(self, pool: db.Pool, id: str) -> None:
        self.pool = pool
        self.id = id

    @json_out
    def get_user(self, /, **params: str) -> dict[str, Any]:
        """Get a user"""
        user: dict[str, Any] = user_public_schema.dump(db.get_user(self.pool, user_id(self.id)))
        return user

    @json_body
    @json_out
    def update_user(self, /, **params: str) -> dict[str, Any]:
        """Update a user"""
        changes = load(user_update_schema, cherrypy.request.json)
        user = db.update_user(self.pool, user_id(self.id), changes)
        updated: dict[str, Any] = user_public_schema.dump(user)
        return updated

    def delete_user(self, /, **params: str) -> None:
        """Delete a user"""
        db.delete_user(self.pool, user_id(self.id))
        cherrypy.response.status = 204
        del cherrypy.response.headers["Content-Type"]  # CherryPy's default, text/html

    GET = get_user
    PATCH = update_user
    DELETE = delete_user


@cherrypy.expose
class HealthCheck:
    """/health"""

    def __init__(self, pool: db.Pool) -> None:
        self.pool = pool

    @json_out
    def health(self, /, **params: str) -> dict[str, Any]:
        """Health check"""
        db.ping(self.pool)
        status: dict[str, Any] = health_schema.dump({})
        return status

    GET = health


@cherrypy.expose
class OpenAPI:
    """/openapi.json: the contract itself (CherryPy has no generator that could produce it)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    @json_out
    def openapi(self, /, **params: str) -> dict[str, Any]:
        return self.document

    GET = openapi


class Root:
    """The tree the dispatcher walks: `/` itself is no resource (404). CherryPy turns the
    `.` of a segment into `_` to find its attribute (`/openapi.json`)."""

    def __init__(self, pool: db.Pool, openapi: dict[str, Any]) -> None:
        self.users = Users(pool)
        self.health = HealthCheck(pool)
        self.openapi_json = OpenAPI(openapi)


class ResourceDispatcher(cherrypy.dispatch.MethodDispatcher):  # type: ignore[misc]
    """The MethodDispatcher, for a path the tree holds whole: the stock one serves a path's
    longest exposed prefix and hands it the rest as positional arguments (`/health/x` as
    `/health`); here that is no resource, 404."""

    def find_handler(self, path: str) -> tuple[Any, list[str]]:
        resource, vpath = super().find_handler(path)
        if vpath:
            return None, []
        return resource, vpath
