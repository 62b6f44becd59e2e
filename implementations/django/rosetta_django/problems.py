"""Every error as RFC 9457 problem details, mapped in this one module.

    ProblemError               raised by views and forms
     +-- MalformedBodyError         400
     +-- UserNotFoundError          404
     +-- MethodNotAllowedError      405 (with Allow)
     +-- UnsupportedMediaTypeError  415
     +-- ValidationFailedError      422 (with errors)
    User.DoesNotExist          404
    RequestDataTooBig          413 (past DATA_UPLOAD_MAX_MEMORY_SIZE)
    IntegrityError             409 (the unique index) or 422 (a check constraint)
    OperationalError, InterfaceError   503
    no route                   404 (handler404)
    SuspiciousOperation        400 (handler400)
    anything else              500 (handler500), with no detail of the failure

Exceptions raised in a view reach `ProblemMiddleware.process_exception`; what Django
answers itself (no route, a refused Host, a crash) goes through the handlers of urls.py.
"""

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin

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
FieldErrors = dict[str, str]


def problem(
    status: int,
    detail: str,
    *,
    errors: FieldErrors | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    slug, title = KINDS.get(status, ("about:blank", HTTPStatus(status).phrase))
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors.items()]
    return JsonResponse(
        body, status=status, headers=headers, content_type="application/problem+json"
    )


class ProblemError(Exception):
    status = 500
    detail = "The server could not complete the request."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.detail)

    def response(self) -> JsonResponse:
        return problem(self.status, str(self))


class MalformedBodyError(ProblemError):
    status = 400
    detail = "The body is not valid JSON."


class UserNotFoundError(ProblemError):
    status = 404
    detail = "No user has this id."


class MethodNotAllowedError(ProblemError):
    status = 405

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(f"This route answers {', '.join(allowed)} only.")
        self.allowed = allowed

    def response(self) -> JsonResponse:
        return problem(self.status, str(self), headers={"Allow": ", ".join(self.allowed)})


class UnsupportedMediaTypeError(ProblemError):
    status = 415
    detail = "The body must be sent as application/json."


class ValidationFailedError(ProblemError):
    status = 422

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__("The request breaks a rule of the contract.")
        self.errors = errors

    def response(self) -> JsonResponse:
        return problem(self.status, str(self), errors=self.errors)


def integrity_problem(exc: IntegrityError) -> JsonResponse:
    """The one place where the database's verdict on a write becomes a problem."""
    cause = exc.__cause__  # the driver's error: psycopg keeps the SQLSTATE and constraint
    if getattr(cause, "sqlstate", None) == "23505":
        return problem(409, "Another user already has this email address.")
    constraint = str(getattr(getattr(cause, "diag", None), "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return problem(422, "The database refused the value.", errors={field: f"violates {constraint}"})


class ProblemMiddleware(MiddlewareMixin):
    """Turns the exceptions a view raises into problems; anything unknown goes on to
    Django, which answers with handler500. With no process_request or process_response,
    it costs no thread hop under ASGI."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ProblemError):
            return exception.response()
        if isinstance(exception, ObjectDoesNotExist):
            return UserNotFoundError().response()
        if isinstance(exception, RequestDataTooBig):
            return body_too_large()
        if isinstance(exception, IntegrityError):
            return integrity_problem(exception)
        if isinstance(exception, OperationalError | InterfaceError):
            return problem(503, "The database cannot be reached; try again shortly.")
        return None


def body_too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem(413, f"The body is over the limit of {limit} bytes.")


# Django's error handlers (handler400, handler404, handler500 in urls.py).


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return body_too_large()
    return problem(400, "The request is malformed.")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem(404, "No route matches this path.")


def server_error(request: HttpRequest) -> HttpResponse:
    return problem(500, "The server could not complete the request.")
