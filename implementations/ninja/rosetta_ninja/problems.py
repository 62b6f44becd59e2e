"""Every error as RFC 9457 problem details, mapped in this one module.

    ProblemError                    raised by operations and api.require_json
     +-- MalformedBodyError              400
     +-- UserNotFoundError               404
     +-- UnsupportedMediaTypeError       415
    User.DoesNotExist               404
    RequestDataTooBig               413 (past DATA_UPLOAD_MAX_MEMORY_SIZE)
    ninja.errors.ValidationError    422 (with errors)
    ninja.errors.HttpError          400 (Ninja: the body is not JSON)
    IntegrityError                  409 (the unique index) or 422 (a check constraint)
    OperationalError, InterfaceError  503
    method_not_allowed              405, restating Ninja's plain-text answer
    no route                        404 (handler404)
    SuspiciousOperation             400 (handler400)
    anything else                   500 (handler500), with no detail of the failure

Ninja's exception handlers (`@api.exception_handler`, in `register`) see what an
operation raises; what Django answers itself goes through the handlers of urls.py.
"""

from collections.abc import Callable
from http import HTTPStatus
from inspect import iscoroutinefunction
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.decorators import sync_and_async_middleware
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

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


class UnsupportedMediaTypeError(ProblemError):
    status = 415
    detail = "The body must be sent as application/json."


def field_errors(exc: ValidationError) -> FieldErrors:
    """One entry per offending member or parameter, named as the contract says: Ninja's
    `loc` is ("body", <argument>, <member>) or ("query", <parameter>)."""
    errors: FieldErrors = {}
    for error in exc.errors:
        source, *path = error["loc"]
        field = (path[1] if len(path) > 1 else "body") if source == "body" else path[0]
        errors.setdefault(str(field), error["msg"])
    return errors


def integrity_problem(exc: IntegrityError) -> JsonResponse:
    """The one place where the database's verdict on a write becomes a problem."""
    cause = exc.__cause__  # the driver's error: psycopg keeps the SQLSTATE and constraint
    if getattr(cause, "sqlstate", None) == "23505":
        return problem(409, "Another user already has this email address.")
    constraint = str(getattr(getattr(cause, "diag", None), "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return problem(422, "The database refused the value.", errors={field: f"violates {constraint}"})


def register(api: NinjaAPI) -> None:
    """Ninja's exception handlers, for what the operations raise."""

    @api.exception_handler(ProblemError)
    def on_problem(request: HttpRequest, exc: ProblemError) -> HttpResponse:
        return exc.response()

    @api.exception_handler(ObjectDoesNotExist)
    def on_not_found(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return UserNotFoundError().response()

    @api.exception_handler(RequestDataTooBig)
    def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return body_too_large()

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(422, "The request breaks a rule of the contract.", errors=field_errors(exc))

    @api.exception_handler(HttpError)
    def on_http_exception(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # "Cannot parse request body"
            return MalformedBodyError().response()
        return problem(exc.status_code, str(exc))

    @api.exception_handler(IntegrityError)
    def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        return integrity_problem(exc)

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def on_database_unreachable(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(503, "The database cannot be reached; try again shortly.")


def body_too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem(413, f"The body is over the limit of {limit} bytes.")


def restate_method_not_allowed(response: HttpResponseBase) -> HttpResponseBase:
    if response.status_code != 405 or response.get("Content-Type") == "application/problem+json":
        return response
    allowed = ", ".join(sorted(m.strip() for m in response["Allow"].split(",")))
    return problem(405, f"This route answers {allowed} only.", headers={"Allow": allowed})


@sync_and_async_middleware
def method_not_allowed(get_response: Callable[[HttpRequest], Any]) -> Callable[..., Any]:
    """Ninja answers a method a path does not have itself, in plain text and past its
    exception handlers; this middleware restates that answer as a problem (a coroutine
    under ASGI, so no thread hop)."""
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            return restate_method_not_allowed(await get_response(request))

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        return restate_method_not_allowed(get_response(request))

    return middleware


# Django's error handlers (handler400, handler404, handler500 in urls.py).


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return body_too_large()
    return problem(400, "The request is malformed.")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem(404, "No route matches this path.")


def server_error(request: HttpRequest) -> HttpResponse:
    return problem(500, "The server could not complete the request.")
