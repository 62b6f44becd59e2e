"""The routes (a router for the ViewSet), the OpenAPI document, and Django's error
handlers for what REST framework never sees."""

from django.urls import include, path, register_converter
from drf_spectacular.renderers import OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from rosetta_drf import views
from rosetta_drf.serializers import BIGINT_MAX


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


register_converter(UserIdConverter, "user_id")

# SimpleRouter: no API root view at "/", no format suffixes; paths with converters.
router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    path("", include(router.urls)),
    path("health", views.health, name="health"),
    # application/json, as the contract serves it (drf-spectacular's default is
    # application/vnd.oai.openapi+json).
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(renderer_classes=[OpenApiJsonRenderer2]),
        name="openapi",
    ),
]

handler400 = "rosetta_drf.problems.bad_request"
handler404 = "rosetta_drf.problems.not_found"
handler500 = "rosetta_drf.problems.server_error"
