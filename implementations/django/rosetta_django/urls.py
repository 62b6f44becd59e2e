"""The routes, Django's error handlers, and the method dispatch Django leaves to views."""

from collections.abc import Callable, Coroutine
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, register_converter

from rosetta_django import views
from rosetta_django.forms import BIGINT_MAX
from rosetta_django.problems import MethodNotAllowedError

View = Callable[..., Coroutine[Any, Any, HttpResponse]]


class UserIdConverter:
    """A path segment that can name a user: 1..BIGINT_MAX in ASCII digits, no sign, no
    leading zero. Anything else matches no route, so it is a 404 like an id that names no
    user (never a 422)."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        user_id = int(value)
        if user_id > BIGINT_MAX:
            raise ValueError(value)  # Django's signal for "this route does not match"
        return user_id

    def to_url(self, value: int) -> str:
        return str(value)


def methods(**handlers: View) -> View:
    """One view per path, dispatching on the method: Django routes on the path alone.
    Any other method is a 405 problem that names the allowed ones."""

    async def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method or "")
        if handler is None:
            raise MethodNotAllowedError(list(handlers))
        return await handler(request, **kwargs)

    return view


register_converter(UserIdConverter, "user_id")

urlpatterns = [
    path("users", methods(GET=views.list_users, POST=views.create_user)),
    path(
        "users/<user_id:id>",
        methods(GET=views.get_user, PATCH=views.update_user, DELETE=views.delete_user),
    ),
    path("health", methods(GET=views.health)),
    path("openapi.json", methods(GET=views.openapi)),
]

handler400 = "rosetta_django.problems.bad_request"
handler404 = "rosetta_django.problems.not_found"
handler500 = "rosetta_django.problems.server_error"
