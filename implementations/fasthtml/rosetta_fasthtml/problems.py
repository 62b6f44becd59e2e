"""Every error as RFC 9457 problem details, mapped in this one module.

ProblemError                    raised by the schemas, the data layer and the handlers
 +-- MalformedBodyError          400
 +-- UserNotFoundError           404
 +-- EmailTakenError             409 (the database's unique index decided)
 +-- UnsupportedMediaTypeError   415
 +-- ValidationFailedError       422, one entry per offending member or parameter
 +-- ConstraintViolationError    422, a check constraint of the database decided
HTTPException                   Starlette's 404 (no route), 405 (with Allow), 413 (BodySizeLimit);
                                FastHTML's 404 (a path parameter that does not cast) and 400 (a
                                body it could not parse)
connection errors               503
anything else                   500, with no detail of the failure
"""

import json
from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import Any, NoReturn

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
FieldErrors = Mapping[str, str]


def problem(
    status: int,
    detail: str,
    *,
    errors: FieldErrors | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    # A status the contract does not name gets RFC 9457's default type.
    slug, title = KINDS.get(status, ("", HTTPStatus(status).phrase))
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors.items()]
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


class ProblemError(Exception):
    status = 500
    detail = "The server could not complete the request."

    def __init__(self, detail: str | None = None, errors: FieldErrors | None = None) -> None:
        super().__init__(detail or self.detail)
        self.errors = errors

    @property
    def title(self) -> str:
        return KINDS[self.status][1]


class MalformedBodyError(ProblemError):
    status = 400
    detail = "The body is not valid JSON."


class UserNotFoundError(ProblemError):
    status = 404
    detail = "No user has this id."

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

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(None, errors)


class ConstraintViolationError(ProblemError):
    status = 422
    detail = "The database refused the value."

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(None, errors)


def integrity_problem(exc: IntegrityError) -> ProblemError:
    """The one place where the database's verdict on a write becomes a problem."""
    if getattr(exc.orig, "sqlstate", None) == "23505":  # unique_violation
        return EmailTakenError()
    diag = getattr(exc.orig, "diag", None)
    constraint = str(getattr(diag, "constraint_name", "") or "")
    field = "email" if "email" in constraint else "name" if "name" in constraint else "body"
    return ConstraintViolationError({field: "violates " + constraint})


def reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


async def read_json(request: Request) -> dict[str, object]:
    """The body as a JSON object, or the problem that comes first in the contract's order."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaTypeError()
    body = await request.body()
    if not body:
        raise MalformedBodyError("The body is empty; a JSON object is required.")
    try:
        value = json.loads(body.decode(), parse_constant=reject_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedBodyError() from exc
    if not isinstance(value, dict):
        raise ValidationFailedError({"body": "must be a JSON object"})
    return value


async def on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem(exc.status, str(exc), errors=exc.errors)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:
        # FastHTML parses the body before any handler runs and answers 400 for any it cannot
        # read: a JSON value that is not an object, a multipart body without a boundary. The
        # contract orders 415 before 400 and wants 422 for the first, so the (cached) body is
        # judged again the way the handlers judge it.
        try:
            await read_json(request)
        except ProblemError as error:
            return await on_problem(request, error)
        return problem(400, "The body could not be read.")
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette's Allow names the methods of the first route that matched the path only;
        # each handler is a route of its own, so ask every route about every method.
        methods = [
            method
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
            if any(
                route.matches({**request.scope, "method": method})[0] == Match.FULL
                for route in request.app.routes
            )
        ]
        # (A mounted app, such as the static files, answers for itself.)
        headers = {"Allow": ", ".join(methods)} if methods else exc.headers
    return problem(exc.status_code, exc.detail, headers=headers)


async def on_recursion_error(request: Request, exc: Exception) -> Response:
    """FastHTML parses a JSON body before any handler and lets the parser's RecursionError
    out (it catches ValueError only): a body nested too deep is judged again by read_json,
    which makes it a 400, as in on_http_exception. Any other RecursionError goes on to
    `on_unexpected` (a 500), which Starlette's outermost middleware runs before it re-raises
    for the server to log."""
    try:
        await read_json(request)
    except MalformedBodyError as error:
        return await on_problem(request, error)
    except ProblemError:
        pass
    raise exc


async def on_database_unreachable(request: Request, exc: Exception) -> Response:
    return problem(503, "The database cannot be reached; try again shortly.")


async def on_unexpected(request: Request, exc: Exception) -> Response:
    return problem(500, "The server could not complete the request.")


Handler = Callable[[Request, Exception], Coroutine[Any, Any, Response]]
exception_handlers: dict[Any, Handler] = {
    ProblemError: on_problem,
    HTTPException: on_http_exception,
    # A handler by status wins over one by class, and FastHTML installs a plain-text one for
    # 404 unless it is given one.
    404: on_http_exception,
    RecursionError: on_recursion_error,
    OperationalError: on_database_unreachable,
    InterfaceError: on_database_unreachable,
    PoolTimeoutError: on_database_unreachable,
    Exception: on_unexpected,
}


class BodySizeLimit:
    """Refuse bodies over `max_body_size` bytes without reading them whole: when Content-Length
    says so, at the first read; otherwise as soon as the bytes received pass the limit.

    The 413 is raised where the body is read, after routing, so that an unknown route is
    still 404 and a wrong method 405, and it reaches the exception handlers as an HTTPException.
    """

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        detail = f"The body is over the limit of {self.max_body_size} bytes."
        declared = Headers(scope=scope).get("content-length", "")
        too_large = declared.isdigit() and int(declared) > self.max_body_size
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if too_large:
                raise HTTPException(413, detail)
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_size:
                raise HTTPException(413, detail)
            return message

        return await self.app(scope, limited_receive, send)
