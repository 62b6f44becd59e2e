"""Thread hops per GET in a Django-family app, held to what its README states.

Under ASGI, Django runs everything synchronous through asgiref's `SyncToAsync`: a hop from
the event loop to a thread and back, each costing a context switch and a wait for the
thread. A warm `GET /users/{id}` makes exactly three, all forced by Django itself:

1. the `request_started` signal: `Signal.asend` runs its synchronous receivers
   (`close_old_connections`, `reset_queries`) in one `sync_to_async` call;
2. the query: the async ORM is the synchronous one underneath (`aget` is
   `sync_to_async(get)`);
3. `response.close()`, after the response is sent, which sends `request_finished`, whose
   `close_old_connections` hands the connection back to the pool.

A middleware with `process_request` or `process_response` (Django's `MiddlewareMixin`)
would add one hop each: `SecurityMiddleware` made it five. Under WSGI a synchronous view
makes none, and an async middleware or view would add an `AsyncToSync` hop the other way;
both directions are counted.

The check applies to the Django-family implementations (the registry's framework starts
with "Django"), in this process, where the calls can be counted.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import httpx
import pytest

from conformance.conftest import Target
from conformance.support import CreateUser, does_not_apply

# As the implementations' READMEs state them, by the interface the app is driven through.
HOPS_PER_GET = {"asgi": 3, "wsgi": 0}


@contextmanager
def hops() -> Iterator[list[str]]:
    """Every call of asgiref's SyncToAsync or AsyncToSync made meanwhile, by the name of
    the function it runs on the other side."""
    # By name, not an import statement: a starter installs what its tests import, and
    # asgiref is Django's dependency, not the suite's.
    sync = importlib.import_module("asgiref.sync")
    calls: list[str] = []
    to_thread, to_loop = sync.SyncToAsync.__call__, sync.AsyncToSync.__call__

    def name(function: Any) -> str:
        # Never repr() it: a bound method's repr shows its object (a queryset would query).
        return getattr(function, "__qualname__", type(function).__qualname__)

    async def counted_to_thread(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(name(self.func))
        return await to_thread(self, *args, **kwargs)

    def counted_to_loop(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(name(self.awaitable))
        return to_loop(self, *args, **kwargs)

    with (
        mock.patch.object(sync.SyncToAsync, "__call__", counted_to_thread),
        mock.patch.object(sync.AsyncToSync, "__call__", counted_to_loop),
    ):
        yield calls


def test_a_get_makes_the_thread_hops_django_forces(
    target: Target, client: httpx.Client, create_user: CreateUser
) -> None:
    impl = target.impl
    if impl is None or not impl.framework.startswith("Django"):
        does_not_apply("Django's thread hops, in a Django-family app")
    if target.server is not None:
        pytest.skip("counts the hops in this process: in-process only")
    path = f"/users/{create_user()['id']}"
    assert client.get(path).status_code == 200  # warm: the pool open, the caches filled
    with hops() as calls:
        response = client.get(path)
    assert response.status_code == 200, response.text
    expected = HOPS_PER_GET[impl.interface]
    assert len(calls) == expected, f"{len(calls)} thread hops per GET: {calls}"
