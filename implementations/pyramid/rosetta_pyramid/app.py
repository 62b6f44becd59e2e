"""The application factory: the only place where the app is wired (the cookiecutter's
`main(global_config, **settings)`, taking the rosetta `Settings` instead of an .ini's)."""

import json
from pathlib import Path

from pyramid.config import Configurator  # type: ignore[import-untyped]
from pyramid.request import Request  # type: ignore[import-untyped]
from pyramid.response import Response  # type: ignore[import-untyped]
from pyramid.router import Router  # type: ignore[import-untyped]

from . import problems
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024
# The contract pyramid_openapi3 validates every request against, and serves.
CONTRACT = Path(__file__).with_name("openapi.yaml")


class PathLocationResponse(Response):  # type: ignore[misc]  # Pyramid has no type hints
    """The views' response (`request.response`), sending `Location` as set: WebOb turns it
    into an absolute URL on the way out, where the contract says a path."""

    def _abs_headerlist(self, environ: object) -> list[tuple[str, str]]:
        return list(self._headerlist)


def response_factory(request: Request) -> Response:
    return PathLocationResponse()


def create_app(settings: Settings | None = None) -> Router:
    """A `Configurator` with the package's parts included and its views scanned."""
    settings = settings or Settings.from_env()
    app_settings = {
        "rosetta.settings": settings,
        "rosetta.max_body_size": MAX_BODY_SIZE,
    }
    with Configurator(settings=app_settings) as config:
        config.set_response_factory(response_factory)
        config.include("pyramid_openapi3")
        # /openapi.yaml, and /openapi.json beside it: the contract as JSON.
        config.pyramid_openapi3_spec(str(CONTRACT), route="/openapi.yaml")
        # Responses are validated too: openapi-core reads problem bodies as JSON once told.
        config.pyramid_openapi3_add_deserializer(problems.MEDIA_TYPE, json.loads)
        config.include(".routes")
        config.include(".db")
        config.scan()
    return config.make_wsgi_app()
