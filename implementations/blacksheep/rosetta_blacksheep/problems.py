"""Every error as RFC 9457 problem details, mapped in this one module.

ProblemError                raised by handlers, binders and the data layer
 +-- UserNotFoundError         404
 +-- MethodNotAllowedError     405 (with Allow), from the router's fallback
 +-- UnsupportedMediaTypeError 415
HTTPException               BlackSheep's own, by status: 400 (422 when a Pydantic
                            ValidationError caused it), 404, 413, 500
IntegrityError              409 (the unique index) or 422 (a check constraint)
connection errors           503: lost, refused, timed out (connect, pool, statement), or
                            the server shutting down (`unavailable`)
anything else               500 (through BlackSheep's handler for status 500)
"""

import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from blacksheep import Application, Content, Request, Response
from blacksheep.contents import ASGIContent
from blacksheep.exceptions import HTTPException
from blacksheep.server.routing import Router
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

TYPE_BASE = "https://rosetta.example/problems/"
KINDS = {
    400: ("malformed-body", "Malformed request body"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("email-taken", "Email already taken"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation failed"),
    500: ("internal-error", "Internal server error"),
    503: ("database-unavailable", "Database unavailable"),
}
INTERNAL_ERROR = "The server could not complete the request."
FieldErrors = list[dict[str, str]]
Handler = Callable[[Request], Awaitable[Response]]


def problem(
    status: int,
    detail: str,
    *,
    errors: FieldErrors | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if status in KINDS:
        slug, title = KINDS[status]
        kind = TYPE_BASE + slug
    else:
        kind, title = "about:blank", HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": kind, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    raw_headers = [(name.encode(), value.encode()) for name, value in (headers or {}).items()]
    content = Content(b"application/problem+json", json.dumps(body).encode())
    return Response(status, raw_headers, content)


class ProblemError(Exception):
    status = 500
    detail = INTERNAL_ERROR

    def __init__(self, detail: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.detail)
        self.headers = headers


class UserNotFoundError(ProblemError):
    status = 404

    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


class MethodNotAllowedError(ProblemError):
    status = 405

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(
            f"This path answers {', '.join(allowed)} only.", headers={"Allow": ", ".join(allowed)}
        )


class UnsupportedMediaTypeError(ProblemError):
    status = 415
    detail = "The body must be sent as application/json."


def field_errors(exc: ValidationError) -> FieldErrors:
    """One entry per offending member or parameter, named as the contract says."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error["loc"]
        field = str(loc[0]) if loc else "body"
        errors.setdefault(field, error["msg"])
    return [{"field": field, "message": message} for field, message in errors.items()]


async def on_problem(app: Application, request: Request, exc: ProblemError) -> Response:
    return problem(exc.status, str(exc), headers=exc.headers)


async def on_http_exception(app: Application, request: Request, exc: HTTPException) -> Response:
    # BlackSheep's binders wrap what they cannot read in a BadRequest; when Pydantic is the
    # cause, the request was well-formed and broke a rule (its own 400 handler looks there
    # too, to render the Pydantic errors).
    if exc.status == 400 and isinstance(exc.__cause__, ValidationError):
        errors = field_errors(exc.__cause__)
        return problem(422, "The request breaks a rule of the contract.", errors=errors)
    if exc.status == 500:
        return problem(500, INTERNAL_ERROR)  # never the text of the failure
    return problem(exc.status, str(exc))


async def integrity_problem(app: Application, request: Request, exc: IntegrityError) -> Response:
    """The one place where the database's verdict on a write becomes a problem."""
    if getattr(exc.orig, "sqlstate", None) == "23505":  # unique_violation
        return problem(409, "Another user already has this email address.")
    constraint = str(getattr(exc.orig, "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    errors = [{"field": field, "message": "violates " + constraint}]
    return problem(422, "The database refused the value.", errors=errors)


# SQLSTATE classes that say the database cannot serve now, whatever the request: 08
# connection exception, 53 insufficient resources, 57 operator intervention (57P01 admin
# shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 57014 a cancelled statement).
UNAVAILABLE_SQLSTATES = ("08", "53", "57")


def unavailable(exc: DBAPIError) -> bool:
    """Whether a database error is the database's state (503) rather than a bug (500).
    SQLAlchemy passes most of asyncpg's errors on as a plain DBAPIError that it has not
    taken for a disconnect: the server's shutdown errors are known by their SQLSTATE, and
    asyncpg's InternalClientError (its protocol's state after a cut) by its class."""
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    return (
        exc.connection_invalidated
        or isinstance(exc, OperationalError | InterfaceError)
        or isinstance(exc.driver_exception, asyncpg.InternalClientError)
        or sqlstate.startswith(UNAVAILABLE_SQLSTATES)
    )


async def on_database_unreachable(app: Application, request: Request, exc: Exception) -> Response:
    if isinstance(exc, DBAPIError) and not unavailable(exc):
        app.logger.error("Unexpected database error", exc_info=exc)
        return await app.handle_internal_server_error(request, exc)
    return problem(503, "The database cannot be reached; try again shortly.")


def fallback(router: Router) -> Handler:
    """The route of last resort: BlackSheep has no 405 of its own, it sends every request
    that no route takes here. A path that other methods take gets 405, anything else 404."""

    async def no_route(request: Request) -> Response:
        path = request.path.encode()
        allowed = sorted(
            method.decode()
            for method, routes in router.routes.items()
            if any(route.match_by_path(path) for route in routes)
        )
        if allowed:
            raise MethodNotAllowedError(allowed)
        raise HTTPException(404, "No route matches this path.")

    return no_route


class BodySizeLimit:
    """Middleware refusing bodies over `max_body_size` bytes before reading them whole: at
    once when Content-Length says so, otherwise as soon as the bytes received pass the limit.

    BlackSheep has no limit of its own. The check runs when a handler reads the body, so
    unknown routes and wrong methods, which never read it, still answer 404 and 405."""

    def __init__(self, max_body_size: int) -> None:
        self.max_body_size = max_body_size

    async def __call__(self, request: Request, handler: Handler) -> Response:
        if isinstance(request.content, ASGIContent):
            declared = request.get_first_header(b"content-length") or b""
            request.content = ASGIContent(self.limited(request.content.receive, declared))
        return await handler(request)

    def limited(
        self, receive: Callable[[], Awaitable[dict[str, Any]]], declared: bytes
    ) -> Callable[[], Awaitable[dict[str, Any]]]:
        detail = f"The body is over the limit of {self.max_body_size} bytes."
        received = 0

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            if declared.isdigit() and int(declared) > self.max_body_size:
                raise HTTPException(413, detail)
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_size:
                raise HTTPException(413, detail)
            return message

        return limited_receive


def register(app: Application) -> None:
    app.router.fallback = fallback(app.router)
    app.exceptions_handlers[ProblemError] = on_problem
    app.exceptions_handlers[IntegrityError] = integrity_problem
    for status in KINDS:
        app.exceptions_handlers[status] = on_http_exception
    for unreachable in (DBAPIError, OSError, TimeoutError, PoolTimeout):
        app.exceptions_handlers[unreachable] = on_database_unreachable
    # BlackSheep answers a ValidationError that escapes a handler with 400 and Pydantic's
    # own JSON; one that was not about the request is a bug of ours: let it be a 500.
    app.exceptions_handlers.pop(ValidationError, None)
