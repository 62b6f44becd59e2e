"""The handlers, one per operationId of shared_contract/openapi.yaml."""

import json
from collections.abc import Callable
from typing import Any, TypeVar

from quart import Blueprint, request
from quart_schema import (
    document_response,
    tag_blueprint,
    validate_querystring,
    validate_request,
    validate_response,
)
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from . import db
from .schemas import (
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

# Werkzeug's int converter answers 404 for anything but decimal digits. Its bounds
# (`int(min=1)`) are no use here: Werkzeug compares the method before it converts, so
# PATCH /users/0 would be a 405 (GET matched); db.get_user answers ids out of range.
USER = "/users/<int:id>"

F = TypeVar("F", bound=Callable[..., object])


def problem_responses(*statuses: int) -> Callable[[F], F]:
    """Document the problem details an operation may answer (quart-schema's document_response)."""

    def decorate(handler: F) -> F:
        for status in statuses:
            model = ValidationProblem if status == 422 else Problem
            handler = document_response(model, status)(handler)
        return handler

    return decorate


blueprint = Blueprint("users", __name__)
tag_blueprint(blueprint, ["users"])


@blueprint.before_request
async def require_json() -> None:
    """Checks the body of POST and PATCH in the contract's order: 413, 415, then 400.
    quart-schema's @validate_request would read a body of another media type as None and
    answer 400, and a body that is not UTF-8 would escape Quart's get_json as a 500."""
    if request.method not in {"POST", "PATCH"}:
        return
    await request.get_data()  # Quart raises 413 here past MAX_CONTENT_LENGTH
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("The body must be sent as application/json.")
    try:
        # Checked here with json.loads: Quart's get_json (which @validate_request calls)
        # reads NaN and Infinity as floats, and RFC 8259 does not have them.
        json.loads(await request.get_data(as_text=True), parse_constant=not_json)
    except ValueError:  # UnicodeDecodeError included
        raise BadRequest("The body is empty or not valid JSON.") from None


def not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


@blueprint.get("/users")
@validate_querystring(ListParams)
@validate_response(UserPage)
@problem_responses(422, 503)
async def list_users(query_args: ListParams) -> UserPage:
    """List users"""
    async with db.transaction() as session:
        users, total = await db.list_users(
            session, limit=query_args.limit, offset=query_args.offset, email=query_args.email
        )
    items = [UserPublic.model_validate(user) for user in users]
    return UserPage(items=items, total=total, limit=query_args.limit, offset=query_args.offset)


@blueprint.post("/users")
@validate_request(UserCreate)
@validate_response(UserPublic, 201, Location)
@problem_responses(400, 409, 413, 415, 422, 503)
async def create_user(data: UserCreate) -> tuple[UserPublic, int, Location]:
    """Create a user"""
    async with db.transaction() as session:
        user = await db.create_user(session, data.model_dump())
    return UserPublic.model_validate(user), 201, Location(location=f"/users/{user.id}")


@blueprint.get(USER)
@validate_response(UserPublic)
@problem_responses(404, 503)
async def get_user(id: int) -> UserPublic:
    """Get a user"""
    async with db.transaction() as session:
        return UserPublic.model_validate(await db.get_user(session, id))


@blueprint.patch(USER)
@validate_request(UserUpdate)
@validate_response(UserPublic)
@problem_responses(400, 404, 409, 413, 415, 422, 503)
async def update_user(id: int, data: UserUpdate) -> UserPublic:
    """Update a user"""
    async with db.transaction() as session:
        user = await db.update_user(session, id, data.model_dump(exclude_unset=True))
    return UserPublic.model_validate(user)


@blueprint.delete(USER)
@document_response(None, 204)  # no body: see app.ContractOpenAPIProvider
@problem_responses(404, 503)
async def delete_user(id: int) -> tuple[str, int]:
    """Delete a user"""
    async with db.transaction() as session:
        await db.delete_user(session, id)
    return "", 204


health_blueprint = Blueprint("health", __name__)
tag_blueprint(health_blueprint, ["health"])


@health_blueprint.get("/health")
@validate_response(Health)
@problem_responses(503)
async def health() -> Health:
    """Health check"""
    async with db.transaction() as session:
        await db.ping(session)
    return Health(status="ok")
