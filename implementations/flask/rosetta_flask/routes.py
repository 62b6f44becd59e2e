"""The handlers, one per operationId of shared_contract/openapi.yaml."""

import json
from typing import Any, NoReturn

from flask import Blueprint, current_app, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import IntegerConverter

from . import db
from .schemas import Health, ListParams, UserCreate, UserPage, UserPublic, UserUpdate

bp = Blueprint("api", __name__)

USER_PATH = "/users/<user_id:id>"


class UserIdConverter(IntegerConverter):
    """Werkzeug's int converter on ASCII digits only (its pattern takes any script's digits,
    U+0661 for 1): "-1", "1.5" or "abc" match no route, so 404. Werkzeug checks a converter's
    min/max only after the method (PATCH /users/0 would be 405), so db.get_user answers 404
    to ids outside the bigint range instead."""

    regex = "[0-9]+"


def json_body() -> Any:
    """The body as JSON, checked in the contract's order: over the limit (413), not
    application/json (415), not JSON (400). `request.get_json()` checks the media type
    before the size, takes any `+json` type, and decodes UTF-16 and UTF-32 as well."""
    data = request.get_data()  # over MAX_CONTENT_LENGTH: 413
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("The body must be sent as application/json.")
    try:
        return json.loads(data.decode(), parse_constant=not_json)
    except ValueError as exc:  # UnicodeDecodeError included
        raise BadRequest("The body is not valid JSON.") from exc


def not_json(constant: str) -> NoReturn:
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
    body = UserCreate.model_validate(json_body())
    user = db.create_user(db.get_session(), body.model_dump())
    location = url_for(".get_user", id=user.id)
    return UserPublic.model_validate(user).model_dump(mode="json"), 201, {"Location": location}


@bp.get(USER_PATH)
def get_user(id: int) -> dict[str, Any]:
    """Get a user"""
    return UserPublic.model_validate(db.get_user(db.get_session(), id)).model_dump(mode="json")


@bp.patch(USER_PATH)
def update_user(id: int) -> dict[str, Any]:
    """Update a user"""
    body = UserUpdate.model_validate(json_body())
    user = db.update_user(db.get_session(), id, body.model_dump(exclude_unset=True))
    return UserPublic.model_validate(user).model_dump(mode="json")


@bp.delete(USER_PATH)
def delete_user(id: int) -> ResponseReturnValue:
    """Delete a user"""
    db.delete_user(db.get_session(), id)
    return "", 204


@bp.get("/health")
def health() -> dict[str, Any]:
    """Health check"""
    db.ping(db.get_session())
    return Health().model_dump()


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    """The contract itself, loaded at startup: Flask has no OpenAPI generator."""
    document: dict[str, Any] = current_app.extensions["openapi"]
    return document
