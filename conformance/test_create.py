"""createUser: POST /users."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest

from conformance.contract import TIMESTAMP, assert_json, assert_problem
from conformance.support import unique_email

LONG_EMAIL = "a" * 64 + "@" + "b" * 185 + ".com"  # 254 code points
EMOJI = "\N{GRINNING FACE}"


def test_create_user_returns_the_user_and_its_location(client: httpx.Client) -> None:
    email = unique_email()
    response = client.post("/users", json={"email": email, "name": "Ada Lovelace"})
    user = assert_json(response, 201, "UserPublic")
    assert response.headers["location"] == f"/users/{user['id']}"
    assert (user["email"], user["name"]) == (email, "Ada Lovelace")
    assert user["created_at"] == user["updated_at"]


@pytest.mark.database
def test_create_user_stores_values_exactly_as_sent(
    client: httpx.Client, database: psycopg.Connection[Any]
) -> None:
    email = unique_email("Mixed.Case").replace("example", "EXAMPLE")
    name = "  Zoë  O'Brien-\N{HIRAGANA LETTER A} "
    user = assert_json(client.post("/users", json={"email": email, "name": name}), 201)
    row = database.execute("SELECT email, name FROM users WHERE id = %s", (user["id"],)).fetchone()
    assert row == (email, name)
    assert (user["email"], user["name"]) == (email, name)


@pytest.mark.database
def test_create_user_timestamps_are_the_databases_in_rfc3339_utc(
    client: httpx.Client, database: psycopg.Connection[Any]
) -> None:
    user = assert_json(client.post("/users", json={"email": unique_email(), "name": "T"}), 201)
    row = database.execute(
        "SELECT created_at, updated_at FROM users WHERE id = %s", (user["id"],)
    ).fetchone()
    assert row is not None
    for value, stored in zip((user["created_at"], user["updated_at"]), row, strict=True):
        assert TIMESTAMP.match(value), value
        assert datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) == stored


@pytest.mark.empty_table  # the fixed emails must be free
@pytest.mark.parametrize(
    ("email", "name"),
    [
        pytest.param(LONG_EMAIL, "x", id="email-254-code-points"),
        pytest.param("a" * 64 + "@example.com", "x", id="email-local-part-64"),
        pytest.param("a@b.co", "x", id="email-short"),
        pytest.param("\N{LATIN SMALL LETTER E WITH ACUTE}@example.com", "x", id="email-unicode"),
        pytest.param(None, EMOJI * 100, id="name-100-emoji"),
        pytest.param(None, "x" * 100, id="name-100-characters"),
        pytest.param(None, "A", id="name-one-character"),
        pytest.param(None, " leading and trailing spaces ", id="name-with-spaces"),
    ],
)
def test_create_user_accepts_values_at_the_limits(
    client: httpx.Client, email: str | None, name: str
) -> None:
    body = {"email": email or unique_email(), "name": name}
    user = assert_json(client.post("/users", json=body), 201, "UserPublic")
    assert (user["email"], user["name"]) == (body["email"], body["name"])


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(str, id="same"),
        pytest.param(str.upper, id="upper-case"),
        pytest.param(str.title, id="mixed-case"),
    ],
)
def test_create_user_conflict_on_email_in_any_case(
    client: httpx.Client, create_user: Callable[..., dict[str, Any]], variant: Callable[[str], str]
) -> None:
    email = unique_email()
    create_user(email=email)
    response = client.post("/users", json={"email": variant(email), "name": "Other"})
    assert_problem(response, 409)


VALID = {"email": "valid@example.com", "name": "Valid"}
INVALID_BODIES = [
    pytest.param({"name": "x"}, {"email"}, id="email-missing"),
    pytest.param({"email": "a@example.com"}, {"name"}, id="name-missing"),
    pytest.param({}, {"email", "name"}, id="both-missing"),
    pytest.param({**VALID, "email": None}, {"email"}, id="email-null"),
    pytest.param({**VALID, "name": None}, {"name"}, id="name-null"),
    pytest.param({**VALID, "email": 123}, {"email"}, id="email-not-a-string"),
    pytest.param({**VALID, "name": ["x"]}, {"name"}, id="name-not-a-string"),
    pytest.param({**VALID, "nick": "x"}, {"nick"}, id="unknown-member"),
    pytest.param({**VALID, "id": 7}, {"id"}, id="id-is-not-accepted"),
    pytest.param({**VALID, "email": "a" * 65 + "@example.com"}, {"email"}, id="email-local-65"),
    pytest.param({**VALID, "email": LONG_EMAIL[:-4] + "x.com"}, {"email"}, id="email-255"),
    pytest.param({**VALID, "email": "no-at-sign.example.com"}, {"email"}, id="email-no-at"),
    pytest.param({**VALID, "email": "a@b@example.com"}, {"email"}, id="email-two-ats"),
    pytest.param({**VALID, "email": "a@localhost"}, {"email"}, id="email-no-dot-in-domain"),
    pytest.param({**VALID, "email": "a b@example.com"}, {"email"}, id="email-with-space"),
    pytest.param({**VALID, "email": "@example.com"}, {"email"}, id="email-empty-local-part"),
    pytest.param({**VALID, "email": ""}, {"email"}, id="email-empty"),
    pytest.param({**VALID, "email": "a\x00b@example.com"}, {"email"}, id="email-nul"),
    pytest.param({**VALID, "email": "a\x7fb@example.com"}, {"email"}, id="email-del"),
    pytest.param({**VALID, "email": "a\x01b@example.com"}, {"email"}, id="email-soh"),
    pytest.param({**VALID, "name": ""}, {"name"}, id="name-empty"),
    pytest.param({**VALID, "name": "   "}, {"name"}, id="name-blank"),
    pytest.param({**VALID, "name": "\N{EM SPACE}"}, {"name"}, id="name-unicode-blank"),
    pytest.param({**VALID, "name": EMOJI * 101}, {"name"}, id="name-101-emoji"),
    pytest.param({**VALID, "name": "x" * 101}, {"name"}, id="name-101-characters"),
    pytest.param({**VALID, "name": "a\x00b"}, {"name"}, id="name-nul"),
    pytest.param({**VALID, "name": "a\tb"}, {"name"}, id="name-tab"),
    pytest.param({**VALID, "name": "a\nb"}, {"name"}, id="name-newline"),
    pytest.param({**VALID, "name": "a\x1fb"}, {"name"}, id="name-unit-separator"),
    pytest.param({**VALID, "name": "Ada\n"}, {"name"}, id="name-trailing-newline"),
    pytest.param({**VALID, "email": "a@example.com\n"}, {"email"}, id="email-trailing-newline"),
    pytest.param({**VALID, "name": "a\x7fb"}, {"name"}, id="name-del"),
    pytest.param({"email": "bad", "name": ""}, {"email", "name"}, id="two-members-wrong"),
]


@pytest.mark.parametrize(("body", "fields"), INVALID_BODIES)
def test_create_user_rejects_invalid_members(
    client: httpx.Client, body: dict[str, Any], fields: set[str]
) -> None:
    assert_problem(client.post("/users", json=body), 422, fields)


@pytest.mark.parametrize(
    "content", [b"[]", b'"x"', b"3", b"null", b"true", b'[{"email": "a@b.co", "name": "x"}]']
)
def test_create_user_rejects_a_body_that_is_not_an_object(
    client: httpx.Client, content: bytes
) -> None:
    response = client.post("/users", content=content, headers={"content-type": "application/json"})
    assert_problem(response, 422, {"body"})


MALFORMED = [
    pytest.param(b"", id="empty"),
    pytest.param(b'{"email": "a@b.co", "name": "x"', id="truncated"),
    pytest.param(b"{'email': 'a@b.co'}", id="single-quotes"),
    pytest.param(b'{"email": "a@b.co", "name": "x"} trailing', id="trailing-garbage"),
    pytest.param(b'{"email": "a@b.co", "name": "\xe9"}', id="not-utf-8"),
    pytest.param(b"not json at all", id="plain-text"),
    pytest.param(b'{"email": "a@b.co", "name": NaN}', id="nan-is-not-json"),
]


@pytest.mark.parametrize("content", MALFORMED)
def test_create_user_rejects_malformed_json(client: httpx.Client, content: bytes) -> None:
    response = client.post("/users", content=content, headers={"content-type": "application/json"})
    assert_problem(response, 400)


UNSUPPORTED = [
    pytest.param("text/plain", id="text-plain"),
    pytest.param("application/x-www-form-urlencoded", id="form"),
    pytest.param("application/xml", id="xml"),
    pytest.param("application/merge-patch+json", id="merge-patch"),
    pytest.param(None, id="missing"),
]


@pytest.mark.parametrize("content_type", UNSUPPORTED)
def test_create_user_rejects_other_media_types(
    client: httpx.Client, content_type: str | None
) -> None:
    request = client.build_request("POST", "/users", content=b'{"email": "a@b.co", "name": "x"}')
    request.headers.pop("content-type", None)
    if content_type is not None:
        request.headers["content-type"] = content_type
    assert_problem(client.send(request), 415)


def test_create_user_accepts_json_with_a_charset(client: httpx.Client) -> None:
    body = f'{{"email": "{unique_email()}", "name": "x"}}'.encode()
    headers = {"content-type": "application/json; charset=utf-8"}
    assert_json(client.post("/users", content=body, headers=headers), 201, "UserPublic")


LIMIT = 1024 * 1024


def padded(size: int) -> bytes:
    """A valid createUser body of exactly `size` bytes (JSON whitespace as padding)."""
    body = f'{{"email": "{unique_email()}", "name": "Padded"}}'.encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


def test_create_user_accepts_a_body_of_exactly_1_mib(client: httpx.Client) -> None:
    response = client.post(
        "/users", content=padded(LIMIT), headers={"content-type": "application/json"}
    )
    assert_json(response, 201, "UserPublic")


def test_create_user_rejects_a_body_over_1_mib(client: httpx.Client) -> None:
    response = client.post(
        "/users", content=padded(LIMIT + 1), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413)


def test_create_user_rejects_a_streamed_body_over_1_mib(client: httpx.Client) -> None:
    """No Content-Length (chunked): the limit holds on the bytes received."""

    def chunks() -> Any:
        body = padded(LIMIT + 64 * 1024)
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = client.post("/users", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_create_user_race_on_one_email_gives_one_201(client: httpx.Client) -> None:
    """The unique index decides: concurrent creates of one email, one winner, no 5xx."""
    emails = [unique_email("race")] * 12
    variants = [email if i % 2 else email.upper() for i, email in enumerate(emails)]
    with ThreadPoolExecutor(max_workers=len(variants)) as pool:
        responses = list(
            pool.map(
                lambda email: client.post("/users", json={"email": email, "name": "R"}), variants
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (len(variants) - 1), statuses
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409)
