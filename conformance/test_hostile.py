"""Hostile requests, as a fuzzer or an attacker sends them: JSON nested past any parser's
depth, lone surrogate escapes, multipart content types, methods no route has. Each is
answered by the contract (shared_contract/README.md, "Hostile input and faults"), never
with a 500. Through any transport: these are the framework's and the member's to answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conformance.conftest import Target
from conformance.contract import assert_json, assert_problem
from conformance.support import FORM, MULTIPART, CreateUser, known_limit, unique_email

DEPTH = 100_000  # far past any recursive parser (Python's stack, orjson's 1024, ...)
NESTED = {
    "arrays": b"[" * DEPTH + b"]" * DEPTH,
    "objects": b'{"a":' * DEPTH + b"null" + b"}" * DEPTH,
}
JSON = {"content-type": "application/json"}
# implementation -> check -> why its framework cannot pass it (its README says the same).
FRAMEWORK_LIMITS: dict[str, dict[str, str]] = {
    "robyn": {  # Robyn 0.88's Rust core answers these before any Python runs
        "unknown-method": (
            "a method outside Robyn's nine gets a plain-text 405 without Allow from index() in"
            " src/server.rs, before routing and before any hook"
        ),
        "multipart-get": (
            "Robyn parses a multipart/form-data body before the request reaches Python; a GET"
            " with none is a plain-text 500 (Request::from_actix_request, src/types/request.rs)"
        ),
    },
}
EMOJI = "\N{GRINNING FACE}"  # a surrogate pair when escaped: \ud83d\ude00


def implementation_of(target: Target) -> str | None:
    return None if target.impl is None else target.impl.name


@dataclass
class Write:
    """POST /users, or PATCH of an existing user: the same hostile body through either."""

    client: httpx.Client
    method: str
    user: dict[str, Any] | None  # the user a PATCH targets

    @property
    def path(self) -> str:
        return "/users" if self.user is None else f"/users/{self.user['id']}"

    def members(self, **members: str) -> dict[str, str]:
        """`members`, over a valid create's (a PATCH sends only what it is given)."""
        if self.user is not None:
            return members
        return {"email": unique_email(), "name": "Hostile", **members}

    def send(self, content: bytes, headers: dict[str, str] = JSON) -> httpx.Response:
        return self.client.request(self.method, self.path, content=content, headers=headers)

    def send_json(self, **members: str) -> httpx.Response:
        # json.dumps escapes what UTF-8 cannot carry: a lone surrogate goes as "\ud800".
        return self.send(json.dumps(self.members(**members)).encode())

    def assert_nothing_changed(self) -> None:
        if self.user is not None:
            assert assert_json(self.client.get(self.path), 200) == self.user


@pytest.fixture
def write(request: pytest.FixtureRequest, client: httpx.Client, create_user: CreateUser) -> Write:
    method: str = request.param
    return Write(client, method, create_user() if method == "PATCH" else None)


# A mark, not the fixture's params: the target's id must come first in a test's id (the
# suite's scheduler keeps each implementation's tests on one worker by it).
WRITES = pytest.mark.parametrize("write", ["POST", "PATCH"], indirect=True)


@WRITES
@pytest.mark.parametrize("shape", NESTED)
def test_deeply_nested_body_is_malformed(write: Write, shape: str) -> None:
    assert_problem(write.send(NESTED[shape]), 400)
    write.assert_nothing_changed()


@WRITES
def test_deeply_nested_member_is_malformed(write: Write) -> None:
    members = write.members(name="placeholder")
    body = json.dumps(members).encode().replace(b'"placeholder"', NESTED["arrays"])
    assert_problem(write.send(body), 400)
    write.assert_nothing_changed()


@WRITES
@pytest.mark.parametrize(
    ("member", "value"),
    [
        pytest.param("name", "a\ud800b", id="name-high"),
        pytest.param("name", "\udfff", id="name-low-alone"),
        pytest.param("name", "ab\ud83d", id="name-high-at-the-end"),
        pytest.param("email", "a\udc00b@example.com", id="email-low"),
    ],
)
def test_lone_surrogate_is_invalid(write: Write, member: str, value: str) -> None:
    assert_problem(write.send_json(**{member: value}), 422, {member})
    write.assert_nothing_changed()


@WRITES
def test_surrogate_pair_escape_is_one_code_point(write: Write) -> None:
    """`\\ud83d\\ude00` is JSON's spelling of U+1F600: a valid name, stored as that."""
    response = write.send_json(name=EMOJI)
    user = assert_json(response, 201 if write.user is None else 200, "UserPublic")
    assert user["name"] == EMOJI


@WRITES
def test_multipart_body_is_an_unsupported_media_type(write: Write) -> None:
    assert_problem(write.send(FORM, {"content-type": MULTIPART}), 415)
    write.assert_nothing_changed()


def test_multipart_content_type_on_a_get_is_ignored(
    client: httpx.Client, create_user: CreateUser, target: Target, request: pytest.FixtureRequest
) -> None:
    """A GET has no body to read: its Content-Type is nobody's business."""
    known_limit(request, FRAMEWORK_LIMITS, implementation_of(target), "multipart-get")
    user = create_user()
    headers = {"content-type": MULTIPART}
    assert_json(client.get("/users", headers=headers), 200, "UserPage")
    assert assert_json(client.get(f"/users/{user['id']}", headers=headers), 200) == user


# Every route with the methods it has (as test_service's 405 checks list them).
ROUTES = {"/users": {"GET", "POST"}, "/users/1": {"GET", "PATCH", "DELETE"}, "/health": {"GET"}}


@pytest.mark.parametrize("method", ["QUERY", "PROPFIND"])  # methods parsers know
@pytest.mark.parametrize("path", ROUTES)
def test_unknown_method_is_not_allowed(
    client: httpx.Client, target: Target, request: pytest.FixtureRequest, method: str, path: str
) -> None:
    """A method no route has is one this route does not have: 405 with its Allow."""
    known_limit(request, FRAMEWORK_LIMITS, implementation_of(target), "unknown-method")
    response = client.request(method, path)
    assert_problem(response, 405)
    allowed = {m.strip().upper() for m in response.headers.get("allow", "").split(",")}
    assert allowed - {"HEAD", "OPTIONS"} == ROUTES[path]
