"""getUser, updateUser and deleteUser: /users/{id}."""

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest

from conformance.contract import assert_json, assert_problem
from conformance.support import unique_email

CreateUser = Callable[..., dict[str, Any]]
BAD_IDS = [
    pytest.param("0", id="zero"),
    pytest.param("-1", id="negative"),
    pytest.param("abc", id="not-a-number"),
    pytest.param("1.5", id="fraction"),
    pytest.param("9223372036854775808", id="past-bigint"),
    pytest.param("99999999999999999999999999", id="far-past-bigint"),
]
# Decimal digits of other scripts, which str.isdigit(), `\d` and int() accept as 0-9.
SCRIPTS = {
    "arabic-indic": "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
    "full-width": "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",
    "devanagari": "\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f",
}


def in_digits(digits: str, user_id: int, *, last_only: bool = False) -> str:
    """`user_id` written in `digits` (another script's 0-9): all of it, or its last digit."""
    ascii_digits = str(user_id)
    kept = ascii_digits[:-1] if last_only else ""
    return kept + ascii_digits[len(kept) :].translate(str.maketrans("0123456789", digits))


# Other spellings of an existing user's id, each of which int() reads as that id: a router
# or parser that accepts one finds the user (200, 204) where the contract says 404.
RESPELLINGS = [
    *(pytest.param(partial(in_digits, digits), id=script) for script, digits in SCRIPTS.items()),
    *(
        pytest.param(partial(in_digits, digits, last_only=True), id=f"{script}-inside")
        for script, digits in SCRIPTS.items()
    ),
    pytest.param("+{}".format, id="leading-plus"),
]


def test_get_user(client: httpx.Client, create_user: CreateUser) -> None:
    user = create_user()
    assert assert_json(client.get(f"/users/{user['id']}"), 200, "UserPublic") == user


def test_get_user_unknown(client: httpx.Client, create_user: CreateUser) -> None:
    user = create_user()
    assert_problem(client.get(f"/users/{user['id'] + 1000}"), 404)


def test_get_user_largest_id_is_unknown_not_an_error(client: httpx.Client) -> None:
    assert_problem(client.get("/users/9223372036854775807"), 404)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("user_id", BAD_IDS)
def test_user_id_not_a_bigint_is_unknown(client: httpx.Client, method: str, user_id: str) -> None:
    json = {"name": "x"} if method == "PATCH" else None
    assert_problem(client.request(method, f"/users/{user_id}", json=json), 404)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("respell", RESPELLINGS)
def test_user_id_spelled_otherwise_is_unknown(
    client: httpx.Client, create_user: CreateUser, method: str, respell: Callable[[int], str]
) -> None:
    user = create_user()
    while user["id"] < 10:  # two digits at least, so that "-inside" mixes scripts
        user = create_user()
    json = {"name": "x"} if method == "PATCH" else None
    # httpx percent-encodes the path as UTF-8, as any client would.
    assert_problem(client.request(method, f"/users/{respell(user['id'])}", json=json), 404)
    assert assert_json(client.get(f"/users/{user['id']}"), 200) == user


@pytest.mark.parametrize(
    "members", [("name",), ("email",), ("email", "name")], ids=["name", "email", "both"]
)
def test_update_user_changes_only_what_is_sent(
    client: httpx.Client, create_user: CreateUser, members: tuple[str, ...]
) -> None:
    user = create_user()
    new = {"email": unique_email("changed"), "name": "Grace Hopper"}
    changes = {member: new[member] for member in members}
    time.sleep(0.002)  # let the clock move, so that a new updated_at is visible
    updated = assert_json(client.patch(f"/users/{user['id']}", json=changes), 200, "UserPublic")
    assert updated == {**user, **changes, "updated_at": updated["updated_at"]}
    assert updated["updated_at"] > user["updated_at"]
    assert assert_json(client.get(f"/users/{user['id']}"), 200) == updated


@pytest.mark.parametrize(
    "members",
    [(), ("name",), ("email",), ("email", "name")],
    ids=["empty-object", "same-name", "same-email", "same-both"],
)
def test_update_user_without_change_keeps_updated_at(
    client: httpx.Client, create_user: CreateUser, members: tuple[str, ...]
) -> None:
    user = create_user()
    time.sleep(0.002)
    response = client.patch(f"/users/{user['id']}", json={m: user[m] for m in members})
    assert assert_json(response, 200, "UserPublic") == user


