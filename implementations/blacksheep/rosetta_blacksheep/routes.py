"""The handlers, one per operationId of shared_contract/openapi.yaml, on BlackSheep
controllers; the binders that read their input; the OpenAPI docs that describe them."""

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from blacksheep import HTTPException, Request, Response, RoutesRegistry
from blacksheep.exceptions import BadRequest
from blacksheep.server.bindings import (
    Binder,
    FromJSON,
    FromRoute,
    InvalidRequestBody,
    JSONBinder,
    RouteBinder,
)
from blacksheep.server.controllers import Controller
from blacksheep.server.openapi.common import (
    ContentInfo,
    EndpointDocs,
    HeaderInfo,
    ResponseInfo,
    ResponseStatusType,
)
from blacksheep.server.openapi.v3 import OpenAPIHandler

# essentials-openapi ships no py.typed marker.
from openapidocs.v3 import (  # type: ignore[import-untyped]
    Info,
    Parameter,
    ParameterLocation,
    Schema,
    ValueFormat,
    ValueType,
)
from pydantic import BaseModel, ValidationError

from . import db
from .db import SessionFactory
from .problems import KINDS, UserNotFoundError
from .schemas import (
    BIGINT_MAX,
    EMAIL_PATTERN,
    Health,
    ListParams,
    Problem,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    ValidationProblem,
)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# Controllers' routes, gathered here and handed to each app by create_app: BlackSheep's
# default registry is a process-wide singleton, shared by every app made in the process.
controllers = RoutesRegistry()
get, post, patch, delete = controllers.get, controllers.post, controllers.patch, controllers.delete


class ContractDocs(OpenAPIHandler):
    """BlackSheep's generator; the operationIds are the handlers' names in camelCase."""

    def get_operation_id(self, docs: EndpointDocs | None, handler: Any) -> str:
        name: str = handler.__name__
        first, *rest = name.split("_")
        return first + "".join(word.title() for word in rest)

    if TYPE_CHECKING:
        # BlackSheep's `@docs(...)` is not annotated; it hands the handler back unchanged.
        def __call__(self, doc: EndpointDocs | None = None, **details: Any) -> Callable[[F], F]: ...


docs = ContractDocs(info=Info(title="Users service", version="1.0.0"))


def not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


class FromJSONBody(FromJSON[T]):
    """A JSON object in the request body, checked in the contract's order: 413 (while it is
    read, problems.BodySizeLimit), 415, 400, then 422 (the Pydantic model T)."""


class JSONBodyBinder(JSONBinder):
    """BlackSheep's FromJSON takes any media type that contains "json", answers a wrong one
    with 400, and refuses a falsy body (`{}`, `[]`, `null`) as missing: the contract differs
    on all three."""

    handle = FromJSONBody

    def matches_content_type(self, request: Request) -> bool:
        content_type = request.get_first_header(b"content-type") or b""
        return content_type.partition(b";")[0].strip().lower() == b"application/json"

    async def get_value(self, request: Request) -> Any:
        body = await request.read() or b""  # first, so that a body over the limit is a 413
        if not self.matches_content_type(request):
            raise HTTPException(415, "The body must be sent as application/json.")
        if not body:
            raise BadRequest("The body is empty; a JSON object is required.")
        try:
            # Python's json reads NaN and Infinity as floats; RFC 8259 does not have them.
            data = json.loads(body.decode("utf-8"), parse_constant=not_json)  # any charset
        except ValueError as exc:
            raise InvalidRequestBody("The body is not valid JSON.") from exc
        model: type[BaseModel] = self.expected_type
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise InvalidRequestBody("The body breaks a rule of the contract.") from exc


class ListParamsBinder(Binder):
    """Reads the whole query of listUsers into one model, as the binders of BlackSheep's MVC
    template do; a handler asks for it by type (`params: ListParams`)."""

    handle = ListParams

    async def get_value(self, request: Request) -> ListParams:
        # Not request.query: it drops blank values, and `limit=` must be refused too.
        query = dict(parse_qsl((request.url.query or b"").decode(), keep_blank_values=True))
        try:
            return ListParams.model_validate(query)
        except ValidationError as exc:
            raise BadRequest("The query breaks a rule of the contract.") from exc


class UserId(FromRoute[int]):
    """The `{id}` of /users/{id}: a positive integer that fits a bigint."""


