"""The handlers, one per operationId of the contract (openapi.yaml in this package), on
Falcon's resources. Falcon routes a request to the resource's attribute `on_<method>`; each
class ends with those names bound to its handlers."""

import re
from typing import Any, TypeVar

import falcon
import msgspec
from falcon.asgi import Request, Response
from falcon.routing import BaseConverter

from . import db
from .problems import UnsupportedMediaTypeError, ValidationFailedError, field_errors
from .schemas import (
    BIGINT_MAX,
    Health,
    ListParams,
    UserCreate,
    UserPage,
    UserUpdate,
    decimal_integer,
)

T = TypeVar("T", bound=msgspec.Struct)


class UserIdConverter(BaseConverter):
    """`{id:user_id}`: an id in ASCII digits with no leading zero, at most BIGINT_MAX; any
    other segment matches no route, so 404 (Falcon's `int` takes other scripts' digits and a
    leading `+`: int() reads U+0661 as 1)."""

    regex = re.compile("[1-9][0-9]{0,18}")

    def convert(self, value: str) -> int | None:
        if not self.regex.fullmatch(value) or int(value) > BIGINT_MAX:
            return None
        return int(value)


async def read_json(req: Request, model: type[T]) -> T:
    """The body as `model`, in the contract's order of checks: 413 (problems.BodySizeLimit,
    then schemas.JSONHandler as it reads), 415, 400 (JSONHandler), 422."""
    # Falcon reads a body without Content-Type as its default media type (JSON); the
    # contract answers it with 415, like any media type other than application/json.
    media_type = falcon.parse_header(req.content_type or "")[0].lower()
    if media_type != falcon.MEDIA_JSON:
        raise UnsupportedMediaTypeError()
    data = await req.get_media()
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


def read_query(req: Request, model: type[T]) -> T:
    """The query as `model`, its integers written in decimal (schemas.decimal_integer)."""
    data: dict[str, Any] = dict(req.params)
    for field in msgspec.structs.fields(model):
        is_int = isinstance(msgspec.inspect.type_info(field.type), msgspec.inspect.IntType)
        if is_int and field.encode_name in data:
            data[field.encode_name] = decimal_integer(data[field.encode_name])
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError:
        raise ValidationFailedError(errors=field_errors(data, model)) from None


class UsersResource:
    """/users"""

    def __init__(self, pool: db.Pool) -> None:
        self.pool = pool

    async def list_users(self, req: Request, resp: Response) -> None:
        """List users"""
        params = read_query(req, ListParams)
        users, total = await db.list_users(
            self.pool, limit=params.limit, offset=params.offset, email=params.email
        )
        resp.media = UserPage(users, total, params.limit, params.offset)

    async def create_user(self, req: Request, resp: Response) -> None:
        """Create a user"""
        body = await read_json(req, UserCreate)
        user = await db.create_user(self.pool, body)
        resp.status = falcon.HTTP_201
        resp.location = f"/users/{user.id}"
        resp.media = user

    on_get = list_users
    on_post = create_user


class UserResource:
    """/users/{id}"""

    def __init__(self, pool: db.Pool) -> None:
        self.pool = pool

    async def get_user(self, req: Request, resp: Response, id: int) -> None:
        """Get a user"""
        resp.media = await db.get_user(self.pool, id)

    async def update_user(self, req: Request, resp: Response, id: int) -> None:
        """Update a user"""
        body = await read_json(req, UserUpdate)
        resp.media = await db.update_user(self.pool, id, body)

    async def delete_user(self, req: Request, resp: Response, id: int) -> None:
        """Delete a user"""
        await db.delete_user(self.pool, id)
        resp.status = falcon.HTTP_204

    on_get = get_user
    on_patch = update_user
    on_delete = delete_user


class HealthResource:
    """/health"""

    def __init__(self, pool: db.Pool) -> None:
        self.pool = pool

    async def health(self, req: Request, resp: Response) -> None:
        """Health check"""
        await db.ping(self.pool)
        resp.media = Health()

    on_get = health


class OpenAPIResource:
    """/openapi.json: the contract itself (Falcon has no generator that could produce it)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    async def on_get(self, req: Request, resp: Response) -> None:
        resp.media = self.document
