"""Every error as RFC 9457 problem details, mapped in this one module.

ProblemError                      raised by the handlers and the data layer
 +-- MalformedBodyError           400
 +-- UserNotFoundError            404
 +-- EmailTakenError              409, the unique index on lower(email) decided
 +-- UnsupportedMediaTypeError    415
 +-- ValidationFailedError        422, a body that is not a JSON object
 +-- ConstraintViolationError     422, a check constraint decided
HTTPException                     aiohttp's 404 (no route), 405 (with Allow), 413
ClassValidationError              cattrs' 422, one entry per offending member or parameter
IntegrityConstraintViolationError becomes EmailTakenError or ConstraintViolationError
connection errors                 503
anything else                     500, with no detail of the failure (logged)
"""

from collections.abc import Mapping
from http import HTTPStatus

import asyncpg  # type: ignore[import-untyped]
from aiohttp import web
from aiohttp.typedefs import Handler
from cattrs import ClassValidationError, ForbiddenExtraKeysError

from .schemas import FieldError, Problem, ValidationProblem, converter

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
# Refused, unreachable or timed out (TimeoutError is an OSError), dropped, shutting down, or
# the driver's own state after a cut.
DATABASE_UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


def problem(
    status: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
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
    return web.json_response(
        converter.unstructure(body), status=status, headers=headers, content_type=MEDIA_TYPE
    )


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


def field_errors(exc: ClassValidationError) -> list[FieldError]:
    """cattrs' detailed validation, one entry per member: each failed member carries a note
    with its name; unknown members come as one ForbiddenExtraKeysError."""
    with_notes, others = exc.group_exceptions()
    errors = [
        FieldError(note.name, "is required" if isinstance(error, KeyError) else str(error))
        for error, note in with_notes
    ]
    for error in others:
        if isinstance(error, ForbiddenExtraKeysError):
            errors += [
                FieldError(member, "is not a member of this object")
                for member in sorted(error.extra_fields)
            ]
        else:
            errors.append(FieldError("body", str(error)))
    return errors


def integrity_problem(exc: asyncpg.IntegrityConstraintViolationError) -> ProblemError:
    """The one place where the database's verdict on a write becomes a problem."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return EmailTakenError()
    constraint = exc.constraint_name or ""
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ConstraintViolationError(errors=[FieldError(field, f"violates {constraint}")])


def on_problem(exc: ProblemError) -> web.Response:
    return problem(exc.status, str(exc), errors=exc.errors)


def on_http_exception(request: web.Request, exc: web.HTTPException) -> web.Response:
    if exc.status == 404:
        return problem(404, f"Nothing is served at {request.path}.")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allow = ", ".join(sorted(exc.allowed_methods))
        return problem(
            405, f"{request.path} does not accept {request.method}.", headers={"Allow": allow}
        )
    if exc.status == 413:
        return problem(413, f"The body is over the limit of {request.client_max_size} bytes.")
    return problem(exc.status, exc.reason)


def on_validation_error(exc: ClassValidationError) -> web.Response:
    return problem(422, ValidationFailedError.detail, errors=field_errors(exc))


def on_database_unreachable() -> web.Response:
    return problem(503, "The database cannot be reached; try again shortly.")


def on_unexpected(request: web.Request) -> web.Response:
    # aiohttp logs what escapes a handler; answered here, it is logged here, to the app's
    # logger (aiohttp.web), with its traceback.
    request.app.logger.exception("Error handling %s %s", request.method, request.path)
    return problem(500, "The server could not complete the request.")


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's error middleware: whatever a handler or the router raises, as a problem."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return on_http_exception(request, exc)
    except ProblemError as exc:
        return on_problem(exc)
    except ClassValidationError as exc:
        return on_validation_error(exc)
    except asyncpg.IntegrityConstraintViolationError as exc:
        return on_problem(integrity_problem(exc))
    except DATABASE_UNAVAILABLE:
        return on_database_unreachable()
    except Exception:
        return on_unexpected(request)
