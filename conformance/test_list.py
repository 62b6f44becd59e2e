"""listUsers: GET /users."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance.contract import assert_json, assert_problem
from conformance.support import unique_email

CreateUser = Callable[..., dict[str, Any]]


@pytest.mark.empty_table
def test_list_users_empty(client: httpx.Client) -> None:
    page = assert_json(client.get("/users"), 200, "UserPage")
    assert page == {"items": [], "total": 0, "limit": 20, "offset": 0}


@pytest.mark.empty_table
def test_list_users_defaults_and_order(client: httpx.Client, create_user: CreateUser) -> None:
    created = [create_user(name=f"User {i}") for i in range(23)]
    page = assert_json(client.get("/users"), 200, "UserPage")
    assert (page["total"], page["limit"], page["offset"]) == (23, 20, 0)
    assert page["items"] == created[:20]


@pytest.mark.empty_table
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("limit=2", slice(0, 2), id="limit"),
        pytest.param("limit=2&offset=3", slice(3, 5), id="limit-offset"),
        pytest.param("offset=4", slice(4, 20), id="offset"),
        pytest.param("offset=5", slice(5, 5), id="offset-at-the-end"),
        pytest.param("offset=50", slice(5, 5), id="offset-past-the-end"),
        pytest.param("limit=1", slice(0, 1), id="limit-1"),
        pytest.param("limit=100", slice(0, 100), id="limit-100"),
    ],
)
def test_list_users_pages(
    client: httpx.Client, create_user: CreateUser, query: str, expected: slice
) -> None:
    created = [create_user() for _ in range(5)]
    page = assert_json(client.get(f"/users?{query}"), 200, "UserPage")
    params = dict(pair.split("=") for pair in query.split("&"))
    assert page["limit"] == int(params.get("limit", 20))
    assert page["offset"] == int(params.get("offset", 0))
    assert page["total"] == 5
    assert page["items"] == created[expected]


@pytest.mark.parametrize("variant", [str, str.upper, str.title], ids=["same", "upper", "mixed"])
def test_list_users_filters_by_email_in_any_case(
    client: httpx.Client, create_user: CreateUser, variant: Callable[[str], str]
) -> None:
    create_user()
    wanted = create_user()
    response = client.get("/users", params={"email": variant(wanted["email"])})
    page = assert_json(response, 200, "UserPage")
    assert (page["items"], page["total"]) == ([wanted], 1)


def test_list_users_largest_offset(client: httpx.Client, create_user: CreateUser) -> None:
    create_user()
    page = assert_json(client.get("/users?offset=9223372036854775807"), 200, "UserPage")
    assert (page["items"], page["total"], page["offset"]) == ([], 1, 9223372036854775807)


def test_list_users_filter_without_match(client: httpx.Client, create_user: CreateUser) -> None:
    create_user()
    page = assert_json(client.get("/users", params={"email": unique_email()}), 200, "UserPage")
    assert (page["items"], page["total"]) == ([], 0)


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        pytest.param({"limit": "0"}, {"limit"}, id="limit-0"),
        pytest.param({"limit": "101"}, {"limit"}, id="limit-101"),
        pytest.param({"limit": "-1"}, {"limit"}, id="limit-negative"),
        pytest.param({"limit": "abc"}, {"limit"}, id="limit-not-a-number"),
        pytest.param({"limit": "1.5"}, {"limit"}, id="limit-fraction"),
        pytest.param({"limit": ""}, {"limit"}, id="limit-empty"),
        pytest.param({"limit": "99999999999999999999999"}, {"limit"}, id="limit-huge"),
        pytest.param({"offset": "-1"}, {"offset"}, id="offset-negative"),
        pytest.param({"offset": "x"}, {"offset"}, id="offset-not-a-number"),
        pytest.param({"offset": "2.0"}, {"offset"}, id="offset-fraction"),
        pytest.param({"offset": "1_000"}, {"offset"}, id="offset-underscore"),
        pytest.param({"offset": "9223372036854775808"}, {"offset"}, id="offset-past-bigint"),
        pytest.param({"email": "not-an-email"}, {"email"}, id="email-not-an-email"),
        pytest.param({"email": "a\x00@example.com"}, {"email"}, id="email-nul"),
        pytest.param({"limit": "0", "offset": "-1"}, {"limit", "offset"}, id="both-wrong"),
    ],
)
def test_list_users_rejects_invalid_parameters(
    client: httpx.Client, params: dict[str, str], fields: set[str]
) -> None:
    assert_problem(client.get("/users", params=params), 422, fields)
