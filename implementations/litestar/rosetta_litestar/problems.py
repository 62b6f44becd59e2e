"""Every error as RFC 9457 problem details, mapped in this one module.

Litestar's ProblemDetailsPlugin renders `ProblemDetailsException`; `plugin()` maps every
other exception onto one:

ProblemError               raised by handlers, hooks and the data layer (HTTPExceptions)
 +-- MalformedBodyError        400
 +-- UserNotFoundError         404
 +-- UnsupportedMediaTypeError 415
HTTPException              Litestar's own: 404 (no route), 405 (with Allow), 413
ValidationException        422 for a body or query that breaks a rule; 404 for a bad {id}
IntegrityError             409 (the unique index) or 422 (a check constraint)
connection errors          503: lost, refused, timed out (connect, pool, statement), or the
                           server shutting down (`unavailable`)
anything else              500, logged with its traceback (the body shows none of it)
"""

import logging
from http import HTTPStatus
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
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
# Litestar's own logger, which its default LoggingConfig writes to stderr. Litestar logs an
# exception only in debug mode, and then every one (404s too): each 500 is logged here.
logger = logging.getLogger("litestar")
FieldErrors = list[dict[str, str]]


def problem(
    status: int,
    detail: str,
    *,
    errors: FieldErrors | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemDetailsException:
    # A status the contract does not name gets RFC 9457's default type.
    slug, title = KINDS.get(status, ("", HTTPStatus(status).phrase))
    return ProblemDetailsException(
        status_code=status,
        type_=TYPE_BASE + slug if slug else "about:blank",
        title=title,
        detail=detail,
        headers=headers,
        extra=None if errors is None else {"errors": errors},
    )


class ProblemError(HTTPException):
    detail = INTERNAL_ERROR

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail=detail or type(self).detail)


class MalformedBodyError(ProblemError):
    status_code = 400
    detail = "The body is not valid JSON."


class UserNotFoundError(ProblemError):
    status_code = 404

    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


class UnsupportedMediaTypeError(ProblemError):
    status_code = 415
    detail = "The body must be sent as application/json."


def messages(exc: ValidationException) -> list[dict[str, Any]]:
    """Litestar's error messages: `{"message", "key", "source"}` each."""
    return exc.extra if isinstance(exc.extra, list) else []


def field_errors(exc: ValidationException) -> FieldErrors:
    """One entry per offending member or parameter, named as the contract says."""
    errors: dict[str, str] = {}
    for message in messages(exc):
        field = str(message.get("key", "body"))
        errors.setdefault("body" if field == "data" else field, str(message["message"]))
    return [{"field": field, "message": message} for field, message in errors.items()]


def internal_error(exc: Exception) -> ProblemDetailsException:
    """A 500, logged with its traceback; the body shows none of it."""
    logger.error("Uncaught exception", exc_info=exc)
    return problem(500, INTERNAL_ERROR)


def on_problem(exc: ProblemError) -> ProblemDetailsException:
    return problem(exc.status_code, exc.detail)


def on_http_exception(exc: HTTPException) -> ProblemDetailsException:
    if exc.status_code == 500:
        return internal_error(exc)
    if exc.status_code > 500:
        return problem(exc.status_code, INTERNAL_ERROR)
    return problem(exc.status_code, exc.detail, headers=exc.headers)


def on_validation_error(exc: ValidationException) -> ProblemDetailsException:
    if any(message.get("source") == "path" for message in messages(exc)):
        return problem(404, "No user has this id.")
    return problem(422, "The request breaks a rule of the contract.", errors=field_errors(exc))


def integrity_problem(exc: IntegrityError) -> ProblemDetailsException:
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


def on_database_unreachable(exc: Exception) -> ProblemDetailsException:
    if isinstance(exc, DBAPIError) and not unavailable(exc):
        return internal_error(exc)  # not about the connection
    return problem(503, "The database cannot be reached; try again shortly.")


def on_unexpected(exc: Exception) -> ProblemDetailsException:
    return internal_error(exc)


def plugin() -> ProblemDetailsPlugin:
    """The exception handlers, by type (Litestar picks the nearest in each exception's MRO);
    a plugin passed to the app's constructor, where FastAPI's `register(app)` adds them."""
    mapping: dict[type[Exception], Any] = {
        ProblemError: on_problem,
        HTTPException: on_http_exception,
        ValidationException: on_validation_error,
        IntegrityError: integrity_problem,
        **dict.fromkeys((DBAPIError, OSError, TimeoutError, PoolTimeout), on_database_unreachable),
        Exception: on_unexpected,
    }
    return ProblemDetailsPlugin(ProblemDetailsConfig(exception_to_problem_detail_map=mapping))
