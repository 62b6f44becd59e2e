"""Request and response shapes as dataclasses, and the rules of the contract in one place:
`check` judges the JSON API's bodies and queries and the page's forms alike.

FastHTML fills a handler parameter whose type has a `__from_request__` classmethod by calling
it; that is how the request types below read and validate the body or the query."""

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal, Self

from starlette.requests import Request

from .db import User
from .problems import ValidationFailedError, read_json

BIGINT_MAX = 2**63 - 1
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# What is left of a JSON escape such as "\ud800" without its pair: no Unicode character,
# so no UTF-8 either (the database could not be sent it).
SURROGATES = re.compile(r"[\ud800-\udfff]")
# ASCII digits, no more than a bigint has: int() alone would also take " 5", "1_000" and
# other scripts' digits, and tries any length.
DECIMAL_INTEGER = re.compile(r"-?[0-9]{1,19}")


def text_error(value: str) -> str | None:
    """What is wrong with `value` as a member's text, if anything."""
    if CONTROL_CHARACTERS.search(value):
        return "must not contain control characters"
    if SURROGATES.search(value):
        return "must be Unicode text (a lone surrogate is not)"
    return None


def email_error(value: object) -> str | None:
    """What is wrong with `value` as an email address, if anything."""
    if not isinstance(value, str):
        return "must be a string"
    if error := text_error(value):
        return error
    if len(value) > 254:
        return "must be at most 254 characters long"
    if not EMAIL_PATTERN.fullmatch(value):
        return "must be an address such as ada@example.com"
    return None


def name_error(value: object) -> str | None:
    """What is wrong with `value` as a name, if anything."""
    if not isinstance(value, str):
        return "must be a string"
    if error := text_error(value):
        return error
    if not 1 <= len(value) <= 100:
        return "must be 1 to 100 characters long"
    if value.isspace():
        return "must contain a character that is not whitespace"
    return None


RULES: dict[str, Callable[[object], str | None]] = {"email": email_error, "name": name_error}


def check(members: Mapping[str, object], required: Collection[str] = ()) -> dict[str, str]:
    """A message for each member that is missing, unknown or breaks its rule, by member."""
    errors = {field: "is required" for field in required if field not in members}
    for field, value in members.items():
        rule = RULES.get(field)
        error = "is not a member of a user" if rule is None else rule(value)
        if error:
            errors[field] = error
    return errors


def validated(members: Mapping[str, object], required: Collection[str] = ()) -> dict[str, str]:
    """The members, when every one passes `check`; a 422 naming each one that does not."""
    if errors := check(members, required):
        raise ValidationFailedError(errors)
    return {field: value for field, value in members.items() if isinstance(value, str)}


def bounded_integer(value: str, low: int, high: int) -> int | None:
    """`value` as an integer, when it is written in decimal digits and lies in low..high."""
    return int(value) if DECIMAL_INTEGER.fullmatch(value) and low <= int(value) <= high else None


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UserId(int):
    """A path's `{id}`. FastHTML casts a path parameter by calling its annotation and answers
    404 when that raises: what the contract wants for an id that names no user. ASCII
    digits, no leading zero, 1 to BIGINT_MAX."""

    def __new__(cls, value: str) -> Self:
        if value.startswith("0") or bounded_integer(value, 1, BIGINT_MAX) is None:
            raise ValueError("no user has this id")
        return super().__new__(cls, value)


@dataclass(frozen=True)
class UserCreate:
    email: str
    name: str

    @classmethod
    async def __from_request__(cls, req: Request) -> Self:
        return cls(**validated(await read_json(req), required=("email", "name")))


@dataclass(frozen=True)
class UserUpdate:
    """The members a PATCH sent; None stands for a member not sent (null is refused)."""

    email: str | None = None
    name: str | None = None

    @classmethod
    async def __from_request__(cls, req: Request) -> Self:
        return cls(**validated(await read_json(req)))

    def changes(self) -> dict[str, str]:
        return {field: value for field, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class ListParams:
    """The query of listUsers; parameters it does not know are ignored."""

    limit: int = 20
    offset: int = 0
    email: str | None = None

    @classmethod
    def __from_request__(cls, req: Request) -> Self:
        query = req.query_params
        limit = bounded_integer(query.get("limit", "20"), 1, 100)
        offset = bounded_integer(query.get("offset", "0"), 0, BIGINT_MAX)
        email = query.get("email")
        errors = check({} if email is None else {"email": email})
        if limit is None:
            errors["limit"] = "must be a whole number from 1 to 100"
        if offset is None:
            errors["offset"] = f"must be a whole number from 0 to {BIGINT_MAX}"
        if errors or limit is None or offset is None:
            raise ValidationFailedError(errors)
        return cls(limit, offset, email)


@dataclass(frozen=True)
class UserPublic:
    id: int
    email: str
    name: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, user: User) -> Self:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            created_at=rfc3339(user.created_at),
            updated_at=rfc3339(user.updated_at),
        )


@dataclass(frozen=True)
class UserPage:
    items: list[UserPublic]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class Health:
    status: Literal["ok"] = "ok"
