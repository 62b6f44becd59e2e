"""The NinjaAPI at the root, the path converter its paths name, and Django's error
handlers for what Ninja never sees."""

from django.urls import path, register_converter

from rosetta_ninja.api import api
from rosetta_ninja.schemas import BIGINT_MAX


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


# Before api.urls: Django resolves a route's converters when it builds the pattern.
register_converter(UserIdConverter, "user_id")

urlpatterns = [path("", api.urls)]

handler400 = "rosetta_ninja.problems.bad_request"
handler404 = "rosetta_ninja.problems.not_found"
handler500 = "rosetta_ninja.problems.server_error"
