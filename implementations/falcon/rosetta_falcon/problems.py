"""Every error as RFC 9457 problem details, mapped in this one module.

falcon.HTTPError                  rendered by `serialize_problem`, Falcon's own included
 +-- ProblemError                 raised by the handlers and the data layer
 |    +-- UserNotFoundError       404
 |    +-- EmailTakenError         409, the unique index on lower(email) decided
 |    +-- UnsupportedMediaTypeError 415
 |    +-- ValidationFailedError   422, one entry per offending member or parameter
 |    +-- ConstraintViolationError 422, a check constraint decided
 +-- HTTPRouteNotFound            Falcon's 404 (no route, or an {id} its converter refuses)
 +-- HTTPMethodNotAllowed         Falcon's 405, with Allow (UnknownMethod's for methods
 |                                Falcon does not know)
 +-- MediaMalformedError          Falcon's 400, from schemas.JSONHandler
 +-- HTTPContentTooLarge          413, from BodySizeLimit and schemas.JSONHandler
 +-- HTTPServiceUnavailable       503, from DATABASE_UNAVAILABLE
 +-- HTTPInternalServerError      500, Falcon's answer to anything else (logged first)
IntegrityError                    becomes EmailTakenError or ConstraintViolationError
"""

from http import HTTPStatus
from typing import Any

import falcon
import falcon.asgi
import msgspec
import psycopg
from falcon.asgi import Request, Response
from falcon.routing import map_http_methods

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


def problem(status: int, detail: str, *, errors: list[FieldError] | None = None) -> Problem:
    if status in KINDS:
        slug, title = KINDS[status]
        type_ = TYPE_BASE + slug
    else:
        type_, title = "about:blank", HTTPStatus(status).phrase
    return (
        Problem(type_, title, status, detail)
        if errors is None
        else ValidationProblem(type_, title, status, detail, errors)
    )


class ProblemError(falcon.HTTPError):
    status = 500
    detail = "The server could not complete the request."

    def __init__(self, detail: str | None = None, errors: list[FieldError] | None = None) -> None:
        super().__init__(self.status, description=detail or self.detail)
        self.errors = errors


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


def integrity_problem(exc: psycopg.errors.IntegrityError) -> ProblemError:
    """The one place where the database's verdict on a write becomes a problem."""
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return EmailTakenError()
    constraint = exc.diag.constraint_name or ""
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ConstraintViolationError(errors=[FieldError(field, f"violates {constraint}")])


def serialize_problem(req: Request, resp: Response, error: falcon.HTTPError) -> None:
    """Falcon's error serializer: every HTTPError as a problem, whatever the client accepts."""
    status = error.status_code
    if status == 500:
        detail = "The server could not complete the request."
    elif error.description:
        detail = error.description
    elif status == 404:
        detail = f"Nothing is served at {req.path}."
    elif status == 405:
        detail = f"{req.path} does not accept {req.method}."
    else:
        detail = HTTPStatus(status).description
    errors = error.errors if isinstance(error, ProblemError) else None
    resp.content_type = "application/problem+json"
    resp.data = msgspec.json.encode(problem(status, detail, errors=errors))


async def on_integrity_error(
    req: Request, resp: Response, ex: psycopg.errors.IntegrityError, params: dict[str, Any]
) -> None:
    raise integrity_problem(ex) from ex


async def on_database_unreachable(
    req: Request, resp: Response, ex: Exception, params: dict[str, Any]
) -> None:
    raise falcon.HTTPServiceUnavailable(
        description="The database cannot be reached; try again shortly."
    ) from ex


# What a stalled, lost or unreachable database raises, all 503: refused, unreachable or timed
# out (psycopg_pool's PoolTimeout is an OperationalError), a server shutting down or starting
# up (SQLSTATE 57P01-57P03) or a statement it cancelled (57014), all OperationalErrors too, a
# connection closed under a statement (InterfaceError), and the deadline of db.bounded
# (TimeoutError, an OSError).
DATABASE_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError, OSError)


def register(app: falcon.asgi.App[Request, Response]) -> None:
    app.set_error_serializer(serialize_problem)
    app.add_error_handler(psycopg.errors.IntegrityError, on_integrity_error)
    for unavailable in DATABASE_UNAVAILABLE:
        app.add_error_handler(unavailable, on_database_unreachable)


class UnknownMethod:
    """Falcon answers a method it does not know (one outside `falcon.COMBINED_METHODS`, such
    as BREW) with 400 "Invalid HTTP method"; for the contract, a method a route lacks is a
    405 with the route's Allow, as Falcon answers the methods it knows. A middleware
    component: `process_resource` runs once the route is found (no route stays a 404)."""

    async def process_resource(
        self, req: Request, resp: Response, resource: object, params: dict[str, Any]
    ) -> None:
        if resource is not None and req.method not in falcon.COMBINED_METHODS:
            # The methods Falcon's own 405 lists: the resource's responders, and OPTIONS.
            allowed = {*map_http_methods(resource), "OPTIONS"}
            raise falcon.HTTPMethodNotAllowed(sorted(allowed))


class BodySizeLimit:
    """Refuse a body whose Content-Length is over `max_body_size` bytes before reading it.
    A Falcon middleware component: `process_resource` runs once the route is found, so 404
    and 405 come first. A body with no Content-Length (chunked) is held to the limit as it is
    read, by schemas.JSONHandler."""

    def __init__(self, max_body_size: int) -> None:
        self.max_body_size = max_body_size

    async def process_resource(
        self, req: Request, resp: Response, resource: object, params: dict[str, Any]
    ) -> None:
        if (req.content_length or 0) > self.max_body_size:
            raise falcon.HTTPContentTooLarge(
                description=f"The body is over the limit of {self.max_body_size} bytes."
            )
