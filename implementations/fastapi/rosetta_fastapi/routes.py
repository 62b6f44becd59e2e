"""The handlers, one per operationId of the contract; FastAPI generates the document."""

import json
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.routing import APIRoute
from pydantic import BeforeValidator

from . import db
from .db import SessionDep
from .problems import UnsupportedMediaTypeError
from .schemas import (
    BIGINT_MAX,
    INT64,
    Health,
    ListParams,
    Problem,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    ValidationProblem,
)

USER_ID = re.compile(r"[1-9][0-9]{0,18}")


def user_id(value: object) -> object:
    """`{id}` in ASCII digits with no sign or leading zero; Pydantic's int would also take
    "+1", " 1" or "01". Any other spelling names no user (problems.on_validation_error: 404)."""
    if isinstance(value, str) and not USER_ID.fullmatch(value):
        raise ValueError("must be a positive decimal integer")
    return value


UserId = Annotated[
    int, Path(ge=1, le=BIGINT_MAX, json_schema_extra=INT64), BeforeValidator(user_id)
]


def require_json(request: Request) -> None:
    """FastAPI would read a body of another media type as bytes and fail validation; the
    contract answers it with 415 instead."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaTypeError()


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ValidationProblem if code == 422 else Problem} for code in statuses}


def reject_constant(constant: str) -> NoReturn:
    """Python's json module reads NaN and Infinity, which JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


class StrictJSONRequest(Request):
    """Python's json module reads NaN and Infinity, which JSON does not have; such a body
    is malformed (400), not a wrong value (422)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_constant=reject_constant)
        return self._json


class StrictJSONRoute(APIRoute):
    """FastAPI's documented way to use another Request class."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict


router = APIRouter(route_class=StrictJSONRoute)


@router.get("/users", tags=["users"], response_model=UserPage, responses=responses(422, 503))
async def list_users(session: SessionDep, params: Annotated[ListParams, Query()]) -> UserPage:
    """List users"""
    users, total = await db.list_users(
        session, limit=params.limit, offset=params.offset, email=params.email
    )
    items = [UserPublic.model_validate(user) for user in users]
    return UserPage(items=items, total=total, limit=params.limit, offset=params.offset)


@router.post(
    "/users",
    tags=["users"],
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_json)],
    responses={
        **responses(400, 409, 413, 415, 422, 503),
        201: {"headers": {"Location": {"required": True, "schema": {"type": "string"}}}},
    },
)
async def create_user(session: SessionDep, body: UserCreate, response: Response) -> UserPublic:
    """Create a user"""
    user = await db.create_user(session, body.model_dump())
    response.headers["Location"] = f"/users/{user.id}"
    return UserPublic.model_validate(user)


@router.get("/users/{id}", tags=["users"], responses=responses(404, 503))
async def get_user(session: SessionDep, id: UserId) -> UserPublic:
    """Get a user"""
    return UserPublic.model_validate(await db.get_user(session, id))


@router.patch(
    "/users/{id}",
    tags=["users"],
    dependencies=[Depends(require_json)],
    responses=responses(400, 404, 409, 413, 415, 422, 503),
)
async def update_user(session: SessionDep, id: UserId, body: UserUpdate) -> UserPublic:
    """Update a user"""
    user = await db.update_user(session, id, body.model_dump(exclude_unset=True))
    return UserPublic.model_validate(user)


@router.delete(
    "/users/{id}",
    tags=["users"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404, 503),
)
async def delete_user(session: SessionDep, id: UserId) -> None:
    """Delete a user"""
    await db.delete_user(session, id)


@router.get("/health", tags=["health"], responses=responses(503))
async def health(session: SessionDep) -> Health:
    """Health check"""
    await db.ping(session)
    return Health(status="ok")
