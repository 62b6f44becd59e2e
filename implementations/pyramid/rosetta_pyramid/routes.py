"""The routes (`includeme`, the cookiecutter's routes.py) and the handlers, one per
operationId of the contract, found by `config.scan()`.

Every handler is declared with `openapi=True`: pyramid_openapi3 validates the request
against openapi.yaml before the handler runs, and `request.openapi_validated` holds what it
read (the query with its defaults, the path's id as an integer, the body)."""

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from pyramid.config import Configurator  # type: ignore[import-untyped]
from pyramid.httpexceptions import HTTPMethodNotAllowed  # type: ignore[import-untyped]
from pyramid.registry import Registry  # type: ignore[import-untyped]
from pyramid.request import Request  # type: ignore[import-untyped]
from pyramid.response import Response  # type: ignore[import-untyped]
from pyramid.tweens import INGRESS  # type: ignore[import-untyped]
from pyramid.view import view_config as untyped_view_config  # type: ignore[import-untyped]

from . import db
from .problems import (
    BodyTooLargeError,
    MalformedBodyError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)
from .schemas import (
    BIGINT_MAX,
    Health,
    ListParams,
    UserCreate,
    UserPage,
    UserPublic,
    UserUpdate,
    lone_surrogates,
    query_errors,
    reject_constant,
    user_public,
)

USER_ID = re.compile(r"[1-9][0-9]{0,18}")
View = Callable[[Any, Request], Any]
Handler = Callable[[Request], Response]
F = TypeVar("F", bound=Callable[..., Any])
# Pyramid has no type hints: its decorator, typed as what it is (it returns the function).
view_config: Callable[..., Callable[[F], F]] = untyped_view_config


class UserIdPredicate:
    """The route predicate `user_id=True`: `{id}` in ASCII digits with no leading zero, at
    most BIGINT_MAX. Any other `{id}` matches no route, so 404 (the contract allows it:
    such an id names no user). The pattern stays `/users/{id}`, as openapi.yaml spells it,
    for pyramid_openapi3 to find the operation."""

    def __init__(self, value: bool, config: Configurator) -> None:
        self.value = value

    def text(self) -> str:
        return f"user_id = {self.value}"

    phash = text

    def __call__(self, info: dict[str, Any], request: Request) -> bool:
        value = info["match"]["id"]
        return bool(USER_ID.fullmatch(value)) and int(value) <= BIGINT_MAX


