"""The handlers, one per operationId of the contract (openapi.yaml in this package), on
Tornado's RequestHandlers. Tornado calls the handler's method named after the HTTP method
(`get`, `post`, ...); each class ends with those names bound to its handlers, and lists
them in SUPPORTED_METHODS (any other method is Tornado's 405)."""

import json
from typing import Any, NoReturn

from marshmallow import Schema, ValidationError
from tornado.web import HTTPError, stream_request_body

from . import db
from .problems import (
    BodyTooLargeError,
    MalformedBodyError,
    ProblemHandler,
    UnsupportedMediaTypeError,
    UserNotFoundError,
    ValidationFailedError,
    field_errors,
)
from .schemas import BIGINT_MAX, Health, ListParams, UserCreate, UserPage, UserPublic, UserUpdate

# Built once and used for every request, as marshmallow's docs do (building a schema copies
# its fields: most of the cost of a small load or dump).
user_create_schema, user_update_schema = UserCreate(), UserUpdate()
user_public_schema, user_page_schema = UserPublic(), UserPage()
list_params_schema, health_schema = ListParams(), Health()


def user_id(id: str) -> int:
    """`{id}` as its route matched it, `[1-9][0-9]{0,18}`: ASCII digits with no leading
    zero (any other spelling matches no route, so 404). An id past BIGINT_MAX names no
    user."""
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


@stream_request_body
class BaseHandler(ProblemHandler):
    """Every route's handler receives the body as it arrives: Tornado calls `prepare` as
    soon as the head is read, then `data_received` for each piece. So a body over the
    limit is refused before it is read, by its Content-Length, or as soon as the bytes
    received pass the limit (chunked); Tornado's 404 and 405 come before both."""

    def prepare(self) -> None:
        self.limit: int = self.settings["max_body_size"]
        self.body = bytearray()
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.limit:
            raise BodyTooLargeError(self.limit)

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk
        if len(self.body) > self.limit:
            # Not raised: Tornado would log it and drop the connection with no answer. Once
            # answered, Tornado passes on no more of the body and closes the connection.
            error = BodyTooLargeError(self.limit)
            self.send_error(error.status, exc_info=(type(error), error, None))

    def read_json(self, schema: Schema) -> dict[str, Any]:
        """The body as `schema` loads it, in the contract's order of checks: 413 (held as
        it arrived), 415, 400, 422."""
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.partition(";")[0].strip().lower() != "application/json":
            raise UnsupportedMediaTypeError()
        try:
            data = json.loads(self.body.decode(), parse_constant=reject_constant)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise MalformedBodyError() from None
        return load(schema, data)

    def read_query(self, schema: Schema) -> dict[str, Any]:
        """The query as `schema` loads it, the last value of each parameter. Read from the
        bytes, not with `get_query_argument`, which strips whitespace, turns control
        characters into spaces and answers bytes that are not UTF-8 with 400, where the
        contract wants the parameter judged (422); undecodable bytes become lone
        surrogates, which the schemas refuse."""
        arguments = self.request.query_arguments
        data = {
            name: values[-1].decode(errors="surrogateescape") for name, values in arguments.items()
        }
        return load(schema, data)


class UsersHandler(BaseHandler):
    """/users"""

    SUPPORTED_METHODS = ("GET", "POST")

    def initialize(self, pool: db.Pool) -> None:
        self.pool = pool

    async def list_users(self) -> None:
        """List users"""
        params = self.read_query(list_params_schema)
        users, total = await db.list_users(
            self.pool, limit=params["limit"], offset=params["offset"], email=params["email"]
        )
        self.write(user_page_schema.dump({"items": users, "total": total, **params}))

    async def create_user(self) -> None:
        """Create a user"""
        body = self.read_json(user_create_schema)
        user = await db.create_user(self.pool, body)
        self.set_status(201)
        self.set_header("Location", self.reverse_url("user", user["id"]))
        self.write(user_public_schema.dump(user))

    get = list_users
    post = create_user


class UserHandler(BaseHandler):
    """/users/{id}"""

    SUPPORTED_METHODS = ("GET", "PATCH", "DELETE")

    def initialize(self, pool: db.Pool) -> None:
        self.pool = pool

    async def get_user(self, id: str) -> None:
        """Get a user"""
        self.write(user_public_schema.dump(await db.get_user(self.pool, user_id(id))))

    async def update_user(self, id: str) -> None:
        """Update a user"""
        changes = self.read_json(user_update_schema)
        self.write(user_public_schema.dump(await db.update_user(self.pool, user_id(id), changes)))

    async def delete_user(self, id: str) -> None:
        """Delete a user"""
        await db.delete_user(self.pool, user_id(id))
        self.set_status(204)

    get = get_user
    patch = update_user
    delete = delete_user


class HealthHandler(BaseHandler):
    """/health"""

    SUPPORTED_METHODS = ("GET",)

    def initialize(self, pool: db.Pool) -> None:
        self.pool = pool

    async def health(self) -> None:
        """Health check"""
        await db.ping(self.pool)
        self.write(health_schema.dump({}))

    get = health


class OpenAPIHandler(BaseHandler):
    """/openapi.json: the contract itself (Tornado has no generator that could produce it)."""

    SUPPORTED_METHODS = ("GET",)

    def initialize(self, document: dict[str, Any]) -> None:
        self.document = document

    def get(self) -> None:
        self.write(self.document)


class NotFoundHandler(BaseHandler):
    """The application's `default_handler_class`: what no route matches is 404, before its
    body is read (Tornado's own ErrorHandler would answer in HTML)."""

    def prepare(self) -> None:
        raise HTTPError(404)