class UserIdBinder(RouteBinder):
    """Any other `{id}` names no user: 404, where BlackSheep's int binding would say 400."""

    handle = UserId

    async def get_value(self, request: Request) -> int:
        value = request.route_values.get(self.parameter_name) or ""
        if not re.fullmatch(r"[0-9]+", value) or not 1 <= int(value) <= BIGINT_MAX:
            raise UserNotFoundError()
        return int(value)


# Custom binders are documented once, by binder type.
docs.set_binder_docs(
    UserIdBinder,
    [
        Parameter(
            "id",
            ParameterLocation.PATH,
            required=True,
            schema=Schema(ValueType.INTEGER, ValueFormat.INT64, minimum=1, maximum=BIGINT_MAX),
        )
    ],
)
docs.set_binder_docs(
    ListParamsBinder,
    [
        Parameter(
            "limit",
            ParameterLocation.QUERY,
            schema=Schema(ValueType.INTEGER, minimum=1, maximum=100, default=20),
        ),
        Parameter(
            "offset",
            ParameterLocation.QUERY,
            schema=Schema(
                ValueType.INTEGER, ValueFormat.INT64, minimum=0, maximum=BIGINT_MAX, default=0
            ),
        ),
        Parameter(
            "email",
            ParameterLocation.QUERY,
            description="Exact match, case-insensitive.",
            schema=Schema(ValueType.STRING, max_length=254, pattern=EMAIL_PATTERN),
        ),
    ],
)


def success(description: str, model: type[BaseModel], **headers: HeaderInfo) -> ResponseInfo:
    return ResponseInfo(description, headers=headers or None, content=[ContentInfo(model)])


def errors(*statuses: int) -> dict[ResponseStatusType, str | ResponseInfo]:
    """Error responses, documented as problem details."""
    return {
        status: ResponseInfo(
            KINDS[status][1],
            content=[
                ContentInfo(
                    ValidationProblem if status == 422 else Problem,
                    content_type="application/problem+json",
                )
            ],
        )
        for status in statuses
    }


@docs.tags("users")
class UsersController(Controller):
    @docs(responses={200: success("One page of users.", UserPage), **errors(422, 503)})
    @get("/users")
    async def list_users(self, params: ListParams, sessions: SessionFactory) -> UserPage:
        """List users"""
        async with db.transaction(sessions) as session:
            users, total = await db.list_users(
                session, limit=params.limit, offset=params.offset, email=params.email
            )
        items = [UserPublic.model_validate(user) for user in users]
        return UserPage(items=items, total=total, limit=params.limit, offset=params.offset)

    @docs(
        responses={
            201: success(
                "The user.", UserPublic, Location=HeaderInfo(str, "The path of the new user.")
            ),
            **errors(400, 409, 413, 415, 422, 503),
        }
    )
    @post("/users")
    async def create_user(
        self, body: FromJSONBody[UserCreate], sessions: SessionFactory
    ) -> Response:
        """Create a user"""
        async with db.transaction(sessions) as session:
            user = await db.create_user(session, body.value.model_dump())
        return self.created(UserPublic.model_validate(user), location=f"/users/{user.id}")

    @docs(responses={200: success("The user.", UserPublic), **errors(404, 503)})
    @get("/users/{id}")
    async def get_user(self, id: UserId, sessions: SessionFactory) -> UserPublic:
        """Get a user"""
        async with db.transaction(sessions) as session:
            return UserPublic.model_validate(await db.get_user(session, id.value))

    # The body is bound before the id: the contract checks it (415, 400, 422) before 404.
    @docs(
        responses={
            200: success("The user after the update.", UserPublic),
            **errors(400, 404, 409, 413, 415, 422, 503),
        }
    )
    @patch("/users/{id}")
    async def update_user(
        self, body: FromJSONBody[UserUpdate], id: UserId, sessions: SessionFactory
    ) -> UserPublic:
        """Update a user"""
        async with db.transaction(sessions) as session:
            changes = body.value.model_dump(exclude_unset=True)
            return UserPublic.model_validate(await db.update_user(session, id.value, changes))

    @docs(responses={204: "The user was deleted.", **errors(404, 503)})
    @delete("/users/{id}")
    async def delete_user(self, id: UserId, sessions: SessionFactory) -> None:
        """Delete a user"""
        async with db.transaction(sessions) as session:
            await db.delete_user(session, id.value)


@docs.tags("health")
class HealthController(Controller):
    @docs(responses={200: success("The service and its database are up.", Health), **errors(503)})
    @get("/health")
    async def health(self, sessions: SessionFactory) -> Health:
        """Health check"""
        async with db.transaction(sessions) as session:
            await db.ping(session)
        return Health(status="ok")
