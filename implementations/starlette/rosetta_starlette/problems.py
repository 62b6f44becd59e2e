"""Every error as RFC 9457 problem details, mapped in this one module.

ProblemError                      raised by the handlers and the data layer
 +-- MalformedBodyError           400
 +-- UserNotFoundError            404
 +-- EmailTakenError              409, the unique index on lower(email) decided
 +-- UnsupportedMediaTypeError    415
 +-- ValidationFailedError        422, one entry per offending member or parameter
 +-- ConstraintViolationError     422, a check constraint decided
HTTPException                     Starlette's 404 (no route), 405 (Allow completed), 413
IntegrityConstraintViolationError becomes EmailTakenError or ConstraintViolationError
DATABASE_UNAVAILABLE              503, a stalled, lost or unreachable database
anything else                     500, with no detail of the failure
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send

from .schemas import FieldError, Problem, ProblemResponse, ValidationProblem

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


def problem(
    status: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    if status in KINDS:
        slug, title = KINDS[status]
        type_ = TYPE_BASE + slug
    else:
        type_, title = "about:blank", HTTPStatus(status).phrase
    body = (
        Problem(type_, title, status, detail)
        if errors is None
        else ValidationProblem(type_, title, status, detail, errors)
    )
    return ProblemResponse(body, status, headers=headers)


class ProblemError(Exception):
    status = 500
    detail = "The server could not complete the request."

    def __init__(self, detail: str | None = None, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail or self.detail)
        self.errors = errors


class MalformedBodyError(ProblemError):
    status = 400
    detail = "The body is not valid JSON."


class UserNotFoundError(ProblemError):
    status = 404

    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


class EmailTakenError(ProblemError):
    status = 409
    detail = "Another user already has this email address."


class UnsupportedMediaTypeError(ProblemError):
    status = 415
    detail = "The body must be sent as application/json."


class ValidationFailedError(ProblemError):
    status = 422
    detail = "The request breaks a rule of the contract."


class ConstraintViolationError(ProblemError):
    status = 422
    detail = "The database refused the value."


def field_errors(data: object, model: type[msgspec.Struct]) -> list[FieldError]:
    """msgspec stops at the first error; the contract wants one entry per offending member,
    so each member is checked on its own."""
    if not isinstance(data, dict):
        return [FieldError("body", "must be a JSON object")]
    fields = {field.encode_name: field for field in msgspec.structs.fields(model)}
    errors = [
        FieldError(name, "is required")
        for name, field in fields.items()
        if field.required and name not in data
    ]
    for name, value in data.items():
        if name not in fields:
            if model.__struct_config__.forbid_unknown_fields:
                errors.append(FieldError(name, "is not a member of this object"))
            continue
        try:
            msgspec.convert(value, fields[name].type)
        except msgspec.ValidationError as exc:
            errors.append(FieldError(name, str(exc)))
    return errors


def integrity_problem(exc: asyncpg.IntegrityConstraintViolationError) -> ProblemError:
    """The one place where the database's verdict on a write becomes a problem."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return EmailTakenError()
    constraint = exc.constraint_name or ""
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ConstraintViolationError(errors=[FieldError(field, f"violates {constraint}")])


async def on_problem(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ProblemError)
    return problem(exc.status, str(exc), errors=exc.errors)


async def on_http_exception(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return problem(404, f"Nothing is served at {request.url.path}.")
    if exc.status_code == 405:
        # Starlette's Allow names the methods of the first route that matched the path only;
        # with one route per handler, gather them from every route of the path.
        methods = {
            method
            for route in request.app.routes
            if isinstance(route, Route) and route.matches(request.scope)[0] is not Match.NONE
            for method in route.methods or ()
        }
        return problem(
            405,
            f"{request.url.path} does not accept {request.method}.",
            headers={"Allow": ", ".join(sorted(methods))},
        )
    return problem(exc.status_code, exc.detail, headers=exc.headers)


async def on_integrity_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, asyncpg.IntegrityConstraintViolationError)
    return await on_problem(request, integrity_problem(exc))


async def on_database_unreachable(request: Request, exc: Exception) -> ProblemResponse:
    return problem(503, "The database cannot be reached; try again shortly.")


async def on_unexpected(request: Request, exc: Exception) -> ProblemResponse:
    return problem(500, "The server could not complete the request.")


# What a stalled, lost or unreachable database raises, all 503: refused, unreachable or timed
# out (TimeoutError is an OSError: the connect, acquire and command timeouts), a connection
# lost (SQLSTATE class 08) or a server shutting down or starting up (class 57: 57P01-57P03),
# too many connections, and what asyncpg raises on a connection cut under it: InterfaceError
# ("connection is closed", "another operation is cancelling") and InternalClientError
# ("cannot switch to state 15", "release() called on a free connection holder").
DATABASE_UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)

exception_handlers: dict[Any, ExceptionHandler] = {
    ProblemError: on_problem,
    HTTPException: on_http_exception,
    asyncpg.IntegrityConstraintViolationError: on_integrity_error,
    **dict.fromkeys(DATABASE_UNAVAILABLE, on_database_unreachable),
    # Starlette answers with this one from its outermost middleware, then re-raises for the
    # server to log, traceback included.
    Exception: on_unexpected,
}


class BodySizeLimit:
    """Refuse bodies over `max_body_size` bytes as they are read: before the first byte when
    Content-Length says so, otherwise as soon as the bytes received pass the limit. Only a
    handler reads the body, so 404 and 405 come first.

    Starlette's own `max_body_size` answers a declared oversize body with a plain-text 413
    whatever the exception handlers say; this one raises an HTTPException, which they answer."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"The body is over the limit of {self.max_body_size} bytes."
        declared = Headers(scope=scope).get("content-length", "")
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > self.max_body_size:
                raise HTTPException(413, detail)
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_size:
                raise HTTPException(413, detail)
            return message

        await self.app(scope, limited_receive, send)
