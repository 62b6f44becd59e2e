"""The handlers, one per operationId of shared_contract/openapi.yaml."""

import re
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, SerializationException, ValidationException
from litestar.params import Body, PathParameter, QueryParameter
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from sqlalchemy.ext.asyncio import AsyncSession

from . import db, problems
from .schemas import (
    EMAIL_PATTERN,
    Health,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    member_errors,
)

BIGINT_MAX = 2**63 - 1
DECIMAL = re.compile(r"-?[0-9]+")
# Litestar writes bounds into the schema as floats, which cannot hold 2**63 - 1 exactly.
UserId = Annotated[int, PathParameter(ge=1, le=BIGINT_MAX, schema_extra={"maximum": BIGINT_MAX})]
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Offset = Annotated[int, QueryParameter(ge=0, le=BIGINT_MAX, schema_extra={"maximum": BIGINT_MAX})]
# On a union, Litestar keeps the constraints of the parameter, not those inside the union.
EmailFilter = Annotated[str | None, QueryParameter(max_length=254, pattern=EMAIL_PATTERN)]
# The Structs refuse unknown members (forbid_unknown_fields); Litestar's schema does not say so.
JSONObject = Body(media_type=RequestEncodingType.JSON, schema_extra={"additionalProperties": False})
# The header create_user sets, for the document: only the type of `value` reaches it.
LOCATION = ResponseHeader(
    name="Location",
    value="/users/{id}",
    description="The path of the new user, `/users/{id}`.",
    required=True,
    documentation_only=True,
)


async def check_body(request: Request[Any, Any, Any]) -> None:
    """The body of POST and PATCH, checked in the contract's order before Litestar decodes it
    into `data`: over 1 MiB (413), not application/json (415), empty or not JSON (400), then
    every member that breaks a rule (422; msgspec alone would stop at the first)."""
    body = await request.body()  # past request_max_body_size: 413
    if request.content_type[0] != "application/json":
        raise ClientException(
            "The body must be sent as application/json.",
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    if not body:
        raise ClientException("The body is empty; a JSON object is required.")
    try:
        document = await request.json()
    except (SerializationException, UnicodeDecodeError) as exc:  # msgspec lets the latter out
        raise ClientException("The body is not valid JSON.") from exc
    model = request.route_handler.parsed_fn_signature.parameters["data"].annotation
    if errors := member_errors(model, document):
        extra = [
            {"key": field, "message": message, "source": "body"}
            for field, message in errors.items()
        ]
        raise ValidationException("The body breaks a rule of the contract.", extra=extra)


async def check_decimal_query(request: Request[Any, Any, Any]) -> None:
    """msgspec reads "2.0" as the integer 2; the contract takes decimal integers only."""
    for name in ("limit", "offset"):
        value = request.query_params.get(name)
        if value is not None and not DECIMAL.fullmatch(value):
            extra = [{"key": name, "message": "Expected a decimal integer", "source": "query"}]
            raise ValidationException(extra=extra)


class UserController(Controller):
    path = "/users"
    tags = ("users",)

    @get(
        before_request=check_decimal_query,
        responses=problems.responses(422, 503),
        operation_class=problems.WithoutValidation400,
    )
    async def list_users(
        self,
        transaction: NamedDependency[AsyncSession],
        limit: Limit = 20,
        offset: Offset = 0,
        email: EmailFilter = None,
    ) -> UserPage:
        """List users"""
        users, total = await db.list_users(transaction, limit=limit, offset=offset, email=email)
        items = [UserPublic.from_user(user) for user in users]
        return UserPage(items=items, total=total, limit=limit, offset=offset)

    @post(
        before_request=check_body,
        response_headers=[LOCATION],
        responses=problems.responses(400, 409, 413, 415, 422, 503),
    )
    async def create_user(
        self, transaction: NamedDependency[AsyncSession], data: Annotated[UserCreate, JSONObject]
    ) -> Response[UserPublic]:
        """Create a user"""
        user = await db.create_user(transaction, msgspec.to_builtins(data))
        return Response(UserPublic.from_user(user), headers={"Location": f"/users/{user.id}"})

    @get(
        "/{id:int}",
        responses=problems.responses(404, 503),
        operation_class=problems.WithoutValidation400,
    )
    async def get_user(self, transaction: NamedDependency[AsyncSession], id: UserId) -> UserPublic:
        """Get a user"""
        return UserPublic.from_user(await db.get_user(transaction, id))

    @patch(
        "/{id:int}",
        before_request=check_body,
        responses=problems.responses(400, 404, 409, 413, 415, 422, 503),
    )
    async def update_user(
        self,
        transaction: NamedDependency[AsyncSession],
        id: UserId,
        data: Annotated[UserUpdate, JSONObject],
    ) -> UserPublic:
        """Update a user"""
        # to_builtins leaves out the members that were not sent (UNSET).
        user = await db.update_user(transaction, id, msgspec.to_builtins(data))
        return UserPublic.from_user(user)

    @delete(
        "/{id:int}",
        responses=problems.responses(404, 503),
        operation_class=problems.WithoutValidation400,
    )
    async def delete_user(self, transaction: NamedDependency[AsyncSession], id: UserId) -> None:
        """Delete a user"""
        await db.delete_user(transaction, id)


@get("/health", tags=["health"], responses=problems.responses(503))
async def health(transaction: NamedDependency[AsyncSession]) -> Health:
    """Health check"""
    await db.ping(transaction)
    return Health(status="ok")
