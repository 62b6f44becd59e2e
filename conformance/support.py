"""What the tests share besides fixtures' wiring: the service under test, unique emails,
the markers, and the fixture that creates a user through the API.

A plain module, imported by the tests and by conftest.py alike, so that the suite can be
copied whole into a starter (`rosetta new`), whose own conftest.py builds the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
import pytest

from conformance.proxy import TcpProxy
from conformance.transports import KEEPALIVE_EXPIRY, REQUEST_TIMEOUT

MARKERS = {
    "empty_table": "needs the users table empty at its start",
    "database": "reads or controls the database directly",
}
CreateUser = Callable[..., dict[str, Any]]
# A small multipart/form-data body, well formed (a server that parses forms takes it).
MULTIPART = "multipart/form-data; boundary=rosetta"
FORM = b'--rosetta\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--rosetta--\r\n'
NOT_APPLICABLE = "does not apply here: "
# Every implementation runs at once, one per worker, on one PostgreSQL server (whose
# max_connections is often 100): small pools keep the run within it (nineteen members make
# 76 pooled connections; the tests' own are opened per test). Fewer than 4 puts a third
# request in line for a pooled connection under a stall: a wait of 5 s, then a stall of 5 s.
POOL_SIZE = 4


@dataclass
class Service:
    """A running implementation and what the tests may reach behind it."""

    transport: httpx.BaseTransport | None
    base_url: str
    database_url: str | None  # direct, not through the proxy
    proxy: TcpProxy | None = None

    def client(self) -> httpx.Client:
        # The servers close a connection idle for 5 s (shared_contract/README.md), httpx
        # keeps one for 5 s too: a request sent on it as the server closes it gets no answer
        # ("Server disconnected without sending a response"). A client drops it first.
        return httpx.Client(
            transport=self.transport,
            base_url=self.base_url,
            timeout=REQUEST_TIMEOUT,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY),
        )


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def does_not_apply(reason: str) -> NoReturn:
    """Skip a check that this implementation's stack has no part for (Django's thread hops
    in a Flask app, say). A starter carries the check along; its generation test accepts
    these skips, and no others."""
    pytest.skip(NOT_APPLICABLE + reason)


def register_markers(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")


@pytest.fixture
def create_user(client: httpx.Client) -> CreateUser:
    """Create a user through the API (unique email unless given); return its JSON."""

    def create(email: str | None = None, name: str = "Ada Lovelace") -> dict[str, Any]:
        response = client.post("/users", json={"email": email or unique_email(), "name": name})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return create


def known_limit(
    request: pytest.FixtureRequest,
    limits: Mapping[str, Mapping[str, str]],
    key: str | None,
    check: str,
) -> None:
    """Make the running test a strict xfail where `limits[key][check]` says why `key` (a
    framework, or a server) cannot pass `check`, whatever the implementation does."""
    if key is not None and (reason := limits.get(key, {}).get(check)):
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
