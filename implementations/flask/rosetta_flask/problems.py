"""Every error as RFC 9457 problem details, mapped in this one module.

HTTPException               Werkzeug's, raised by Flask and by the handlers
 +-- BadRequest             400: the body is not JSON
 +-- NotFound               404: no route; UserNotFound, no such user
 +-- MethodNotAllowed       405, with Allow
 +-- RequestEntityTooLarge  413: over MAX_CONTENT_LENGTH
 +-- UnsupportedMediaType   415
 +-- InternalServerError    500: anything unexpected (Flask logs it first)
pydantic.ValidationError    422
IntegrityError              409 (the unique index) or 422 (a check constraint)
OperationalError, ...       503: the database is unreachable
"""

import io
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify
from psycopg.errors import UniqueViolation
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, NotFound

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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
    else:  # a status the contract does not name (Werkzeug's 408, say)
        kind, title = "about:blank", HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": kind, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers.extend(headers)
    return response


class UserNotFound(NotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


def on_http_exception(exc: HTTPException) -> Response:
    """Werkzeug's errors, Flask's own included, with their headers (Allow on a 405)."""
    status = exc.code or 500
    if status == 500:
        detail = "The server could not complete the request."
    else:
        detail = exc.description or HTTPStatus(status).phrase
    headers = [(key, value) for key, value in exc.get_headers() if key.lower() != "content-type"]
    return problem(status, detail, headers=headers)


def on_validation_error(exc: ValidationError) -> Response:
    """One entry per offending member or parameter, named as the contract says; a body that
    is not an object at all has an empty location and is reported as `body`."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error["loc"]
        errors.setdefault(str(loc[0]) if loc else "body", error["msg"])
    fields = [{"field": field, "message": message} for field, message in errors.items()]
    return problem(422, "The request breaks a rule of the contract.", errors=fields)


def on_integrity_error(exc: IntegrityError) -> Response:
    """The one place where the database's verdict on a write becomes a problem."""
    if isinstance(exc.orig, UniqueViolation):
        return problem(409, "Another user already has this email address.")
    diag = getattr(exc.orig, "diag", None)
    constraint = str(getattr(diag, "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    errors = [{"field": field, "message": "violates " + constraint}]
    return problem(422, "The database refused the value.", errors=errors)


def on_database_unreachable(exc: Exception) -> Response:
    return problem(503, "The database cannot be reached; try again shortly.")


def init_app(app: Flask) -> None:
    # On the app, not a blueprint: 404 and 405 are raised by routing, before any blueprint.
    app.register_error_handler(HTTPException, on_http_exception)
    app.register_error_handler(ValidationError, on_validation_error)
    app.register_error_handler(IntegrityError, on_integrity_error)
    for unreachable in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(unreachable, on_database_unreachable)


class ChunkedBodyLimit:
    """WSGI middleware: a chunked body (no Content-Length) reaches Flask with a length.

    Werkzeug reads such a body only where the server sets `wsgi.input_terminated`, and
    then stops at MAX_CONTENT_LENGTH without looking further: a larger body comes back cut
    short, not refused. So it is read here, at most one byte past the limit; a body over
    the limit is then refused with 413 by Flask's own Content-Length check when a handler
    reads it (after routing, so that 404 and 405 still come first)."""

    def __init__(self, app: "WSGIApplication", max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> "Iterable[bytes]":
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            stream, body = environ["wsgi.input"], bytearray()
            while len(body) <= self.max_body_size:
                chunk = stream.read(self.max_body_size + 1 - len(body))
                if not chunk:
                    break
                body += chunk
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.app(environ, start_response)
