"""Every error as RFC 9457 problem details, mapped in this one module.

An answer other than the handler's own is, in Emmett, an HTTPResponse raised as an
exception: Emmett sends it as it is. The errors here are such answers.

ProblemError (an Emmett HTTPBytesResponse)  raised by the handlers, the data layer, the router
 +-- MalformedBodyError           400
 +-- UserNotFoundError            404
 +-- EmailTakenError              409, the unique index on lower(email) decided
 +-- BodyTooLargeError            413
 +-- UnsupportedMediaTypeError    415
 +-- ValidationFailedError        422, the model's validation, or a body's shape
 +-- ConstraintViolationError     422, a check constraint decided
psycopg2's IntegrityError         becomes EmailTakenError or ConstraintViolationError (ProblemPipe)
connection errors                 503 (ProblemPipe)
anything else                     500, with no detail of the failure (Emmett logs it)
"""

import json
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import psycopg2  # type: ignore[import-untyped]
from emmett import App, Pipe, response  # type: ignore[import-untyped]
from emmett.orm.errors import MaxConnectionsExceeded  # type: ignore[import-untyped]
from emmett_core.http.response import HTTPBytesResponse

from .schemas import FieldError, Problem, ValidationProblem

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
MEDIA_TYPE = "application/problem+json"
# Refused, unreachable or timed out (TimeoutError is an OSError, and what the pool raises
# when no connection is free in time), dropped, shutting down (OperationalError covers
# 57P01..57P03), or a connection psycopg2 has already closed (InterfaceError).
DATABASE_UNAVAILABLE = (
    OSError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    MaxConnectionsExceeded,
)


def problem_body(
    status: int, detail: str, errors: list[FieldError] | None = None
) -> Problem | ValidationProblem:
    if status in KINDS:
        slug, title = KINDS[status]
        type_ = TYPE_BASE + slug
    else:
        type_, title = "about:blank", HTTPStatus(status).phrase
    body = Problem(type=type_, title=title, status=status, detail=detail)
    return body if errors is None else ValidationProblem(**body, errors=errors)


class ProblemError(HTTPBytesResponse):
    """A problem-details answer, raised."""

    status = 500
    detail = "The server could not complete the request."

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        self.status = status or self.status
        body = problem_body(self.status, detail or self.detail, errors)
        super().__init__(
            self.status,
            json.dumps(body).encode(),
            # A dict of its own: HTTPResponse's default headers are one dict shared by all.
            headers={"content-type": MEDIA_TYPE, **(headers or {})},
        )


def problem(
    status: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemError:
    """A problem of any status, to raise."""
    return ProblemError(detail, errors=errors, headers=headers, status=status)


class MalformedBodyError(ProblemError):
    status = 400
    detail = "The body is not valid JSON."


class UserNotFoundError(ProblemError):
    status = 404

    def __init__(self, user_id: int | str) -> None:
        super().__init__(f"No user has the id {user_id}.")


class EmailTakenError(ProblemError):
    status = 409
    detail = "Another user already has this email address."


class BodyTooLargeError(ProblemError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"The body is over the limit of {limit} bytes.")


class UnsupportedMediaTypeError(ProblemError):
    status = 415
    detail = "The body must be sent as application/json."


class ValidationFailedError(ProblemError):
    status = 422
    detail = "The request breaks a rule of the contract."


class ConstraintViolationError(ProblemError):
    status = 422
    detail = "The database refused the value."


def field_errors(errors: Mapping[str, Any]) -> list[FieldError]:
    """Emmett's validation errors (field name -> message), one entry per field."""
    return [FieldError(field=field, message=str(message)) for field, message in errors.items()]


def integrity_problem(exc: psycopg2.IntegrityError) -> ProblemError:
    """The one place where the database's verdict on a write becomes a problem."""
    if isinstance(exc, psycopg2.errors.UniqueViolation):
        return EmailTakenError()
    constraint = exc.diag.constraint_name or ""
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ConstraintViolationError(
        errors=[FieldError(field=field, message=f"violates {constraint}")]
    )


def on_database_unreachable() -> ProblemError:
    return problem(503, "The database cannot be reached; try again shortly.")


class ProblemPipe(Pipe):  # type: ignore[misc]
    """First in every route's pipeline: what the database answers, as a problem. (Pipes run
    around the handler only; a path that no route matches is the router's, see
    app.Router.)"""

    async def pipe(self, next_pipe: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
        try:
            return await next_pipe(**kwargs)
        except psycopg2.IntegrityError as exc:
            raise integrity_problem(exc) from None
        except DATABASE_UNAVAILABLE:
            raise on_database_unreachable() from None


async def on_unexpected() -> str:
    """Emmett's handler of a 500 (it has logged the traceback to the app's logger)."""
    response.headers["content-type"] = MEDIA_TYPE
    return json.dumps(problem_body(500, ProblemError.detail))


def register(app: App) -> None:
    # Only the 500: a handler for another status would replace the problems raised with it.
    app.on_error(500)(on_unexpected)
