"""Every error as RFC 9457 problem details, mapped in this one module.

HTTPError                           Bottle's, raised by Bottle itself and by the handlers
 +-- ProblemError                   raised by the handlers and the data layer
 |    +-- MalformedBodyError        400
 |    +-- UserNotFoundError         404
 |    +-- EmailTakenError           409, the unique index on lower(email) decided
 |    +-- BodyTooLargeError         413
 |    +-- UnsupportedMediaTypeError 415
 |    +-- ValidationFailedError     422, one entry per offending member or parameter
 |    +-- ConstraintViolationError  422, a check constraint decided
 +-- HTTPError(404)                 Bottle's router: no route
 +-- HTTPError(405)                 Bottle's router: no route for the method, with Allow
 +-- HTTPError(500)                 anything unexpected (its traceback written to
                                    wsgi.errors by Bottle, the server's error log)
peewee.IntegrityError               becomes EmailTakenError or ConstraintViolationError
peewee.OperationalError, ...        503: the database is unreachable (ProblemPlugin)
"""

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import peewee
import psycopg
from bottle import Bottle, HTTPError, HTTPResponse, response  # type: ignore[import-untyped]
from marshmallow import ValidationError
from marshmallow.exceptions import SCHEMA
from playhouse.pool import MaxConnectionsExceeded  # type: ignore[import-untyped]

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
# Refused, unreachable, timed out or cut (Peewee wraps the driver's errors in its own; a
# statement cut by BoundedConnection, or a connection closed under it, too), and the pool
# out of connections for longer than its timeout (MaxConnectionsExceeded).
DATABASE_UNREACHABLE = (
    peewee.OperationalError,
    peewee.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    MaxConnectionsExceeded,
)


def problem(
    status: int,
    detail: str,
    *,
    errors: FieldErrors | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> HTTPResponse:
    """A problem as Bottle's response object, ready to be returned or raised."""
    body = render(status, detail, errors=errors)
    return HTTPResponse(body, status, headers=[("Content-Type", MEDIA_TYPE), *headers])


def render(status: int, detail: str, *, errors: FieldErrors | None = None) -> str:
    if status in KINDS:
        slug, title = KINDS[status]
        kind = TYPE_BASE + slug
    else:  # a status the contract does not name
        kind, title = "about:blank", HTTPStatus(status).phrase
    body = {"type": kind, "title": title, "status": status, "detail": detail}
    if errors is None:
        dumped: dict[str, Any] = Problem().dump(body)
    else:
        dumped = ValidationProblem().dump({**body, "errors": errors})
    return json.dumps(dumped)


class ProblemError(HTTPError):  # type: ignore[misc]  # Bottle has no type hints
    """A problem the handlers raise; Bottle hands it to the app's error handler. (Its
    status is `http_status`: `status` is the property of Bottle's response.)"""

    http_status = 500
    detail = "The server could not complete the request."

    def __init__(self, detail: str | None = None, errors: FieldErrors | None = None) -> None:
        self.detail = detail or self.detail
        self.errors = errors
        super().__init__(self.http_status, self.detail)


class MalformedBodyError(ProblemError):
    http_status = 400
    detail = "The body is empty or not valid JSON."


class UserNotFoundError(ProblemError):
    http_status = 404

    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


class EmailTakenError(ProblemError):
    http_status = 409
    detail = "Another user already has this email address."


class BodyTooLargeError(ProblemError):
    http_status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"The body is over the limit of {limit} bytes.")


class UnsupportedMediaTypeError(ProblemError):
    http_status = 415
    detail = "The body must be sent as application/json."


class ValidationFailedError(ProblemError):
    http_status = 422
    detail = "The request breaks a rule of the contract."


class ConstraintViolationError(ProblemError):
    http_status = 422
    detail = "The database refused the value."


def field_errors(exc: ValidationError) -> FieldErrors:
    """marshmallow's messages, `{member: [message, ...]}` with every offending member, as
    the contract's entries; its `_schema` key (the body is no object) is `body`."""
    return [
        {"field": "body" if name == SCHEMA else name, "message": " ".join(map(str, found))}
        for name, found in exc.messages_dict.items()
    ]


def integrity_problem(exc: peewee.IntegrityError) -> ProblemError:
    """The one place where the database's verdict on a write becomes a problem."""
    error = getattr(exc, "orig", None)  # psycopg's, which Peewee wraps
    if isinstance(error, psycopg.errors.UniqueViolation):
        return EmailTakenError()
    diag = getattr(error, "diag", None)
    constraint = str(getattr(diag, "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ConstraintViolationError(errors=[{"field": field, "message": f"violates {constraint}"}])


def on_http_error(error: HTTPError) -> str:
    """Every HTTPError, Bottle's own and the handlers', as a problem. Bottle has copied the
    error's status and headers (Allow on its 405) onto the response already."""
    status = error.status_code
    if isinstance(error, ProblemError):
        detail, errors = error.detail, error.errors
    elif status == 404:
        detail, errors = "Nothing is served at this path.", None
    elif status == 405:
        detail, errors = "The path does not accept this method.", None
    elif status >= 500:  # never the exception or its traceback
        detail, errors = "The server could not complete the request.", None
    else:
        detail, errors = HTTPStatus(status).description, None
    response.content_type = MEDIA_TYPE
    return render(status, detail, errors=errors)


class ProblemPlugin:
    """Bottle's plugin API (version 2): each route's callback is wrapped once, as it is
    first called. The database's errors become problems here, the one place that knows
    them; anything else goes on to Bottle (HTTPError, or its 500)."""

    name = "problems"
    api = 2

    def apply(self, callback: Callable[..., Any], route: Any) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            except peewee.IntegrityError as exc:
                raise integrity_problem(exc) from None
            except DATABASE_UNREACHABLE:
                return problem(503, "The database cannot be reached; try again shortly.")

        return wrapper


def register(app: Bottle) -> None:
    # Bottle looks an error's handler up by status (`@app.error(404)`) and falls back to
    # the app's `default_error_handler`, its HTML page: here the problem, for every status.
    app.default_error_handler = on_http_error
    app.install(ProblemPlugin())
