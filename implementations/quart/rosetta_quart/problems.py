"""Every error as RFC 9457 problem details, mapped in this one module.

HTTPException                       Werkzeug's, raised by Quart and by the handlers
 +-- BadRequest                     400
 |    +-- MalformedBodyError        the body is not JSON
 +-- NotFound                       404: no route
 |    +-- UserNotFoundError         no such user
 +-- MethodNotAllowed               405, with Allow
 +-- RequestEntityTooLarge          413: over MAX_CONTENT_LENGTH
 +-- UnsupportedMediaType           415
 |    +-- UnsupportedMediaTypeError not application/json
 +-- InternalServerError            500: anything unexpected (logged by Quart first)
pydantic.ValidationError            422
IntegrityError                      409 (the unique index) or 422 (a check constraint)
InterfaceError, OSError, ...        503: the database is unreachable, timed out or shutting
                                    down (`unavailable`)
"""

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from pydantic import ValidationError
from quart import Quart, Response, current_app, jsonify
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, UnsupportedMediaType

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
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    if status in KINDS:
        slug, title = KINDS[status]
        kind = TYPE_BASE + slug
    else:  # a status the contract does not name (408 from Quart's BODY_TIMEOUT, say)
        kind, title = "about:blank", HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": kind, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers.extend(headers)
    return response


class MalformedBodyError(BadRequest):
    description = "The body is empty or not valid JSON."


class UserNotFoundError(NotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


class UnsupportedMediaTypeError(UnsupportedMediaType):
    description = "The body must be sent as application/json."


def field_errors(exc: ValidationError) -> FieldErrors:
    """One entry per offending member or parameter, named as the contract says."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        # A body that is not an object fails at the model itself, with an empty location.
        field = str(error["loc"][0]) if error["loc"] else "body"
        errors.setdefault(field, error["msg"])
    return [{"field": field, "message": message} for field, message in errors.items()]


async def on_http_exception(exc: HTTPException) -> Response:
    """Werkzeug's errors, Quart's own included, with their headers (Allow on a 405: every
    method of the path's rules, HEAD and OPTIONS included)."""
    status = exc.code or 500
    if status == 500:
        detail = "The server could not complete the request."
    else:
        detail = exc.description or HTTPStatus(status).description
    headers = [(key, value) for key, value in exc.get_headers() if key.lower() != "content-type"]
    return problem(status, detail, headers=headers)


async def on_validation_error(exc: ValidationError) -> Response:
    return problem(422, "The request breaks a rule of the contract.", errors=field_errors(exc))


async def integrity_problem(exc: IntegrityError) -> Response:
    """The one place where the database's verdict on a write becomes a problem."""
    error = exc.driver_exception  # asyncpg's
    if getattr(error, "sqlstate", None) == "23505":  # unique_violation
        return problem(409, "Another user already has this email address.")
    constraint = str(getattr(error, "constraint_name", "") or "")
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


async def on_database_unreachable(exc: Exception) -> Response:
    """asyncpg's errors are not psycopg's: a lost link is its InterfaceError, a refused or
    timed-out connect (or statement) an OSError, a server shut down under it a DBAPIError
    that `unavailable` tells from a bug."""
    if isinstance(exc, DBAPIError) and not unavailable(exc):
        # Any other database error is a bug like any other: logged, and a plain 500.
        current_app.logger.error("Database error", exc_info=exc)
        return problem(500, "The server could not complete the request.")
    return problem(503, "The database cannot be reached; try again shortly.")


def init_app(app: Quart) -> None:
    # On the app, not a blueprint: 404 and 405 are raised by routing, before any blueprint.
    app.register_error_handler(HTTPException, on_http_exception)
    app.register_error_handler(ValidationError, on_validation_error)
    app.register_error_handler(IntegrityError, integrity_problem)
    for unreachable in (DBAPIError, PoolTimeoutError, OSError):
        app.register_error_handler(unreachable, on_database_unreachable)
