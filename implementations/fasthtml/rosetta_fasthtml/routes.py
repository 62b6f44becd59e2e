"""The handlers, one per operationId of the contract, on FastHTML's router.

FastHTML fills each parameter from the request by its type: `UserCreate`, `UserUpdate`,
`ListParams` and `Users` through their `__from_request__`, `UserId` by casting the path."""

from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Protocol, TypeVar

from fasthtml.common import APIRouter  # type: ignore[import-untyped]  # ships no type information
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .db import Users
from .schemas import (
    Health,
    ListParams,
    UserCreate,
    UserId,
    UserPage,
    UserPublic,
    UserUpdate,
)

Handler = TypeVar("Handler", bound=Callable[..., Any])


class Router(Protocol):
    """The part of FastHTML's `APIRouter` used here, typed (FastHTML ships no types)."""

    def get(self, path: str) -> Callable[[Handler], Handler]: ...

    def post(self, path: str) -> Callable[[Handler], Handler]: ...

    def patch(self, path: str) -> Callable[[Handler], Handler]: ...

    def delete(self, path: str) -> Callable[[Handler], Handler]: ...

    def to_app(self, app: Any) -> None: ...


rt: Router = APIRouter()


@rt.get("/users")
def list_users(params: ListParams, users: Users) -> dict[str, Any]:
    """List users"""
    found, total = users.list_users(limit=params.limit, offset=params.offset, email=params.email)
    items = [UserPublic.of(user) for user in found]
    return asdict(UserPage(items, total, params.limit, params.offset))


@rt.post("/users")
def create_user(user: UserCreate, users: Users) -> Response:
    """Create a user"""
    created = UserPublic.of(users.create_user(asdict(user)))
    return JSONResponse(asdict(created), 201, headers={"Location": f"/users/{created.id}"})


@rt.get("/users/{id}")
def get_user(id: UserId, users: Users) -> dict[str, Any]:
    """Get a user"""
    return asdict(UserPublic.of(users.get_user(id)))


# The body comes before {id}: FastHTML fills parameters in order, and the contract answers a
# broken body (422) before an id that names no user (404).
@rt.patch("/users/{id}")
def update_user(changes: UserUpdate, id: UserId, users: Users) -> dict[str, Any]:
    """Update a user"""
    return asdict(UserPublic.of(users.update_user(id, changes.changes())))


@rt.delete("/users/{id}")
def delete_user(id: UserId, users: Users) -> Response:
    """Delete a user"""
    users.delete_user(id)
    return Response(status_code=204)


@rt.get("/health")
def health(users: Users) -> dict[str, Any]:
    """Health check"""
    users.ping()
    return asdict(Health())


@rt.get("/openapi.json")
def openapi(req: Request) -> dict[str, Any]:
    """The contract itself, loaded at startup: FastHTML generates no OpenAPI document."""
    document: dict[str, Any] = req.state.openapi
    return document
