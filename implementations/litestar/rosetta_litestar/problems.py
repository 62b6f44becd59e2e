"""Every error as RFC 9457 problem details, mapped in this one module.

Litestar's ProblemDetailsPlugin renders `ProblemDetailsException`; `plugin()` maps every
other exception onto one:

    HTTPException            Litestar's own and the handlers': 404 (no route, no user),
                             405 (with Allow), 400 (not JSON), 413, 415
     +-- ValidationException 422 for a body or query that breaks a rule; 404 for a bad {id}
    IntegrityError           409 (the database's unique index decided) or 422 (a check)
    connection errors        503 (and a pool with no free connection in time)
    anything else            500, with no detail of the failure
"""

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Operation
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .schemas import Problem, ValidationProblem

MEDIA_TYPE = "application/problem+json"
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
    headers: dict[str, str] | None = None,
) -> ProblemDetailsException:
    if status in KINDS:
        slug, title = KINDS[status]
        type_ = TYPE_BASE + slug
    else:
        type_, title = "about:blank", HTTPStatus(status).phrase
    return ProblemDetailsException(
        status_code=status,
        type_=type_,
        title=title,
        detail=detail,
        headers=headers,
        extra=None if errors is None else {"errors": errors},
    )


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


def from_http_exception(exc: HTTPException) -> ProblemDetailsException:
    if isinstance(exc, ValidationException):
        if any(message.get("source") == "path" for message in messages(exc)):
            return problem(404, "No user has this id.")
        return problem(422, "The request breaks a rule of the contract.", errors=field_errors(exc))
    if exc.status_code >= 500:
        return problem(exc.status_code, INTERNAL_ERROR)
    return problem(exc.status_code, exc.detail, headers=exc.headers)


def from_integrity_error(exc: IntegrityError) -> ProblemDetailsException:
    """The one place where the database's verdict on a write becomes a problem."""
    if getattr(exc.orig, "sqlstate", None) == "23505":
        return problem(409, "Another user already has this email address.")
    constraint = str(getattr(exc.orig, "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    errors = [{"field": field, "message": "violates " + constraint}]
    return problem(422, "The database refused the value.", errors=errors)


def from_database_error(exc: Exception) -> ProblemDetailsException:
    if isinstance(exc, DBAPIError) and not (
        exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    ):
        return problem(500, INTERNAL_ERROR)
    return problem(503, "The database cannot be reached; try again shortly.")


def from_unexpected(exc: Exception) -> ProblemDetailsException:
    return problem(500, INTERNAL_ERROR)


def plugin() -> ProblemDetailsPlugin:
    mapping: dict[type[Exception], Any] = {
        HTTPException: from_http_exception,
        IntegrityError: from_integrity_error,
        DBAPIError: from_database_error,
        OSError: from_database_error,
        TimeoutError: from_database_error,
        PoolTimeout: from_database_error,
        Exception: from_unexpected,
    }
    return ProblemDetailsPlugin(ProblemDetailsConfig(exception_to_problem_detail_map=mapping))


# --- how the handlers document their problems in the OpenAPI document ---------------------


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            ValidationProblem if status == 422 else Problem,
            description=HTTPStatus(status).phrase,
            media_type=MEDIA_TYPE,
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