def read_body(request: Request, limit: int) -> bytes:
    """At most `limit` bytes of the body, or 413: by its Content-Length before a byte is
    read; a chunked one (no Content-Length; the server has decoded it) as soon as it passes
    the limit. It becomes the request's body, for openapi-core (WebOb's own `request.body`
    would copy a body over 10 KB to a temporary file first)."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise BodyTooLargeError(limit)
    stream = request.body_file_raw
    if declared is not None:
        received = stream.read(declared)
    elif "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        received = bytearray()
        while len(received) <= limit and (chunk := stream.read(limit + 1 - len(received))):
            received += chunk
        if len(received) > limit:
            raise BodyTooLargeError(limit)
    else:
        received = b""
    request.body = bytes(received)
    return request.body  # type: ignore[no-any-return]


def read_json(request: Request) -> Any:
    """The body as JSON, in the contract's order of checks: over the limit (413), not
    application/json (415), not JSON (400), then strings that are not Unicode text (422).
    openapi-core would read the body whole before any limit, takes NaN and Infinity (Python's
    json module reads them), and its ECMA-262 patterns cannot read a lone surrogate."""
    data = read_body(request, request.registry.settings["rosetta.max_body_size"])
    if (request.content_type or "").lower() != "application/json":
        raise UnsupportedMediaTypeError()
    try:
        document = json.loads(data.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise MalformedBodyError() from None
    errors = [
        {"field": name, "message": "must be Unicode text (a lone surrogate)"}
        for name in lone_surrogates(document)
    ]
    if errors:
        raise ValidationFailedError(errors)
    return document


def json_body_view(view: View, info: Any) -> View:
    """The view deriver for `json_body=True`, over pyramid_openapi3's `openapi_view`: the
    body is refused (413, 415, 400) before openapi-core reads and validates it (422)."""
    if not info.options.get("json_body"):
        return view

    def wrapper(context: Any, request: Request) -> Any:
        read_json(request)
        return view(context, request)

    return wrapper


json_body_view.options = ("json_body",)  # type: ignore[attr-defined]


def read_query(request: Request) -> ListParams:
    """The query pyramid_openapi3 read (with the contract's defaults), once its integers are
    spelled in decimal digits too (openapi-core casts them with `int()`)."""
    errors = query_errors(request.GET)
    if errors:
        raise ValidationFailedError(errors)
    query = request.openapi_validated.parameters.query
    return ListParams(limit=query["limit"], offset=query["offset"], email=query.get("email"))


@view_config(route_name="users", request_method="GET", openapi=True, renderer="json")
def list_users(request: Request) -> UserPage:
    """List users"""
    params = read_query(request)
    users, total = db.list_users(request.dbsession, **params)
    items = [user_public(user) for user in users]
    return UserPage(items=items, total=total, limit=params["limit"], offset=params["offset"])


@view_config(
    route_name="users", request_method="POST", openapi=True, json_body=True, renderer="json"
)
def create_user(request: Request) -> UserPublic:
    """Create a user"""
    body: UserCreate = request.openapi_validated.body
    user = db.create_user(request.dbsession, {"email": body["email"], "name": body["name"]})
    request.response.status_code = 201
    request.response.headers["Location"] = request.route_path("user", id=user.id)
    return user_public(user)


@view_config(route_name="user", request_method="GET", openapi=True, renderer="json")
def get_user(request: Request) -> UserPublic:
    """Get a user"""
    user_id = request.openapi_validated.parameters.path["id"]
    return user_public(db.get_user(request.dbsession, user_id))


@view_config(
    route_name="user", request_method="PATCH", openapi=True, json_body=True, renderer="json"
)
def update_user(request: Request) -> UserPublic:
    """Update a user"""
    found = request.openapi_validated
    changes: UserUpdate = found.body
    user = db.update_user(request.dbsession, found.parameters.path["id"], dict(changes))
    return user_public(user)


@view_config(route_name="user", request_method="DELETE", openapi=True)
def delete_user(request: Request) -> Response:
    """Delete a user"""
    db.delete_user(request.dbsession, request.openapi_validated.parameters.path["id"])
    return Response(status=204)


@view_config(route_name="health", request_method="GET", openapi=True, renderer="json")
def health(request: Request) -> Health:
    """Health check"""
    db.ping(request.dbsession)
    return Health(status="ok")


@view_config(route_name="users")
@view_config(route_name="user")
@view_config(route_name="health")
@view_config(route_name="openapi")
def method_not_allowed(request: Request) -> Response:
    """A route's view for every other method (Pyramid tries the views with more predicates
    first; without this one a method no view takes is a 404). `Allow` lists the methods of
    the route's views, as Pyramid's introspector registered them."""
    introspector = request.registry.introspector
    route = introspector.get("routes", request.matched_route.name)
    allowed = {
        method
        for view in introspector.related(route)
        if view.category_name == "views"
        for method in methods(view["request_methods"])
    }
    detail = "The path does not accept this method."
    raise HTTPMethodNotAllowed(detail, headers={"Allow": ", ".join(sorted(allowed))})


def methods(request_methods: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """A view's `request_method`, as Pyramid keeps it: one name, a tuple, or None (any)."""
    if isinstance(request_methods, str):
        return (request_methods,)
    return request_methods or ()


@view_config(route_name="openapi", request_method="GET", renderer="json")
def openapi(request: Request) -> Any:
    """The contract as JSON: the document pyramid_openapi3 loaded (and serves as YAML at
    /openapi.yaml)."""
    return request.registry.settings["pyramid_openapi3"]["spec"].read_value()


def request_tween_factory(handler: Handler, registry: Registry) -> Handler:
    """The tween under Pyramid's ingress, over pyramid_openapi3's and pyramid_tm's, that
    gives them a request they can read:

    - HEAD is answered by the GET view, and sent without its body (WebOb leaves the body
      out when the request's method is HEAD again): openapi.yaml, like most contracts, has
      no `head` operations, and openapi-core refuses a request without one.
    - A query whose bytes are not UTF-8 is read with U+FFFD in their place, as Werkzeug
      reads it (WebOb's `request.GET` raises UnicodeDecodeError)."""

    def tween(request: Request) -> Response:
        try:
            request.GET  # noqa: B018  # decoded once and kept by WebOb
        except UnicodeDecodeError:
            query = parse_qsl(request.query_string, keep_blank_values=True, errors="replace")
            request.query_string = urlencode(query)
        if request.method != "HEAD":
            return handler(request)
        request.method = "GET"
        try:
            return handler(request)
        finally:
            request.method = "HEAD"

    return tween


def includeme(config: Configurator) -> None:
    """`config.include(".routes")`: the paths, written as openapi.yaml writes them."""
    config.add_tween(f"{__name__}.request_tween_factory", under=INGRESS)
    config.add_route_predicate("user_id", UserIdPredicate)
    config.add_view_deriver(json_body_view, under="decorated_view", over="openapi_view")
    config.add_route("users", "/users")
    config.add_route("user", "/users/{id}", user_id=True)
    config.add_route("health", "/health")
    config.add_route("openapi", "/openapi.json")
