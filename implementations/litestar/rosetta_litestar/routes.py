"""The handlers, one per operationId of the contract; Litestar generates the document."""

import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Any, NoReturn

import msgspec
from litestar import Controller, HttpMethod, Request, Response, delete, get, patch, post, route
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, SerializationException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Operation
from litestar.params import Body, PathParameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from . import db
from .problems import MalformedBodyError, UnsupportedMediaTypeError
from .schemas import (
    BIGINT_MAX,
    DECIMAL_INTEGER,
    EMAIL_PATTERN,
    Health,
    Problem,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    ValidationProblem,
    member_errors,
)

USER_ID = re.compile(r"[1-9][0-9]{0,18}")
# Litestar writes bounds into the schema as floats, which cannot hold 2**63 - 1 exactly,
# and no format for a bigint.
BIGINT = {"maximum": BIGINT_MAX, "format": "int64"}
UserId = Annotated[int, PathParameter(ge=1, le=BIGINT_MAX, schema_extra=BIGINT)]
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Offset = Annotated[int, QueryParameter(ge=0, le=BIGINT_MAX, schema_extra=BIGINT)]
# On a union, Litestar keeps the constraints of the parameter, not those inside the union,
# and documents None as a null: the parameter is absent or a string.
NOT_NULL = {"oneOf": None, "type": "string"}
EmailFilter = Annotated[
    str | None, QueryParameter(max_length=254, pattern=EMAIL_PATTERN, schema_extra=NOT_NULL)
]
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


async def check_user_id(request: Request[Any, Any, Any]) -> None:
    """`{id}` in ASCII digits with no sign or leading zero. Litestar's `{id:int}` would take
    what int() takes ("+1", " 1", U+0661 for 1), and an int parameter on `{id:str}` what
    msgspec's lax mode takes ("1.0"); any other spelling names no user (404)."""
    if not USER_ID.fullmatch(request.path_params["id"]):
        raise NotFoundException("No user has this id.")


async def check_body(request: Request[Any, Any, Any]) -> None:
    """The body of POST and PATCH, checked in the contract's order before Litestar decodes it
    into `data`: over 1 MiB (413), not application/json (415), empty or not JSON (400), then
    every member that breaks a rule (422; msgspec alone would stop at the first)."""
    body = await request.body()  # past request_max_body_size: 413
    if request.content_type[0] != "application/json":
        raise UnsupportedMediaTypeError()
    if not body:
        raise MalformedBodyError("The body is empty; a JSON object is required.")
    try:
        document = await request.json()
    except RecursionError as exc:  # nested deeper than msgspec reads
        raise MalformedBodyError() from exc
    except (SerializationException, UnicodeDecodeError):  # msgspec lets the latter out
        # msgspec also refuses a lone surrogate ("\ud800"): JSON, but no Unicode text.
        # Python's json module reads it, so that member_errors can name its member (422).
        document = lenient_json(body)
    model = request.route_handler.parsed_fn_signature.parameters["data"].annotation
    if errors := member_errors(model, document):
        extra = [
            {"key": field, "message": message, "source": "body"}
            for field, message in errors.items()
        ]
        raise ValidationException("The body breaks a rule of the contract.", extra=extra)


