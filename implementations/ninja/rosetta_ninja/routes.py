"""The handlers, one per operationId of shared_contract/openapi.yaml: async operations on
Django's async ORM."""

from typing import Annotated

from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import aget_object_or_404
from django.urls import register_converter
from ninja import Path, Router, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from rosetta_ninja.models import User
from rosetta_ninja.pagination import UserPagination
from rosetta_ninja.problems import require_json
from rosetta_ninja.schemas import (
    Email,
    Health,
    Problem,
    UserCreate,
    UserPublic,
    UserUpdate,
    ValidationProblem,
)

MAX_ID = 2**63 - 1


class UserIdConverter:
    """A path segment that can name a user: the decimal form of 1..2**63-1. Anything else
    matches no route, so it is a 404 like an id that names no user (never a 422)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        user_id = int(value)
        if not 1 <= user_id <= MAX_ID:
            raise ValueError(value)  # Django's signal for "this route does not match"
        return user_id

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(UserIdConverter, "user_id")
# The converter decides which paths match; this documents the same range in OpenAPI.
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


def errors(*statuses: int) -> dict[int, type[Problem]]:
    return {code: ValidationProblem if code == 422 else Problem for code in statuses}


router = Router(tags=["users"])


@router.get("/users", response={200: list[UserPublic], **errors(422, 503)})
@paginate(UserPagination)
async def list_users(request: HttpRequest, email: Email | None = None) -> QuerySet[User]:
    """List users"""
    users = User.objects.order_by("id")
    if email is not None:
        # lower(email) = lower(%s): the expression of the unique index, which serves it.
        users = users.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))
    return users


@router.post(
    "/users",
    response={201: UserPublic, **errors(400, 409, 413, 415, 422, 503)},
    openapi_extra={
        "responses": {
            201: {"headers": {"Location": {"required": True, "schema": {"type": "string"}}}}
        }
    },
)
@decorate_view(require_json)
async def create_user(
    request: HttpRequest, response: HttpResponse, payload: UserCreate
) -> Status[User]:
    """Create a user"""
    user = await User.objects.acreate(**payload.model_dump())
    response["Location"] = f"/users/{user.id}"
    return Status(201, user)


@router.get("/users/{user_id:id}", response={200: UserPublic, **errors(404, 503)})
async def get_user(request: HttpRequest, id: UserId) -> User:
    """Get a user"""
    return await aget_object_or_404(User, pk=id)


@router.patch(
    "/users/{user_id:id}",
    response={200: UserPublic, **errors(400, 404, 409, 413, 415, 422, 503)},
)
@decorate_view(require_json)
async def update_user(request: HttpRequest, id: UserId, payload: UserUpdate) -> User:
    """Update a user"""
    changes = payload.model_dump(exclude_unset=True)
    # UPDATE ... SET only what was sent; the database's trigger moves updated_at.
    if changes and not await User.objects.filter(pk=id).aupdate(**changes):
        raise Http404
    return await aget_object_or_404(User, pk=id)


@router.delete("/users/{user_id:id}", response={204: None, **errors(404, 503)})
async def delete_user(request: HttpRequest, id: UserId) -> Status[None]:
    """Delete a user"""
    deleted, _ = await User.objects.filter(pk=id).adelete()
    if not deleted:
        raise Http404
    return Status(204, None)


health_router = Router(tags=["health"])


@health_router.get("/health", response={200: Health, **errors(503)})
async def health(request: HttpRequest) -> Health:
    """Health check"""
    await User.objects.aexists()  # any answer will do; no answer is a 503
    return Health(status="ok")
