"""Every error as RFC 9457 problem details, mapped in this one module.

SanicException              rendered with its own status_code, message and headers
 +-- BadRequest             Sanic's 400 (a request it cannot parse)
 |    +-- MalformedBodyError 400, a body that is not JSON
 +-- NotFound               Sanic's 404 (no route)
 |    +-- UserNotFoundError 404
 +-- EmailTakenError        409, the unique index on lower(email) decided
 +-- MethodNotAllowed       Sanic's 405, with Allow from the router
 +-- PayloadTooLarge        413 (REQUEST_MAX_SIZE; counted by LimitedRequest under ASGI)
 +-- UnsupportedMediaTypeError 415
 +-- ConstraintViolationError 422, a check constraint decided
pydantic.ValidationError    422 (rules)
tortoise IntegrityError     becomes EmailTakenError or ConstraintViolationError
UNREACHABLE                 503, a stalled, lost or unreachable database
anything else               500, with no detail of the failure
"""

from http import HTTPStatus
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from pydantic import ValidationError
from sanic import DefaultSanic, HTTPResponse, Request, json
from sanic.constants import HTTP_METHODS
from sanic.exceptions import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    SanicException,
)
from sanic.http import Http
from sanic.log import error_logger
from tortoise.exceptions import DBConnectionError, IntegrityError

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
FieldErrors = list[dict[str, str]]


def problem(
    status: int,
    detail: str,
    *,
    errors: FieldErrors | None = None,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    slug, title = KINDS.get(status, ("", HTTPStatus(status).phrase))
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return json(body, status, headers=headers, content_type="application/problem+json")


class MalformedBodyError(BadRequest):
    message = "The body is not valid JSON (or is empty)."


class UserNotFoundError(NotFound):
    def __init__(self, user_id: object) -> None:
        super().__init__(f"No user has the id {user_id}.")


class EmailTakenError(SanicException):
    status_code = 409
    message = "Another user already has this email address."


class UnsupportedMediaTypeError(SanicException):
    status_code = 415
    message = "The body must be sent as application/json."


class ConstraintViolationError(SanicException):
    status_code = 422
    message = "The database refused the value."

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__()
        self.errors = errors


class LimitedRequest(Request):
    """Sanic's own server enforces REQUEST_MAX_SIZE while it reads the body; behind an ASGI
    server nothing does, so the body is counted here too: refused at once when
    Content-Length is over the limit, otherwise as soon as the bytes received pass it.

    Sanic reads the body through `receive_body()` after routing (so 404 and 405 come first)
    and before the handler runs; custom request classes are its documented hook for this."""

    async def receive_body(self) -> None:
        limit = self.app.config.REQUEST_MAX_SIZE
        detail = f"The body is over the limit of {limit} bytes."
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            if isinstance(self.stream, Http):
                # Sanic's server puts `100 Continue` ahead of any answer (but a 417) to a
                # request that expected one; a body refused unread needs none.
                self.stream.expecting_continue = False
            raise PayloadTooLarge(detail)
        if self.body or self.stream is None:
            return
        chunks, received = [], 0
        # Sanic's Stream protocol omits __aiter__, which both of its streams (HTTP/1, ASGI) have.
        async for chunk in self.stream:  # type: ignore[attr-defined]
            received += len(chunk)
            if received > limit:
                raise PayloadTooLarge(detail)
            chunks.append(chunk)
        self.body = b"".join(chunks)


def field_errors(exc: ValidationError) -> FieldErrors:
    """One entry per offending member or parameter, named as the contract says."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error["loc"]
        errors.setdefault(str(loc[0]) if loc else "body", error["msg"])
    return [{"field": field, "message": message} for field, message in errors.items()]


def integrity_problem(exc: IntegrityError) -> SanicException:
    """The one place where the database's verdict on a write becomes a problem."""
    cause = exc.__cause__
    if isinstance(cause, asyncpg.UniqueViolationError):
        return EmailTakenError()
    constraint = str(getattr(cause, "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ConstraintViolationError([{"field": field, "message": f"violates {constraint}"}])


def allowed_methods(request: Request) -> str:
    """The methods the router would take on this path. sanic-routing names them in its 405
    only for a path with a single route; `/users/<id>` has one route per method."""
    host = request.headers.getone("host", None)
    allowed = []
    for method in HTTP_METHODS:
        try:
            request.app.router.get(request.path, method, host)
        except (NotFound, MethodNotAllowed):
            continue
        allowed.append(method)
    return ", ".join(allowed)


async def on_sanic_exception(request: Request, exc: Exception) -> HTTPResponse:
    assert isinstance(exc, SanicException)
    if exc.status_code >= 500:
        return await on_unexpected(request, exc)
    headers = dict(exc.headers)
    if isinstance(exc, MethodNotAllowed):
        headers["Allow"] = allowed_methods(request)
    errors = exc.errors if isinstance(exc, ConstraintViolationError) else None
    return problem(exc.status_code, str(exc), errors=errors, headers=headers)


async def on_validation_error(request: Request, exc: Exception) -> HTTPResponse:
    assert isinstance(exc, ValidationError)
    return problem(422, "The request breaks a rule of the contract.", errors=field_errors(exc))


async def on_integrity_error(request: Request, exc: Exception) -> HTTPResponse:
    assert isinstance(exc, IntegrityError)
    return await on_sanic_exception(request, integrity_problem(exc))


async def on_database_unreachable(request: Request, exc: Exception) -> HTTPResponse:
    return problem(503, "The database cannot be reached; try again shortly.")


async def on_unexpected(request: Request, exc: Exception) -> HTTPResponse:
    error_logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return problem(500, "The server could not complete the request.")


# What a stalled, lost or unreachable database raises, all 503: asyncpg's connection errors
# (SQLSTATE class 08), a server shutting down or starting up (class 57: 57P01-57P03), too
# many connections (53300), Tortoise's own connection error, refused sockets and the
# connect, command and db.bounded timeouts (TimeoutError, an OSError), and what asyncpg
# raises on a connection cut under it: InterfaceError ("connection is closed", "another
# operation is cancelling") and InternalClientError ("cannot switch to state 15",
# "release() called on a free connection holder").
UNREACHABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    DBConnectionError,
    OSError,
)


def register(app: DefaultSanic) -> None:
    app.error_handler.add(SanicException, on_sanic_exception)
    app.error_handler.add(ValidationError, on_validation_error)
    app.error_handler.add(IntegrityError, on_integrity_error)
    for unreachable in UNREACHABLE:
        app.error_handler.add(unreachable, on_database_unreachable)
    app.error_handler.add(Exception, on_unexpected)
