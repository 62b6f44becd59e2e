"""How the suite talks to an implementation: in-process (ASGI with its lifespan, WSGI)
through httpx, or over sockets to a live server. Tests only ever see an `httpx.Client`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import httpx
from asgi_lifespan import LifespanManager, LifespanNotSupported

BASE_URL = "http://testserver"
REQUEST_TIMEOUT = 30.0
KEEPALIVE_EXPIRY = 2.0  # seconds a client keeps an idle connection: below the servers' 5 s


class _Chunks(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def _as_served(app: Any) -> Any:
    """Scopes as ASGI servers make them, where asgi-lifespan differs:
    - the lifespan scope carries the `asgi` key the spec requires (Falcon reads its
      absence as ASGI 2 and refuses to start);
    - each request gets a shallow copy of the lifespan state, not the state itself
      (Litestar keeps per-request data there)."""

    async def served(scope: Any, receive: Any, send: Any) -> None:
        scope.setdefault("asgi", {"version": "3.0", "spec_version": "2.4"})
        if scope["type"] != "lifespan" and "state" in scope:
            scope = {**scope, "state": dict(scope["state"])}
        await app(scope, receive, send)

    return served


class ASGIPortal(httpx.BaseTransport):
    """Runs an ASGI app, lifespan included, on an event loop in a background thread, so
    that plain synchronous tests (several threads at once, for the races) can call it."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="asgi", daemon=True)
        self._lifespan: LifespanManager | None = None
        self._transport: httpx.ASGITransport | None = None

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(REQUEST_TIMEOUT)

    # Not __enter__/__exit__: httpx.Client enters its transport, and one portal serves many
    # clients over the session.
    def start(self) -> None:
        self._thread.start()
        app = self._app

        async def start() -> LifespanManager:
            lifespan = LifespanManager(_as_served(app), startup_timeout=30, shutdown_timeout=30)
            await lifespan.__aenter__()
            return lifespan

        try:
            lifespan = self._run(start())
        except LifespanNotSupported:
            pass  # Django's ASGI handler has no lifespan; servers tolerate that too
        else:
            self._lifespan, app = lifespan, lifespan.app
        # 500s must come back as responses, as a server would send them.
        self._transport = httpx.ASGITransport(app, raise_app_exceptions=False)

    def stop(self) -> None:
        if self._lifespan is not None:
            self._run(self._lifespan.__aexit__(None, None, None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert self._transport is not None
        transport = self._transport
        # Keep the body's chunking: a streamed body reaches the app without Content-Length.
        chunks = list(request.stream)  # type: ignore[arg-type]

        async def send() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, stream=_Chunks(chunks)
            )
            response = await transport.handle_async_request(forwarded)
            content = b"".join([part async for part in response.stream])  # type: ignore[union-attr]
            return response.status_code, response.headers.raw, content

        status, headers, content = self._run(send())
        return httpx.Response(status, headers=headers, content=content, request=request)


def wsgi_transport(app: Callable[..., Iterable[bytes]]) -> httpx.WSGITransport:
    def as_served(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # What gunicorn and other servers set: wsgi.input ends where the body ends, so a
        # chunked body (no Content-Length) can still be read, and limited, by the app.
        environ.setdefault("wsgi.input_terminated", True)
        # PEP 3333: PATH_INFO is the path's bytes decoded as latin-1, as servers pass it;
        # httpx passes the percent-decoded text, which no server does past ASCII.
        environ["PATH_INFO"] = environ["PATH_INFO"].encode().decode("latin-1")
        return app(environ, start_response)

    return httpx.WSGITransport(app=as_served)
