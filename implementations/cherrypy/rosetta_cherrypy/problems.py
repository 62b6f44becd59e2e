"""Every error as RFC 9457 problem details, mapped in this one module.

cherrypy.HTTPError                  raised by CherryPy and by the handlers; its body is the
 |                                  request's `error_page["default"]` (on_http_error)
 +-- ProblemError                   raised by the handlers, the body tool and the data layer;
 |    |                             renders its own body (get_error_page)
 |    +-- MalformedBodyError        400
 |    +-- UserNotFoundError         404
 |    +-- EmailTakenError           409, the unique index on lower(email) decided
 |    +-- BodyTooLargeError         413
 |    +-- UnsupportedMediaTypeError 415
 |    +-- ValidationFailedError     422, one entry per offending member or parameter
 |    +-- ConstraintViolationError  422, a check constraint decided
 |    +-- DatabaseUnavailableError  503
 +-- NotFound, HTTPError(405)       the dispatcher: no resource, or no method (with Allow)
 +-- HTTPError(400)                 CherryPy, reading the head (ProblemRequest's error page)
psycopg IntegrityError              becomes EmailTakenError or ConstraintViolationError, in
psycopg OperationalError, ...       the app's `request.error_response` (on_unexpected),
anything else                       500, logged with its traceback; none in the body
"""

import html
import json
import logging
import sys
from http import HTTPStatus
from typing import Any, ClassVar

import cherrypy  # type: ignore[import-untyped]
import psycopg
from marshmallow import ValidationError
from marshmallow.exceptions import SCHEMA

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
# out (psycopg_pool's PoolTimeout is an OperationalError, and so is the wait that
# db.BoundedConnection cuts short), a server shutting down or starting up (SQLSTATE
# 57P01-57P03) or a statement it cancelled (57014), and a connection closed under a
# statement (InterfaceError).
DATABASE_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError)


def problem(status: int, detail: str, *, errors: FieldErrors | None = None) -> bytes:
    """The problem's body; the response's Content-Type set to say so."""
    if status in KINDS:
        slug, title = KINDS[status]
        type_ = TYPE_BASE + slug
    else:  # a status the contract does not name
        type_, title = "about:blank", HTTPStatus(status).phrase
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    if errors is None:
        dumped: dict[str, Any] = Problem().dump(body)
    else:
        dumped = ValidationProblem().dump({**body, "errors": errors})
    cherrypy.serving.response.headers["Content-Type"] = MEDIA_TYPE
    return json.dumps(dumped).encode()


class ProblemError(cherrypy.HTTPError):  # type: ignore[misc]
    status = 500
    detail = "The server could not complete the request."

    def __init__(self, detail: str | None = None, errors: FieldErrors | None = None) -> None:
        super().__init__(self.status)
        self.detail = detail or self.detail
        self.errors = errors

    def get_error_page(self, *args: Any, **kwargs: Any) -> bytes:
        """HTTPError.set_response's call for the body (CherryPy's own: an HTML page)."""
        return problem(self.code, self.detail, errors=self.errors)


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


class DatabaseUnavailableError(ProblemError):
    status = 503
    detail = "The database cannot be reached; try again shortly."


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


def on_http_error(status: str, message: str, traceback: str, version: str) -> bytes:
    """The app's `error_page.default`: the body of every HTTPError that is no ProblemError
    (the dispatcher's 404 and 405, CherryPy's 400 and 500). CherryPy has set the status, and
    the dispatcher the Allow header of its 405; `traceback` is never shown."""
    code = int(status.split()[0])
    if code == 404:
        detail = "Nothing is served at this path."
    elif code == 405:
        detail = f"The path does not accept {cherrypy.serving.request.method}."
    elif code >= 500:  # never the exception or its traceback
        detail = "The server could not complete the request."
    else:  # CherryPy's own sentence (escaped for its HTML page), no traceback
        detail = html.unescape(message) or HTTPStatus(code).description
    return problem(code, detail)


def on_unexpected() -> None:
    """The app's `request.error_response`: CherryPy's call for an exception that is no
    HTTPError, with the exception being handled. The database's verdicts and outages are
    answers; anything else is a 500, logged with its traceback."""
    error = sys.exc_info()[1]
    if isinstance(error, psycopg.errors.IntegrityError):
        integrity_problem(error).set_response()
    elif isinstance(error, DATABASE_UNAVAILABLE):
        DatabaseUnavailableError().set_response()
    else:
        cherrypy.log("Unexpected error", context="HTTP", severity=logging.ERROR, traceback=True)
        cherrypy.HTTPError(500).set_response()


class ProblemRequest(cherrypy._cprequest.Request):  # type: ignore[misc]
    """CherryPy's request, with the app's error page from the start: the app's config is
    applied once the request is dispatched, so an error found as the head is read (an
    HTTP/1.1 request without Host, a bad cookie: 400) would get CherryPy's HTML page."""

    error_page: ClassVar[dict[str, Any]] = {"default": on_http_error}  # copied per request
    show_tracebacks = False


def register(app: cherrypy.Application) -> None:
    """Every error of the app as a problem. CherryPy's own logging of each exception's
    traceback (and of the request's headers) is off: on_unexpected logs those that are
    failures; no page shows one."""
    app.request_class = ProblemRequest
    app.merge(
        {
            "/": {
                "request.error_response": on_unexpected,
                "tools.log_tracebacks.on": False,
                "tools.log_headers.on": False,
            }
        }
    )
