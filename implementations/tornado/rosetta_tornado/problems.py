"""Every error as RFC 9457 problem details, mapped in this one module.

tornado.web.HTTPError             rendered by ProblemHandler.write_error, Tornado's own included
 +-- ProblemError                 raised by the handlers and the data layer
 |    +-- MalformedBodyError      400
 |    +-- UserNotFoundError       404
 |    +-- EmailTakenError         409, the unique index on lower(email) decided
 |    +-- BodyTooLargeError       413
 |    +-- UnsupportedMediaTypeError 415
 |    +-- ValidationFailedError   422, one entry per offending member or parameter
 |    +-- ConstraintViolationError 422, a check constraint decided
 +-- HTTPError(404)               Tornado's default handler: no route (routes.NotFoundHandler)
 +-- HTTPError(405)               a method outside the handler's SUPPORTED_METHODS, with Allow
IntegrityError                    becomes EmailTakenError or ConstraintViolationError
OperationalError, InterfaceError  503
anything else                     500, logged by Tornado with its traceback; none in the body
"""

from http import HTTPStatus
from types import TracebackType
from typing import Any

import psycopg
from marshmallow import ValidationError
from marshmallow.exceptions import SCHEMA
from tornado.escape import json_encode
from tornado.web import HTTPError, RequestHandler

from .schemas import Problem, ValidationProblem

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
FieldErrors = list[dict[str, str]]
# What a stalled, lost or unreachable database raises, all 503: refused, unreachable or timed
# out (psycopg_pool's PoolTimeout is an OperationalError), a server shutting down or starting
# up (SQLSTATE 57P01-57P03) or a statement it cancelled (57014), all OperationalErrors too, a
# connection closed under a statement (InterfaceError), and the deadline of db.bounded
# (TimeoutError, an OSError).
DATABASE_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError, OSError)


def problem(status: int, detail: str, *, errors: FieldErrors | None = None) -> dict[str, Any]:
    if status in KINDS:
        slug, title = KINDS[status]
        type_ = TYPE_BASE + slug
    else:
        type_, title = "about:blank", HTTPStatus(status).phrase
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors is None:
        dumped: dict[str, Any] = Problem().dump(body)
    else:
        dumped = ValidationProblem().dump({**body, "errors": errors})
    return dumped


class ProblemError(HTTPError):
    status = 500
    detail = "The server could not complete the request."

    def __init__(self, detail: str | None = None, errors: FieldErrors | None = None) -> None:
        super().__init__(self.status)
        self.detail = detail or self.detail
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


def field_errors(exc: ValidationError) -> FieldErrors:
    """marshmallow's messages, `{member: [message, ...]}` with every offending member, as
    the contract's entries; its `_schema` key (the body is no object) is `body`."""
    return [
        {"field": "body" if name == SCHEMA else name, "message": " ".join(map(str, found))}
        for name, found in exc.messages_dict.items()
    ]


def integrity_problem(exc: psycopg.errors.IntegrityError) -> ProblemError:
    """The one place where the database's verdict on a write becomes a problem."""
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return EmailTakenError()
    constraint = exc.diag.constraint_name or ""
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ConstraintViolationError(errors=[{"field": field, "message": f"violates {constraint}"}])


class ProblemHandler(RequestHandler):
    """The base of every handler. Tornado answers every error, its own and those a handler
    raises, through `send_error`, which calls `write_error` with the exception; here that
    is a problem, whatever the client accepts."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs["exc_info"][1] if "exc_info" in kwargs else None
        if isinstance(error, psycopg.errors.IntegrityError):
            error = integrity_problem(error)
        errors = None
        if isinstance(error, ProblemError):
            status, detail, errors = error.status, error.detail, error.errors
        elif isinstance(error, DATABASE_UNAVAILABLE):
            status, detail = 503, "The database cannot be reached; try again shortly."
        elif status_code == 404:
            status, detail = 404, f"Nothing is served at {self.request.path}."
        elif status_code == 405:
            status, detail = 405, f"{self.request.path} does not accept {self.request.method}."
            self.set_header("Allow", ", ".join(self.SUPPORTED_METHODS))
        elif status_code >= 500:
            status, detail = 500, "The server could not complete the request."
        else:
            status, detail = status_code, HTTPStatus(status_code).description
        self.set_status(status)
        self.set_header("Content-Type", MEDIA_TYPE)
        # Answered before the body is read (Tornado's 405 comes before `prepare`, the 404 of
        # no route and the 413 from it): Tornado then closes the connection, but says so too
        # late for the headers, and a client must not send another request on it.
        if isinstance(error, BodyTooLargeError) or (
            status in (404, 405) and not isinstance(error, ProblemError)
        ):
            self.set_header("Connection", "close")
        self.finish(json_encode(problem(status, detail, errors=errors)))

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Tornado logs every exception that is no HTTPError as a failure, traceback and
        all, before `write_error` answers it; the database's verdicts mapped there (409,
        422, 503) are answers, not failures."""
        if not isinstance(value, (psycopg.errors.IntegrityError, *DATABASE_UNAVAILABLE)):
            super().log_exception(typ, value, tb)
