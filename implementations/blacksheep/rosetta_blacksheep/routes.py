"""The handlers, one per operationId of the contract, on BlackSheep controllers; the
binders that read their input; BlackSheep generates the document from their docs."""

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar
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
from .problems import KINDS, UnsupportedMediaTypeError
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

USER_ID = re.compile(r"[1-9][0-9]{0,18}")
# The controllers' routes, gathered here and handed to each app by create_app: BlackSheep's
# default registry is a process-wide singleton, shared by every app made in the process.
router = RoutesRegistry()
get, post, patch, delete = router.get, router.post, router.patch, router.delete


def camel_case(name: str) -> str:
    """operationIds are the handlers' names in camelCase: `list_users` is `listUsers`. (Here,
    not in app.py: the handlers' `@docs` needs the generator when this module is imported.)"""
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


class ContractDocs(OpenAPIHandler):
    """BlackSheep's generator, with the operationIds of `camel_case`."""

    def get_operation_id(self, docs: EndpointDocs | None, handler: Any) -> str:
        return camel_case(handler.__name__)

    if TYPE_CHECKING:
        # BlackSheep's `@docs(...)` is not annotated; it hands the handler back unchanged.
        def __call__(self, doc: EndpointDocs | None = None, **details: Any) -> Callable[[F], F]: ...


docs = ContractDocs(info=Info(title="Users service", version="1.0.0"))


def reject_constant(constant: str) -> NoReturn:
    """Python's json module reads NaN and Infinity, which JSON does not have."""
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
            raise UnsupportedMediaTypeError()
        if not body:
            raise BadRequest("The body is empty; a JSON object is required.")
        try:
            data = json.loads(body.decode("utf-8"), parse_constant=reject_constant)  # any charset
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
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
    """`{id}` in ASCII digits with no sign or leading zero, up to BIGINT_MAX. Any other
    spelling names no user: 404, where BlackSheep's int binding would say 400 (or take "01")."""

    handle = UserId

    async def get_value(self, request: Request) -> int:
        value = request.route_values.get(self.parameter_name) or ""
        if not USER_ID.fullmatch(value) or int(value) > BIGINT_MAX:
            raise HTTPException(404, "No user has this id.")
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


def responses(*statuses: int) -> dict[ResponseStatusType, str | ResponseInfo]:
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
    @docs(responses={200: success("One page of users.", UserPage), **responses(422, 503)})
    @get("/users")
    async def list_users(self, params: ListParams, sessions: SessionFactory) -> UserPage:
        """List users"""
        async with sessions.begin() as session:
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
            **responses(400, 409, 413, 415, 422, 503),
        }
    )
    @post("/users")
    async def create_user(
        self, body: FromJSONBody[UserCreate], sessions: SessionFactory
    ) -> Response:
        """Create a user"""
        async with sessions.begin() as session:
            user = await db.create_user(session, body.value.model_dump())
        return self.created(UserPublic.model_validate(user), location=f"/users/{user.id}")

    @docs(responses={200: success("The user.", UserPublic), **responses(404, 503)})
    @get("/users/{id}")
    async def get_user(self, id: UserId, sessions: SessionFactory) -> UserPublic:
        """Get a user"""
        async with sessions.begin() as session:
            return UserPublic.model_validate(await db.get_user(session, id.value))

    # The body is bound before the id: the contract checks it (415, 400, 422) before 404.
    @docs(
        responses={
            200: success("The user after the update.", UserPublic),
            **responses(400, 404, 409, 413, 415, 422, 503),
        }
    )
    @patch("/users/{id}")
    async def update_user(
        self, body: FromJSONBody[UserUpdate], id: UserId, sessions: SessionFactory
    ) -> UserPublic:
        """Update a user"""
        async with sessions.begin() as session:
            changes = body.value.model_dump(exclude_unset=True)
            return UserPublic.model_validate(await db.update_user(session, id.value, changes))

    @docs(responses={204: "The user was deleted.", **responses(404, 503)})
    @delete("/users/{id}")
    async def delete_user(self, id: UserId, sessions: SessionFactory) -> None:
        """Delete a user"""
        async with sessions.begin() as session:
            await db.delete_user(session, id.value)


@docs.tags("health")
class HealthController(Controller):
    @docs(
        responses={200: success("The service and its database are up.", Health), **responses(503)}
    )
    @get("/health")
    async def health(self, sessions: SessionFactory) -> Health:
        """Health check"""
        async with sessions.begin() as session:
            await db.ping(session)
        return Health(status="ok")
