"""The shapes of the contract, and its rules that openapi.yaml cannot state.

The request models are the contract's own schemas (`UserCreate`, `UserUpdate`, the query
parameters), which pyramid_openapi3 validates every request against; what is left here
is typing for the validated values, the response shapes, and the few rules that JSON
Schema (or openapi-core's reading of it) cannot hold."""

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, NoReturn, Protocol, TypedDict

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
BIGINT_MAX = 2**63 - 1
# The query's integers: openapi-core casts them with int(), which takes `1_000`, ` 5` and
# other scripts' digits.
INTEGER_PARAMETERS = ("limit", "offset")
FieldErrors = list[dict[str, str]]


def decimal_integer(value: str) -> bool:
    """Only ASCII digits make an integer of a query value."""
    return DECIMAL_INTEGER.fullmatch(value) is not None


def reject_constant(constant: str) -> NoReturn:
    """Python's json module reads NaN and Infinity, which JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UserCreate(TypedDict):
    """`#/components/schemas/UserCreate`, as pyramid_openapi3 hands it over validated."""

    email: str
    name: str


class UserUpdate(TypedDict, total=False):
    """`#/components/schemas/UserUpdate`: only the members sent."""

    email: str
    name: str


class ListParams(TypedDict):
    """The query of listUsers, validated, with the contract's defaults."""

    limit: int
    offset: int
    email: str | None


class UserPublic(TypedDict):
    id: int
    email: str
    name: str
    created_at: str
    updated_at: str


class UserPage(TypedDict):
    items: list[UserPublic]
    total: int
    limit: int
    offset: int


class Health(TypedDict):
    status: Literal["ok"]


class User(Protocol):
    """What the data layer's rows offer (db.User)."""

    id: int
    email: str
    name: str
    created_at: datetime
    updated_at: datetime


def user_public(user: User) -> UserPublic:
    """The allow-list of what a user shows."""
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "created_at": rfc3339(user.created_at),
        "updated_at": rfc3339(user.updated_at),
    }


def lone_surrogates(document: Any) -> Iterator[str]:
    """The members whose strings are not Unicode text: a JSON escape of half a surrogate
    pair (`"\\ud800"`) reads as a code point that no pattern refuses and no database takes."""
    if isinstance(document, dict):
        for name, value in document.items():
            if LONE_SURROGATE.search(name) or (
                isinstance(value, str) and LONE_SURROGATE.search(value)
            ):
                yield name


def query_errors(query: Mapping[str, str]) -> FieldErrors:
    """The query's integers spelled in ASCII decimal digits, a rule openapi.yaml states
    (`type: integer`) and openapi-core's casting does not hold."""
    return [
        {"field": name, "message": "must be a decimal integer"}
        for name in INTEGER_PARAMETERS
        if name in query and not decimal_integer(query[name])
    ]
