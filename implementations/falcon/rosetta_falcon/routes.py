"""The resources, their handlers named after the operationIds of shared_contract/openapi.yaml.
Falcon routes a request to the resource's attribute `on_<method>`; each class ends with
those names bound to its handlers."""

from typing import Any

import falcon
import msgspec
from falcon.asgi import Request, Response

from .db import Database
from .schemas import (
    Health,
    ListParams,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    from_query,
)


class UsersResource:
    """/users"""

    POST_SCHEMA = UserCreate  # validated into `body` by schemas.MsgspecMiddleware

    def __init__(self, db: Database) -> None:
        self.db = db

    async def list_users(self, req: Request, resp: Response) -> None:
        """List users"""
        query = from_query(req.params, ListParams)
        users, total = await self.db.list_users(
            limit=query.limit, offset=query.offset, email=query.email
        )
        items = [UserPublic.from_row(user) for user in users]
        resp.media = UserPage(items=items, total=total, limit=query.limit, offset=query.offset)

    async def create_user(self, req: Request, resp: Response, body: UserCreate) -> None:
        """Create a user"""
        user = await self.db.create_user(email=body.email, name=body.name)
        resp.status = falcon.HTTP_201
        resp.location = f"/users/{user['id']}"
        resp.media = UserPublic.from_row(user)

    on_get = list_users
    on_post = create_user


class UserResource:
    """/users/{id}"""

    PATCH_SCHEMA = UserUpdate

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_user(self, req: Request, resp: Response, id: int) -> None:
        """Get a user"""
        resp.media = UserPublic.from_row(await self.db.get_user(id))

    async def update_user(self, req: Request, resp: Response, id: int, body: UserUpdate) -> None:
        """Update a user"""
        # to_builtins leaves out the members that were not sent (UNSET).
        changes = msgspec.to_builtins(body)
        resp.media = UserPublic.from_row(await self.db.update_user(id, **changes))

    async def delete_user(self, req: Request, resp: Response, id: int) -> None:
        """Delete a user"""
        await self.db.delete_user(id)
        resp.status = falcon.HTTP_204

    on_get = get_user
    on_patch = update_user
    on_delete = delete_user


class HealthResource:
    """/health"""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def health(self, req: Request, resp: Response) -> None:
        """Health check"""
        await self.db.ping()
        resp.media = Health()

    on_get = health


class OpenAPIResource:
    """/openapi.json: the contract itself (Falcon generates no document)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    async def on_get(self, req: Request, resp: Response) -> None:
        resp.media = self.document
