"""Every error as RFC 9457 problem details, mapped in this one module.

falcon.HTTPError            rendered by `serialize_problem`, Falcon's own included:
 +-- HTTPRouteNotFound      404 (no route, or an {id} the route's converter refuses)
 +-- HTTPMethodNotAllowed   405, with Allow
 +-- MediaNotFoundError,
 |   MediaMalformedError    400
 +-- HTTPContentTooLarge    413
 +-- HTTPUnsupportedMediaType 415
 +-- UserNotFound           404
 +-- EmailTaken             409 (the database's unique index decided)
 +-- ValidationFailed       422, from schemas.InvalidError or a check constraint
 +-- HTTPServiceUnavailable 503, from psycopg's connection errors
 +-- HTTPInternalServerError 500, Falcon's answer to anything else
"""

from http import HTTPStatus
from typing import Any

import falcon
import falcon.asgi
import msgspec
import psycopg
from falcon.asgi import Request, Response

from .schemas import FieldError, InvalidError, Problem

TYPE_BASE = "https://rosetta.example/problems/"
# status: (type, title, the detail when the error carries none)
KINDS = {
    400: ("malformed-body", "Malformed request body", "The body is not valid JSON."),
    404: ("not-found", "Not found", "Nothing is found at this path."),
    405: ("method-not-allowed", "Method not allowed", "This path does not answer that method."),
    409: ("email-taken", "Email already taken", "Another user already has this email address."),
    413: ("body-too-large", "Request body too large", "The body is over the size limit."),
    415: (
        "unsupported-media-type",
        "Unsupported media type",
        "The body must be sent as application/json.",
    ),
    422: ("validation-error", "Validation failed", "The request breaks a rule of the contract."),
    500: ("internal-error", "Internal server error", "The server could not complete the request."),
    503: (
        "database-unavailable",
        "Database unavailable",
        "The database cannot be reached; try again shortly.",
    ),
}


class UserNotFound(falcon.HTTPNotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(description=f"No user has the id {user_id}.")


class EmailTaken(falcon.HTTPConflict):
    pass


class ValidationFailed(falcon.HTTPUnprocessableEntity):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__()
        self.errors = errors


def integrity_problem(exc: psycopg.errors.IntegrityError) -> falcon.HTTPError:
    """The one place where the database's verdict on a write becomes a problem."""
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return EmailTaken()
    constraint = exc.diag.constraint_name or ""
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ValidationFailed([FieldError(field, f"violates {constraint or 'a constraint'}")])


def serialize_problem(req: Request, resp: Response, error: falcon.HTTPError) -> None:
    """Falcon's error serializer: every HTTPError, whatever the client accepts."""
    status = error.status_code
    slug, title, detail = KINDS.get(status, ("", HTTPStatus(status).phrase, ""))
    problem = Problem(
        type=TYPE_BASE + slug if slug else "about:blank",
        title=title,
        status=status,
        # A 500 never says more than its fixed sentence.
        detail=detail if status == 500 else error.description or detail or title,
        errors=error.errors if isinstance(error, ValidationFailed) else msgspec.UNSET,
    )
    resp.content_type = "application/problem+json"
    resp.data = msgspec.json.encode(problem)


async def on_invalid(
    req: Request, resp: Response, ex: InvalidError, params: dict[str, Any]
) -> None:
    raise ValidationFailed(ex.errors)


async def on_database_unreachable(
    req: Request, resp: Response, ex: Exception, params: dict[str, Any]
) -> None:
    raise falcon.HTTPServiceUnavailable()


def register(app: falcon.asgi.App[Request, Response]) -> None:
    app.set_error_serializer(serialize_problem)
    app.add_error_handler(InvalidError, on_invalid)
    # OperationalError includes psycopg_pool's PoolTimeout; InterfaceError is a connection
    # closed under us.
    for unreachable in (psycopg.OperationalError, psycopg.InterfaceError):
        app.add_error_handler(unreachable, on_database_unreachable)