def lenient_json(body: bytes) -> object:
    """The body as Python's json module reads it, lone surrogates included; what it cannot
    read either is malformed (400)."""
    try:
        return json.loads(body.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedBodyError() from exc


def reject_constant(constant: str) -> NoReturn:
    """Python's json module reads NaN and Infinity, which JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


async def check_update(request: Request[Any, Any, Any]) -> None:
    """PATCH /users/{id}: the id, then the body (a route takes one `before_request`)."""
    await check_user_id(request)
    await check_body(request)


async def check_decimal_query(request: Request[Any, Any, Any]) -> None:
    """msgspec reads "2.0" as the integer 2; the contract takes decimal integers only."""
    for name in ("limit", "offset"):
        value = request.query_params.get(name)
        if value is not None and not DECIMAL_INTEGER.fullmatch(value):
            extra = [{"key": name, "message": "Expected a decimal integer", "source": "query"}]
            raise ValidationException(extra=extra)


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            ValidationProblem if status == 422 else Problem,
            description=HTTPStatus(status).phrase,
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }


@dataclass
class WithoutValidation400(Operation):
    """Litestar documents a 400 (its ValidationException) for every operation that has
    parameters; here a 400 is a malformed body, so operations without a body drop it."""

    def __post_init__(self) -> None:
        if self.request_body is None and self.responses:
            self.responses.pop("400", None)


class UsersController(Controller):
    path = "/users"
    tags = ("users",)

    # Litestar registers a controller's handlers one by one, sorted by name, and makes an
    # OPTIONS handler for a path when its first handler is registered: that automatic one
    # keeps the methods of that first handler only (litestar-org/litestar#4169, fixed in
    # v3). So the first handler of each path is this one, named to sort first.
    @route(["/", "/{id:str}"], http_method=HttpMethod.OPTIONS, include_in_schema=False)
    async def allow(self, request: Request[Any, Any, Any]) -> Response[None]:
        """OPTIONS, as Litestar's automatic handler answers it: 204 with the path's methods
        in Allow, read from the route when asked (the list its 405 gives)."""
        template = request.scope["path_template"]
        route = next(route for route in request.app.routes if route.path_format == template)
        return Response(None, status_code=204, headers={"Allow": ", ".join(sorted(route.methods))})

    @get(
        before_request=check_decimal_query,
        responses=responses(422, 503),
        operation_class=WithoutValidation400,
    )
    async def list_users(
        self,
        session: NamedDependency[AsyncSession],
        limit: Limit = 20,
        offset: Offset = 0,
        email: EmailFilter = None,
    ) -> UserPage:
        """List users"""
        users, total = await db.list_users(session, limit=limit, offset=offset, email=email)
        items = [UserPublic.from_user(user) for user in users]
        return UserPage(items=items, total=total, limit=limit, offset=offset)

    @post(
        before_request=check_body,
        response_headers=[LOCATION],
        responses=responses(400, 409, 413, 415, 422, 503),
    )
    async def create_user(
        self, session: NamedDependency[AsyncSession], data: Annotated[UserCreate, JSONObject]
    ) -> Response[UserPublic]:
        """Create a user"""
        user = await db.create_user(session, msgspec.to_builtins(data))
        return Response(UserPublic.from_user(user), headers={"Location": f"/users/{user.id}"})

    @get(
        "/{id:str}",
        before_request=check_user_id,
        responses=responses(404, 503),
        operation_class=WithoutValidation400,
    )
    async def get_user(self, session: NamedDependency[AsyncSession], id: UserId) -> UserPublic:
        """Get a user"""
        return UserPublic.from_user(await db.get_user(session, id))

    @patch(
        "/{id:str}",
        before_request=check_update,
        responses=responses(400, 404, 409, 413, 415, 422, 503),
    )
    async def update_user(
        self,
        session: NamedDependency[AsyncSession],
        id: UserId,
        data: Annotated[UserUpdate, JSONObject],
    ) -> UserPublic:
        """Update a user"""
        # to_builtins leaves out the members that were not sent (UNSET).
        user = await db.update_user(session, id, msgspec.to_builtins(data))
        return UserPublic.from_user(user)

    @delete(
        "/{id:str}",
        before_request=check_user_id,
        responses=responses(404, 503),
        operation_class=WithoutValidation400,
    )
    async def delete_user(self, session: NamedDependency[AsyncSession], id: UserId) -> None:
        """Delete a user"""
        await db.delete_user(session, id)


@get("/health", tags=["health"], responses=responses(503))
async def health(session: NamedDependency[AsyncSession]) -> Health:
    """Health check"""
    await db.ping(session)
    return Health(status="ok")
