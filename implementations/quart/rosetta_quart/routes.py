"""The handlers, one per operationId of the contract."""

import json
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from quart import Blueprint, request, url_for
from quart.typing import ResponseReturnValue
from quart_schema import document_querystring, document_request, document_response, tag
from werkzeug.routing import IntegerConverter

from . import db
from .problems import MalformedBodyError, UnsupportedMediaTypeError, UserNotFoundError
from .schemas import (
    BIGINT_MAX,
    Health,
    ListParams,
    Location,
    Problem,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    ValidationProblem,
)

bp = Blueprint("api", __name__)
F = TypeVar("F", bound=Callable[..., object])


class UserIdConverter(IntegerConverter):
    """`{id}` in ASCII digits with no leading zero; any other spelling matches no route, so
    404 (Werkzeug's `int` takes other scripts' digits: U+0661 reads as 1). An id past
    BIGINT_MAX is a 404 raised here: Werkzeug compares the methods of the path's rules
    before it converts, so the converter's ValidationError would make a PATCH 405."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        user_id = int(value)
        if user_id > BIGINT_MAX:
            raise UserNotFoundError(user_id)
        return user_id


async def read_json() -> Any:
    """The body as JSON, checked in the contract's order: over the limit (413), not
    application/json (415), not JSON (400). quart-schema's `@validate_request` reads a body
    of another media type as None (a 400), and Quart's `get_json()` lets a body that is not
    UTF-8 escape as a 500: the handlers validate what this returns, as in Flask."""
    # Over MAX_CONTENT_LENGTH: 413. (Quart types the result `bytes` only with all three.)
    data = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    if request.mimetype != "application/json":
        raise UnsupportedMediaTypeError()
    try:
        return json.loads(data.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedBodyError() from exc


def responses(*statuses: int) -> Callable[[F], F]:
    """Document the problem details an operation may answer (quart-schema's document_response)."""

    def decorate(handler: F) -> F:
        for status in statuses:
            model = ValidationProblem if status == 422 else Problem
            handler = document_response(model, status)(handler)
        return handler

    return decorate


def reject_constant(constant: str) -> NoReturn:
    """Python's json module reads NaN and Infinity, which JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


# quart-schema's document_* decorators describe each operation in the generated document;
# the handlers validate themselves, as in Flask (read_json keeps the contract's order).


@bp.get("/users")
@document_querystring(ListParams)
@document_response(UserPage)
@responses(422, 503)
@tag(["users"])
async def list_users() -> dict[str, Any]:
    """List users"""
    params = ListParams.model_validate(request.args.to_dict())
    users, total = await db.list_users(
        db.get_session(), limit=params.limit, offset=params.offset, email=params.email
    )
    items = [UserPublic.model_validate(user) for user in users]
    page = UserPage(items=items, total=total, limit=params.limit, offset=params.offset)
    return page.model_dump(mode="json")


@bp.post("/users")
@document_request(UserCreate)
@document_response(UserPublic, 201, Location)
@responses(400, 409, 413, 415, 422, 503)
@tag(["users"])
async def create_user() -> ResponseReturnValue:
    """Create a user"""
    body = UserCreate.model_validate(await read_json())
    user = await db.create_user(db.get_session(), body.model_dump())
    location = url_for(".get_user", id=user.id)
    return UserPublic.model_validate(user).model_dump(mode="json"), 201, {"Location": location}


@bp.get("/users/<user_id:id>")
@document_response(UserPublic)
@responses(404, 503)
@tag(["users"])
async def get_user(id: int) -> dict[str, Any]:
    """Get a user"""
    user = await db.get_user(db.get_session(), id)
    return UserPublic.model_validate(user).model_dump(mode="json")


@bp.patch("/users/<user_id:id>")
@document_request(UserUpdate)
@document_response(UserPublic)
@responses(400, 404, 409, 413, 415, 422, 503)
@tag(["users"])
async def update_user(id: int) -> dict[str, Any]:
    """Update a user"""
    body = UserUpdate.model_validate(await read_json())
    user = await db.update_user(db.get_session(), id, body.model_dump(exclude_unset=True))
    return UserPublic.model_validate(user).model_dump(mode="json")


@bp.delete("/users/<user_id:id>")
@document_response(None, 204)  # no body: see app.ContractOpenAPIProvider
@responses(404, 503)
@tag(["users"])
async def delete_user(id: int) -> ResponseReturnValue:
    """Delete a user"""
    await db.delete_user(db.get_session(), id)
    return "", 204


@bp.get("/health")
@document_response(Health)
@responses(503)
@tag(["health"])
async def health() -> dict[str, Any]:
    """Health check"""
    await db.ping(db.get_session())
    return Health(status="ok").model_dump()
