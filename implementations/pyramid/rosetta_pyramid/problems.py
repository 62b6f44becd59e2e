"""Every error as RFC 9457 problem details, mapped in this one module: exception views,
found by `config.scan()`.

HTTPException                         Pyramid's, raised by Pyramid and by the handlers
 +-- HTTPBadRequest                   400
 |    +-- MalformedBodyError          the body is empty or not JSON
 |    +-- RequestValidationError      pyramid_openapi3's: the request breaks openapi.yaml (422)
 +-- HTTPNotFound                     404: no route (or a route predicate refused the id)
 |    +-- UserNotFoundError           no such user
 +-- HTTPMethodNotAllowed             405, with Allow (routes.method_not_allowed)
 +-- HTTPRequestEntityTooLarge        413
 |    +-- BodyTooLargeError           over MAX_BODY_SIZE
 +-- HTTPUnsupportedMediaType         415
 |    +-- UnsupportedMediaTypeError   not application/json
 +-- HTTPUnprocessableEntity          422
 |    +-- ValidationFailedError       a rule of the contract its schemas cannot state
 +-- HTTPInternalServerError          500
      +-- ResponseValidationError     pyramid_openapi3's: a response breaks openapi.yaml
                                      (any 500 does: the contract documents none)
IntegrityError                        409 (the unique index) or 422 (a check constraint)
OperationalError, ...                 503: the database is unreachable
Exception                             500, logged with its traceback
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any, TypeVar

from jsonschema.exceptions import ValidationError as SchemaError
from pyramid.httpexceptions import (  # type: ignore[import-untyped]
    HTTPBadRequest,
    HTTPException,
    HTTPNotFound,
    HTTPRequestEntityTooLarge,
    HTTPUnprocessableEntity,
    HTTPUnsupportedMediaType,
)
from pyramid.request import Request  # type: ignore[import-untyped]
from pyramid.response import Response  # type: ignore[import-untyped]
from pyramid.view import exception_view_config as untyped_exception_view_config  # type: ignore[import-untyped]
from pyramid_openapi3.exceptions import RequestValidationError, ResponseValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from .schemas import FieldErrors, query_errors

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
# Pyramid has no type hints: its decorator, typed as what it is (it returns the function).
exception_view_config: Callable[..., Callable[[F], F]] = untyped_exception_view_config

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
# Headers of Pyramid's exceptions that a problem keeps (the 405's Allow).
KEPT_HEADERS = {"allow"}


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
    else:  # a status the contract does not name
        kind, title = "about:blank", HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": kind, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = Response(json_body=body, status=status, content_type=MEDIA_TYPE, charset=None)
    response.headers.extend(headers)
    return response


class MalformedBodyError(HTTPBadRequest):  # type: ignore[misc]  # Pyramid has no type hints
    explanation = "The body is empty or not valid JSON."


class UserNotFoundError(HTTPNotFound):  # type: ignore[misc]
    def __init__(self, user_id: int) -> None:
        super().__init__(f"No user has the id {user_id}.")


class BodyTooLargeError(HTTPRequestEntityTooLarge):  # type: ignore[misc]
    def __init__(self, limit: int) -> None:
        super().__init__(f"The body is over the limit of {limit} bytes.")


class UnsupportedMediaTypeError(HTTPUnsupportedMediaType):  # type: ignore[misc]
    explanation = "The body must be sent as application/json."


class ValidationFailedError(HTTPUnprocessableEntity):  # type: ignore[misc]
    explanation = "The request breaks a rule of the contract."

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__()
        self.errors = errors


def schema_fields(error: SchemaError, parameter: str | None) -> Iterator[str]:
    """The members or parameter a JSON Schema error is about, named as the contract says."""
    if parameter is not None:  # a query or path parameter: its name
        yield parameter
    elif error.path:  # inside a member of the body
        yield str(error.path[0])
    elif error.validator == "required" and isinstance(error.instance, dict):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        yield from (name for name in required if name not in error.instance)
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        yield from (name for name in error.instance if name not in known)
    else:  # the body as a whole (not an object)
        yield "body"


def field_errors(exc: RequestValidationError) -> FieldErrors:
    """openapi-core's errors, one entry per offending member or parameter. A parameter's
    error carries its name; a body's, JSON Schema's errors with their paths."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        parameter = getattr(error, "name", None)
        cause = error.__cause__
        schema_errors = getattr(cause, "schema_errors", None)
        if not schema_errors:  # a value that could not be read (cast) at all
            errors.setdefault(parameter or "body", str(cause or error))
            continue
        for schema_error in schema_errors:
            for field in schema_fields(schema_error, parameter):
                errors.setdefault(field, schema_error.message)
    return [{"field": field, "message": message} for field, message in errors.items()]


