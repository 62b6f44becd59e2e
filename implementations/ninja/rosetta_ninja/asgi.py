"""The ASGI application: `uvicorn rosetta_ninja.asgi:application`.

Django's ASGI handler does not speak the lifespan protocol; the connection pool opens on
the first request and closes with the process."""

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.asgi import get_asgi_application

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def body_limit(app: ASGIApp) -> ASGIApp:
    """Django's ASGI handler reads the whole body before any view runs. End it one chunk
    past DATA_UPLOAD_MAX_MEMORY_SIZE (at once when Content-Length is over), so that an
    oversized body costs no more than that; Django's own check then answers 413."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = dict(scope["headers"]).get(b"content-length", b"")
        received = limit + 1 if declared.isdigit() and int(declared) > limit else 0
        ended = False

        async def limited_receive() -> Message:
            nonlocal received, ended
            if ended:  # only a disconnect may follow; drop the rest of a body cut short
                while (message := await receive())["type"] == "http.request":
                    pass
                return message
            if received > limit:
                message = {"type": "http.request", "body": b"", "more_body": False}
            else:
                message = await receive()
                received += len(message.get("body", b""))
            if message["type"] == "http.request":
                if received > limit:
                    message = {**message, "more_body": False}
                ended = not message.get("more_body", False)
            return message

        return await app(scope, limited_receive, send)

    return wrapper


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rosetta_ninja.settings")

application = body_limit(get_asgi_application())