def test_update_user_email_to_another_case_of_itself(
    client: httpx.Client, create_user: CreateUser
) -> None:
    user = create_user()
    response = client.patch(f"/users/{user['id']}", json={"email": user["email"].upper()})
    assert assert_json(response, 200, "UserPublic")["email"] == user["email"].upper()


@pytest.mark.parametrize("variant", [str, str.upper], ids=["same", "upper"])
def test_update_user_conflict_with_another_users_email(
    client: httpx.Client, create_user: CreateUser, variant: Callable[[str], str]
) -> None:
    first, second = create_user(), create_user()
    response = client.patch(f"/users/{second['id']}", json={"email": variant(first["email"])})
    assert_problem(response, 409)
    assert assert_json(client.get(f"/users/{second['id']}"), 200) == second


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param({"name": None}, {"name"}, id="name-null"),
        pytest.param({"email": None}, {"email"}, id="email-null"),
        pytest.param({"nick": "x"}, {"nick"}, id="unknown-member"),
        pytest.param({"name": ""}, {"name"}, id="name-empty"),
        pytest.param({"name": "\x00"}, {"name"}, id="name-nul"),
        pytest.param({"email": "nope"}, {"email"}, id="email-invalid"),
        pytest.param({"created_at": "2020-01-01T00:00:00.000000Z"}, {"created_at"}, id="timestamp"),
        pytest.param([], {"body"}, id="not-an-object"),
    ],
)
def test_update_user_rejects_invalid_members(
    client: httpx.Client, create_user: CreateUser, body: Any, fields: set[str]
) -> None:
    user = create_user()
    assert_problem(client.patch(f"/users/{user['id']}", json=body), 422, fields)
    assert assert_json(client.get(f"/users/{user['id']}"), 200) == user


def test_update_user_rejects_malformed_json(client: httpx.Client, create_user: CreateUser) -> None:
    user = create_user()
    headers = {"content-type": "application/json"}
    assert_problem(client.patch(f"/users/{user['id']}", content=b"{", headers=headers), 400)


def test_update_user_rejects_an_empty_body(client: httpx.Client, create_user: CreateUser) -> None:
    user = create_user()
    headers = {"content-type": "application/json"}
    assert_problem(client.patch(f"/users/{user['id']}", content=b"", headers=headers), 400)


def test_update_user_rejects_other_media_types(
    client: httpx.Client, create_user: CreateUser
) -> None:
    user = create_user()
    headers = {"content-type": "text/plain"}
    response = client.patch(f"/users/{user['id']}", content=b'{"name": "x"}', headers=headers)
    assert_problem(response, 415)


def test_update_user_rejects_a_body_over_1_mib(
    client: httpx.Client, create_user: CreateUser
) -> None:
    user = create_user()
    content = b'{"name": "x"' + b" " * (1024 * 1024) + b"}"
    headers = {"content-type": "application/json"}
    assert_problem(client.patch(f"/users/{user['id']}", content=content, headers=headers), 413)


def test_update_user_unknown(client: httpx.Client, create_user: CreateUser) -> None:
    user = create_user()
    assert_problem(client.patch(f"/users/{user['id'] + 1000}", json={"name": "x"}), 404)


def test_delete_user(client: httpx.Client, create_user: CreateUser) -> None:
    user, other = create_user(), create_user()
    response = client.delete(f"/users/{user['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(f"/users/{user['id']}"), 404)
    assert assert_json(client.get(f"/users/{other['id']}"), 200) == other


def test_delete_user_twice(client: httpx.Client, create_user: CreateUser) -> None:
    user = create_user()
    assert client.delete(f"/users/{user['id']}").status_code == 204
    assert_problem(client.delete(f"/users/{user['id']}"), 404)


def test_delete_user_frees_the_email(client: httpx.Client, create_user: CreateUser) -> None:
    user = create_user()
    assert client.delete(f"/users/{user['id']}").status_code == 204
    create_user(email=user["email"].upper())