@exception_view_config(HTTPException)
def on_http_exception(exc: HTTPException, request: Request) -> Response:
    """Pyramid's errors, its own 404 included, and the handlers'."""
    status = exc.code
    if status >= 500:  # never the exception or its traceback
        logger.error("%s %s failed", request.method, request.path, exc_info=request.exc_info)
        detail = "The server could not complete the request."
    elif isinstance(exc, HTTPNotFound) and not isinstance(exc, UserNotFoundError):
        detail = "Nothing is served at this path."  # Pyramid's router says the path
    else:
        detail = exc.detail or exc.explanation or HTTPStatus(status).description
    headers = [(key, value) for key, value in exc.headers.items() if key.lower() in KEPT_HEADERS]
    return problem(status, str(detail), errors=getattr(exc, "errors", None), headers=headers)


@exception_view_config(RequestValidationError)
def on_validation_error(exc: RequestValidationError, request: Request) -> Response:
    """pyramid_openapi3's verdict, as the contract's 422 (pyramid_openapi3's own view answers
    400 with a list). The query's integers that openapi-core read too leniently are
    added to what it found."""
    # listUsers is the one operation with a query, and the one GET that openapi-core can
    # refuse (a route predicate has checked the `{id}` of the others).
    query = query_errors(request.GET) if request.method == "GET" else []
    errors = {error["field"]: error for error in query}
    errors.update((error["field"], error) for error in field_errors(exc))
    detail = "The request breaks a rule of the contract."
    return problem(422, detail, errors=list(errors.values()))


@exception_view_config(ResponseValidationError)
def on_invalid_response(exc: ResponseValidationError, request: Request) -> Response:
    """pyramid_openapi3 validates every response too: one the contract does not allow is
    logged and answered 500, except a 500 already (openapi.yaml documents none)."""
    if exc.response.status_code >= 500:
        return exc.response
    logger.error("%s %s: the response breaks openapi.yaml: %s", request.method, request.path, exc)
    return problem(500, "The server could not complete the request.")


@exception_view_config(IntegrityError)
def integrity_problem(exc: IntegrityError, request: Request) -> Response:
    """The one place where the database's verdict on a write becomes a problem."""
    error = exc.driver_exception  # psycopg's
    if getattr(error, "sqlstate", None) == "23505":  # unique_violation
        return problem(409, "Another user already has this email address.")
    constraint = str(getattr(getattr(error, "diag", None), "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    errors = [{"field": field, "message": "violates " + constraint}]
    return problem(422, "The database refused the value.", errors=errors)


@exception_view_config(OperationalError)
@exception_view_config(InterfaceError)
@exception_view_config(PoolTimeoutError)
def on_database_unreachable(exc: Exception, request: Request) -> Response:
    return problem(503, "The database cannot be reached; try again shortly.")


@exception_view_config(Exception)
def on_unexpected(exc: Exception, request: Request) -> Response:
    """Anything else: its traceback to the server's log, a fixed sentence to the client."""
    logger.error("%s %s failed", request.method, request.path, exc_info=request.exc_info)
    return problem(500, "The server could not complete the request.")
