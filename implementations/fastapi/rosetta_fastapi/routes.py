"""The handlers, one per operationId of shared_contract/openapi.yaml."""

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.routing import APIRoute

from . import db
from .db import SessionDep
from .problems import UnsupportedMediaTypeError
from .schemas import (
    Health,
    ListParams,
    Problem,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    ValidationProblem,
)

UserId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def require_json(request: Request) -> None:
    """FastAPI would read a body of another media type as bytes and fail validation; the
    contract answers it with 415 instead."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaTypeError()


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ValidationProblem if code == 422 else Problem} for code in statuses}


def not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


class StrictJSONRequest(Request):
    """Python's json module reads NaN and Infinity, which JSON does not have; such a body
    is malformed (400), not a wrong value (422)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_constant=not_json)
        return self._json


class StrictJSONRoute(APIRoute):
    """FastAPI's documented way to use another Request class."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict


router = APIRouter(tags=["users"], route_class=StrictJSONRoute)


@router.get("/users", response_model=UserPage, responses=responses(422, 503))
async def list_users(session: SessionDep, params: Annotated[ListParams, Query()]) -> UserPage:
    """List users"""
    users, total = await db.list_users(
        session, limit=params.limit, offset=params.offset, email=params.email
    )
    items = [UserPublic.model_validate(user) for user in users]
    return UserPage(items=items, total=total, limit=params.limit, offset=params.offset)


@router.post(
    "/users",
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


@router.get("/users/{id}", responses=responses(404, 503))
async def get_user(session: SessionDep, id: UserId) -> UserPublic:
    """Get a user"""
    return UserPublic.model_validate(await db.get_user(session, id))


@router.patch(
    "/users/{id}",
    dependencies=[Depends(require_json)],
    responses=responses(400, 404, 409, 413, 415, 422, 503),
)
async def update_user(session: SessionDep, id: UserId, body: UserUpdate) -> UserPublic:
    """Update a user"""
    user = await db.update_user(session, id, body.model_dump(exclude_unset=True))
    return UserPublic.model_validate(user)


@router.delete("/users/{id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 503))
async def delete_user(session: SessionDep, id: UserId) -> None:
    """Delete a user"""
    await db.delete_user(session, id)


health_router = APIRouter(tags=["health"])


@health_router.get("/health", responses=responses(503))
async def health(session: SessionDep) -> Health:
    """Health check"""
    await db.ping(session)
    return Health(status="ok")
