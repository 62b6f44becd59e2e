"""The WSGI application: `gunicorn rosetta_django.wsgi:application`."""

import io
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.wsgi import get_wsgi_application

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def chunked_bodies(app: WSGIApp) -> WSGIApp:
    """Django reads a WSGI body only as far as Content-Length says, so a chunked body
    (which has none) would look empty. Read it here, one byte past the limit at most, and
    hand it on with its length: Django's DATA_UPLOAD_MAX_MEMORY_SIZE check does the rest."""

    def wrapper(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return app(environ, start_response)

    return wrapper


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rosetta_django.settings")

application = chunked_bodies(get_wsgi_application())
