"""The handlers, one per operationId of the contract."""

import json
from typing import Any, NoReturn

from flask import Blueprint, current_app, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.routing import IntegerConverter

from . import db
from .problems import MalformedBodyError, UnsupportedMediaTypeError, UserNotFoundError
from .schemas import BIGINT_MAX, Health, ListParams, UserCreate, UserPage, UserPublic, UserUpdate

bp = Blueprint("api", __name__)


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


def read_json() -> Any:
    """The body as JSON, checked in the contract's order: over the limit (413), not
    application/json (415), not JSON (400). `request.get_json()` checks the media type
    before the size, takes any `+json` type, and decodes UTF-16 and UTF-32 as well."""
    data = request.get_data()  # over MAX_CONTENT_LENGTH: 413
    if request.mimetype != "application/json":
        raise UnsupportedMediaTypeError()
    try:
        return json.loads(data.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedBodyError() from exc


def reject_constant(constant: str) -> NoReturn:
    """Python's json module reads NaN and Infinity, which JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


@bp.get("/users")
def list_users() -> dict[str, Any]:
    """List users"""
    params = ListParams.model_validate(request.args.to_dict())
    users, total = db.list_users(
        db.get_session(), limit=params.limit, offset=params.offset, email=params.email
    )
    items = [UserPublic.model_validate(user) for user in users]
    page = UserPage(items=items, total=total, limit=params.limit, offset=params.offset)
    return page.model_dump(mode="json")


@bp.post("/users")
def create_user() -> ResponseReturnValue:
    """Create a user"""
    body = UserCreate.model_validate(read_json())
    user = db.create_user(db.get_session(), body.model_dump())
    location = url_for(".get_user", id=user.id)
    return UserPublic.model_validate(user).model_dump(mode="json"), 201, {"Location": location}


@bp.get("/users/<user_id:id>")
def get_user(id: int) -> dict[str, Any]:
    """Get a user"""
    user = db.get_user(db.get_session(), id)
    return UserPublic.model_validate(user).model_dump(mode="json")


@bp.patch("/users/<user_id:id>")
def update_user(id: int) -> dict[str, Any]:
    """Update a user"""
    body = UserUpdate.model_validate(read_json())
    user = db.update_user(db.get_session(), id, body.model_dump(exclude_unset=True))
    return UserPublic.model_validate(user).model_dump(mode="json")


@bp.delete("/users/<user_id:id>")
def delete_user(id: int) -> ResponseReturnValue:
    """Delete a user"""
    db.delete_user(db.get_session(), id)
    return "", 204


@bp.get("/health")
def health() -> dict[str, Any]:
    """Health check"""
    db.ping(db.get_session())
    return Health(status="ok").model_dump()


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    """The contract itself, loaded by the factory: Flask has no OpenAPI generator."""
    document: dict[str, Any] = current_app.extensions["openapi"]
    return document
