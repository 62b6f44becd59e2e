"""Every error as RFC 9457 problem details, mapped in this one module.

exception_handler (REST framework's EXCEPTION_HANDLER), for what a view raises:
  ValidationError              422 (with errors)
  ParseError                   400 (not JSON, or empty)
  UserNotFoundError, Http404   404 (raised by the views; by get_object)
  MethodNotAllowed             405 (REST framework adds Allow)
  UnsupportedMediaType         415
  other APIException           its status
  RequestDataTooBig            413 (past DATA_UPLOAD_MAX_MEMORY_SIZE)
  IntegrityError               409 (the unique index) or 422 (a check constraint)
  OperationalError, InterfaceError   503
Django's handlers (urls.py), for what REST framework never sees:
  no route                     404 (handler404)
  SuspiciousOperation          400 (handler400)
  anything else                500 (handler500), with no detail of the failure
"""

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as default_exception_handler

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
FieldErrors = dict[str, str]


def problem_body(status: int, detail: str, errors: FieldErrors | None = None) -> dict[str, Any]:
    slug, title = KINDS[status] if status in KINDS else (None, HTTPStatus(status).phrase)
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors.items()]
    return body


def problem(
    status: int,
    detail: str,
    *,
    errors: FieldErrors | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = problem_body(status, detail, errors)
    return Response(body, status=status, headers=headers, content_type=MEDIA_TYPE)


class UserNotFoundError(exceptions.NotFound):
    default_detail = "No user has this id."


def field_errors(detail: Any) -> FieldErrors:
    """One entry per offending member or parameter; what concerns the body as a whole is
    under "body" (NON_FIELD_ERRORS_KEY in settings.py)."""
    if not isinstance(detail, dict):
        detail = {"body": detail}
    return {
        field: str(messages[0] if isinstance(messages, list) else messages)
        for field, messages in detail.items()
    }


def integrity_problem(exc: IntegrityError) -> Response:
    """The one place where the database's verdict on a write becomes a problem."""
    cause = exc.__cause__  # the driver's error: psycopg keeps the SQLSTATE and constraint
    if getattr(cause, "sqlstate", None) == "23505":
        return problem(409, "Another user already has this email address.")
    constraint = str(getattr(getattr(cause, "diag", None), "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return problem(422, "The database refused the value.", errors={field: f"violates {constraint}"})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST framework's EXCEPTION_HANDLER. None sends the exception on to Django, which
    answers 500 through handler500."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return problem(413, f"The body is over the limit of {limit} bytes.")
    if isinstance(exc, IntegrityError):
        return integrity_problem(exc)
    if isinstance(exc, OperationalError | InterfaceError):
        return problem(503, "The database cannot be reached; try again shortly.")
    # REST framework's own handler turns Http404 and PermissionDenied into API exceptions,
    # and gathers the headers some of them carry.
    response = default_exception_handler(exc, context)
    if response is None:
        return None
    headers = dict(response.headers)
    headers.pop("Content-Type", None)
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        return problem(422, "The request breaks a rule of the contract.", errors=errors)
    if isinstance(exc, exceptions.ParseError):
        detail = str(exc.detail) if "empty" in str(exc.detail) else "The body is not valid JSON."
        return problem(400, detail, headers=headers)
    if response.status_code == 404:
        return problem(404, UserNotFoundError.default_detail)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return problem(415, "The body must be sent as application/json.")
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    return problem(response.status_code, str(detail) or "The request failed.", headers=headers)


# Django's error handlers (handler400, handler404, handler500 in urls.py): plain Django
# responses, as REST framework's renderers are not involved there.


def django_problem(status: int, detail: str) -> JsonResponse:
    return JsonResponse(problem_body(status, detail), status=status, content_type=MEDIA_TYPE)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return django_problem(413, f"The body is over the limit of {limit} bytes.")
    return django_problem(400, "The request is malformed.")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return django_problem(404, "No route matches this path.")


def server_error(request: HttpRequest) -> HttpResponse:
    return django_problem(500, "The server could not complete the request.")
