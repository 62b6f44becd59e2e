"""The ASGI application: `uvicorn rosetta_ninja.asgi:application`.

Django's ASGI handler does not speak the lifespan protocol; the connection pool opens on
the first request and closes with the process."""

import asyncio
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
    oversized body costs no more than that; Django's own check then answers 413. A client
    that sent `Expect: 100-continue` with a length over the limit is never asked for its
    body: the 413 goes out without a `100 Continue`, and closes the connection (RFC 9110,
    10.1.1), whose next bytes would otherwise be read as that body."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"")
        refused = declared.isdigit() and int(declared) > limit
        waiting = refused and headers.get(b"expect", b"").lower() == b"100-continue"
        received = limit + 1 if refused else 0
        ended = False

        async def limited_receive() -> Message:
            nonlocal received, ended
            if ended and waiting:
                # The client sends its body only once told to, and the server tells it on
                # the first receive(): Django's wait for a disconnect must not ask. Django
                # cancels that wait once it has answered.
                await asyncio.get_running_loop().create_future()
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

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"connection", b"close")]}
            await send(message)

        return await app(scope, limited_receive, closing_send if waiting else send)

    return wrapper


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rosetta_ninja.settings")

application = body_limit(get_asgi_application())
