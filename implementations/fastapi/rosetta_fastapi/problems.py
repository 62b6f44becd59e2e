"""Every error as RFC 9457 problem details, mapped in this one module.

ProblemError            raised by handlers and the data layer
 +-- UserNotFoundError         404
 +-- UnsupportedMediaTypeError 415
HTTPException           Starlette's 404 (no route), 405 (with Allow), 413, 400
RequestValidationError  400 (not JSON), 404 (bad {id}), 422 (rules)
IntegrityError          409 (the unique index) or 422 (a check constraint)
connection errors       503: lost, refused, timed out (connect, pool, statement), or the
                        server shutting down (`unavailable`)
anything else           500, with no detail of the failure
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def problem(
    status: int,
    detail: str,
    *,
    errors: FieldErrors | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    # A status the contract does not name gets RFC 9457's default type.
    slug, title = KINDS.get(status, ("", HTTPStatus(status).phrase))
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


class ProblemError(Exception):
    status = 500
    detail = INTERNAL_ERROR

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.detail)


class UserNotFoundError(ProblemError):
    status = 404

    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


class UnsupportedMediaTypeError(ProblemError):
    status = 415
    detail = "The body must be sent as application/json."


def field_errors(exc: RequestValidationError) -> FieldErrors:
    """One entry per offending member or parameter, named as the contract says."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error["loc"]
        field = str(loc[1]) if len(loc) > 1 else "body"
        errors.setdefault(field, error["msg"])
    return [{"field": field, "message": message} for field, message in errors.items()]


async def on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem(exc.status, str(exc))


async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette's Allow names the methods of the first route that matched the path only;
        # FastAPI makes one route per method, so ask every route about every method.
        methods = [
            method
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
            if any(
                route.matches({**request.scope, "method": method})[0] == Match.FULL
                for route in request.app.routes
            )
        ]
        headers = {"Allow": ", ".join(methods)}
    detail = exc.detail if exc.status_code != 400 else "The body is not valid JSON."
    return problem(exc.status_code, detail, headers=headers)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e["type"] == "json_invalid" for e in errors):
        return problem(400, "The body is not valid JSON.")
    if any(e["loc"] == ("body",) and e["type"] == "missing" for e in errors):
        return problem(400, "The body is empty; a JSON object is required.")
    if any(e["loc"][0] == "path" for e in errors):
        return problem(404, "No user has this id.")
    return problem(422, "The request breaks a rule of the contract.", errors=field_errors(exc))


async def integrity_problem(request: Request, exc: Exception) -> JSONResponse:
    """The one place where the database's verdict on a write becomes a problem."""
    assert isinstance(exc, IntegrityError)
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


async def on_database_unreachable(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DBAPIError) and not unavailable(exc):
        # Not about the connection: on to `on_unexpected` (a 500), which Starlette's outermost
        # middleware runs before it re-raises for the server to log.
        raise exc
    return problem(503, "The database cannot be reached; try again shortly.")


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    return problem(500, INTERNAL_ERROR)


class BodySizeLimit:
    """Refuse bodies over `max_body_size` bytes before reading them whole: at once when
    Content-Length says so, otherwise as soon as the bytes received pass the limit.

    FastAPI's own `max_body_size` answers 413 in plain text whatever the exception
    handlers say; this one hands the 413 to them, so it comes back as a problem."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        detail = f"The body is over the limit of {self.max_body_size} bytes."
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_size:
            return await problem(413, detail)(scope, receive, send)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_size:
                raise HTTPException(413, detail)
            return message

        await self.app(scope, limited_receive, send)
        return None


def register(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(HTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(IntegrityError, integrity_problem)
    for unreachable in (DBAPIError, OSError, TimeoutError, PoolTimeout):
        app.add_exception_handler(unreachable, on_database_unreachable)
    app.add_exception_handler(Exception, on_unexpected)
