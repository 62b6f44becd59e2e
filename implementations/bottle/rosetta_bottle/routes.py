"""The handlers, one per operationId of the contract (openapi.yaml in this package).

Bottle's idiom is `@app.get(...)` on an app that exists at import; here the app is built
by the factory, so `register(app)` declares the routes on it, one call per route. A
handler that takes `database` gets it from db.DatabasePlugin; Bottle's JSONPlugin writes
the dicts they return as JSON."""

import json
import re
from typing import Any, NoReturn
from urllib.parse import parse_qsl

from bottle import Bottle, request, response  # type: ignore[import-untyped]
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


def user_id_filter(config: str | None) -> tuple[str, Any, Any]:
    """Bottle's router filter for `<id:user_id>`: ASCII digits with no leading zero (any
    other spelling matches no route, so 404; Bottle's `int` filter takes `-1` and `007`).
    An id past BIGINT_MAX names no user: a 404 raised here (a ValueError would be Bottle's
    400)."""

    def to_python(value: str) -> int:
        user_id = int(value)
        if user_id > BIGINT_MAX:
            raise UserNotFoundError(user_id)
        return user_id

    return USER_ID.pattern, to_python, str


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


def read_body(limit: int) -> bytes:
    """At most `limit` bytes of the body, or 413: by its Content-Length before a byte is
    read; a chunked one (which the server has already decoded) as soon as it passes the
    limit. Bottle's own `request.json` reads past the limit to a temporary file, and
    decodes the chunks again that the server decoded."""
    declared = request.content_length  # -1 when absent
    if declared > limit:
        raise BodyTooLargeError(limit)
    stream = request.environ["wsgi.input"]
    if declared >= 0:
        body: bytes = stream.read(declared)
        return body
    if "chunked" not in request.environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return b""
    received = bytearray()
    while len(received) <= limit and (chunk := stream.read(limit + 1 - len(received))):
        received += chunk
    if len(received) > limit:
        raise BodyTooLargeError(limit)
    return bytes(received)


def read_json(schema: Schema) -> dict[str, Any]:
    """The body as `schema` loads it, in the contract's order of checks: 413, 415, 400, 422."""
    data = read_body(request.app.config["rosetta.max_body_size"])
    if request.content_type.partition(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaTypeError()
    try:
        document = json.loads(data.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise MalformedBodyError() from None
    return load(schema, document)


def read_query(schema: Schema) -> dict[str, Any]:
    """The query as `schema` loads it, the last value of each parameter. Bottle's
    `request.query` holds its values as Latin-1 text (the WSGI string of the bytes), and
    its `getunicode` turns bytes that are not UTF-8 into a default; here they become lone
    surrogates, which the schemas refuse (422)."""
    query = parse_qsl(request.query_string, keep_blank_values=True, encoding="latin-1")
    data = {utf8(name): utf8(value) for name, value in query}
    return load(schema, data)


def utf8(text: str) -> str:
    """Latin-1 text, the bytes of the request, read as UTF-8."""
    return text.encode("latin-1").decode(errors="surrogateescape")


def list_users(database: db.Database) -> dict[str, Any]:
    """List users"""
    params = read_query(list_params_schema)
    users, total = db.list_users(
        database, limit=params["limit"], offset=params["offset"], email=params["email"]
    )
    page: dict[str, Any] = user_page_schema.dump({"items": users, "total": total, **params})
    return page


def create_user(database: db.Database) -> dict[str, Any]:
    """Create a user"""
    user = db.create_user(database, read_json(user_create_schema))
    response.status = 201
    response.set_header("Location", request.app.get_url("get_user", id=user.id))
    created: dict[str, Any] = user_public_schema.dump(user)
    return created


def get_user(id: int, database: db.Database) -> dict[str, Any]:
    """Get a user"""
    user: dict[str, Any] = user_public_schema.dump(db.get_user(database, id))
    return user


def update_user(id: int, database: db.Database) -> dict[str, Any]:
    """Update a user"""
    changes = read_json(user_update_schema)
    user: dict[str, Any] = user_public_schema.dump(db.update_user(database, id, changes))
    return user


def delete_user(id: int, database: db.Database) -> None:
    """Delete a user"""
    db.delete_user(database, id)
    response.status = 204


def health(database: db.Database) -> dict[str, Any]:
    """Health check"""
    db.ping(database)
    status: dict[str, Any] = health_schema.dump({})
    return status


def openapi() -> dict[str, Any]:
    """The contract itself, loaded by the factory: Bottle has no OpenAPI generator."""
    document: dict[str, Any] = request.app.config["rosetta.openapi"]
    return document


def register(app: Bottle) -> None:
    """Every route, declared on the app the factory builds."""
    app.router.add_filter("user_id", user_id_filter)
    app.get("/users", callback=list_users)
    app.post("/users", callback=create_user)
    app.get("/users/<id:user_id>", name="get_user", callback=get_user)
    app.patch("/users/<id:user_id>", callback=update_user)
    app.delete("/users/<id:user_id>", callback=delete_user)
    app.get("/health", callback=health)
    app.get("/openapi.json", callback=openapi)
