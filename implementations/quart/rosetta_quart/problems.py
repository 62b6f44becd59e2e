"""Every error as RFC 9457 problem details, mapped in this one module.

HTTPException                 Werkzeug's, raised by Quart or by this app:
 +-- NotFound                 404, no route
 |    +-- UserNotFound        404, no such user
 +-- MethodNotAllowed         405, with Allow
 +-- BadRequest               400, the body is not JSON
 |    +-- RequestSchemaValidationError  422 (quart-schema: body or query breaks a rule)
 +-- RequestEntityTooLarge    413 (MAX_CONTENT_LENGTH)
 +-- UnsupportedMediaType     415
 +-- InternalServerError      500, wrapping anything unhandled (logged by Quart)
IntegrityError                409 (the unique index), 422 (a check constraint)
connection errors             503
"""

from http import HTTPStatus
from typing import Any

from pydantic import ValidationError
from quart import Quart, Response, current_app
from quart_schema import RequestSchemaValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

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
    headers: dict[str, str] | None = None,
) -> Response:
    # A status the contract does not name (408 from Quart's BODY_TIMEOUT, say) gets RFC 9457's
    # default type, with the status phrase as its title.
    slug, title = KINDS.get(status, ("", HTTPStatus(status).phrase))
    kind = TYPE_BASE + slug if slug else "about:blank"
    body: dict[str, Any] = {"type": kind, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return current_app.response_class(
        current_app.json.dumps(body),
        status=status,
        headers=headers,
        content_type="application/problem+json",
    )


class UserNotFound(NotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


def field_errors(exc: RequestSchemaValidationError) -> FieldErrors:
    """One entry per offending member or parameter, named as the contract says."""
    error = exc.validation_error
    if not isinstance(error, ValidationError):
        return [{"field": "body", "message": str(error)}]
    errors: dict[str, str] = {}
    for entry in error.errors():
        # A body that is not an object fails at the model itself, with an empty location.
        field = str(entry["loc"][0]) if entry["loc"] else "body"
        errors.setdefault(field, entry["msg"])
    return [{"field": field, "message": message} for field, message in errors.items()]


async def on_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        # Werkzeug gathers the methods of every rule of the path, HEAD and OPTIONS included.
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    if status == 500:
        detail = "The server could not complete the request."
    else:
        detail = exc.description or HTTPStatus(status).description
    return problem(status, detail, headers=headers)


async def on_validation_error(exc: RequestSchemaValidationError) -> Response:
    # quart-schema raises a 400 (a BadRequest); the contract answers well-formed JSON or a
    # query that breaks a rule with 422.
    return problem(422, "The request breaks a rule of the contract.", errors=field_errors(exc))


async def on_integrity_error(exc: IntegrityError) -> Response:
    """The one place where the database's verdict on a write becomes a problem."""
    if getattr(exc.orig, "sqlstate", None) == "23505":
        return problem(409, "Another user already has this email address.")
    constraint = str(getattr(exc.orig, "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    errors = [{"field": field, "message": "violates " + constraint}]
    return problem(422, "The database refused the value.", errors=errors)


async def on_database_unreachable(exc: Exception) -> Response:
    if isinstance(exc, DBAPIError) and not (
        exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    ):
        # Any other database error is a bug like any other: logged, and a plain 500.
        current_app.logger.error("Database error", exc_info=exc)
        return problem(500, "The server could not complete the request.")
    return problem(503, "The database cannot be reached; try again shortly.")


def register(app: Quart) -> None:
    app.register_error_handler(HTTPException, on_http_exception)
    app.register_error_handler(RequestSchemaValidationError, on_validation_error)
    app.register_error_handler(IntegrityError, on_integrity_error)
    for unreachable in (DBAPIError, PoolTimeoutError, OSError):
        app.register_error_handler(unreachable, on_database_unreachable)
