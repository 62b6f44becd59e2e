"""Every error as RFC 9457 problem details, mapped in this one module.

ProblemError                      raised by the handlers and the data layer
 +-- MalformedBodyError           400
 +-- UserNotFoundError            404
 +-- EmailTakenError              409, the unique index on lower(email) decided
 +-- BodyTooLargeError            413
 +-- UnsupportedMediaTypeError    415
 +-- ValidationFailedError        422, one entry per offending member or parameter
 +-- ConstraintViolationError     422, a check constraint decided
IntegrityConstraintViolationError becomes EmailTakenError or ConstraintViolationError
DATABASE_UNAVAILABLE              503, a stalled, lost or unreachable database
anything else                     500, with no detail of the failure
Robyn's own plain-text answers    404 (no route), 405 (a route of the path, another method)
"""

import logging
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus

import asyncpg  # type: ignore[import-untyped]
import msgspec
from robyn import Request, Response, Robyn

from .schemas import FieldError, Problem, ValidationProblem, json_response

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

logger = logging.getLogger(__name__)


def problem(
    status: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
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
    return json_response(body, status, headers=headers, media_type=MEDIA_TYPE)


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

    def __init__(self, user_id: object) -> None:
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


def on_exception(error: Exception) -> Response:
    """Robyn's exception handler (`app.exception`): whatever a handler raised, as a problem."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        error = integrity_problem(error)
    if isinstance(error, ProblemError):
        return problem(error.status, str(error), errors=error.errors)
    if isinstance(error, DATABASE_UNAVAILABLE):
        return problem(503, "The database cannot be reached; try again shortly.")
    logger.error("Unhandled error in a handler", exc_info=error)
    return problem(500, "The server could not complete the request.")


def on_robyn_errors(routes: Sequence[tuple[str, str, object]]) -> Callable[..., Response]:
    """A global after-request hook for what Robyn answers itself, in plain text: a 404 for a
    path without a route and for a route's path with another method (it knows no 405), and
    a 500 when a handler could not be run. `routes` are (method, path, handler) triples."""

    def after_request(request: Request, response: Response) -> Response:
        content_type = response.headers.get("content-type") or ""
        if response.status_code < 400 or content_type.startswith(MEDIA_TYPE):
            return response
        path = request.url.path
        if response.status_code == 404:
            allowed = [method for method, route, _ in routes if matches(route, path)]
            if allowed:
                detail = f"{path} does not accept {request.method}."
                return problem(405, detail, headers={"Allow": ", ".join(allowed)})
            return problem(404, f"Nothing is served at {path}.")
        return problem(response.status_code, "The server could not complete the request.")

    return after_request


def matches(route: str, path: str) -> bool:
    """Robyn's route syntax: `:name` stands for one path segment."""
    expected, given = route.split("/"), path.split("/")
    return len(expected) == len(given) and all(
        part.startswith(":") or part == segment
        for part, segment in zip(expected, given, strict=True)
    )


def register(app: Robyn, routes: Sequence[tuple[str, str, object]]) -> None:
    """Before the routes are added: Robyn binds the exception handler to each as it comes."""
    app.exception(on_exception)
    app.after_request()(on_robyn_errors(routes))
