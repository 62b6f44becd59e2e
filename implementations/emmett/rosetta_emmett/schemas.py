"""The rules of the contract, as Emmett validators that the model (`db.User`) applies, and
the shapes of the JSON bodies, as TypedDicts.

The model gives each field a list of validators, run in its order, rather than Emmett's
dict of named rules (`{"presence": True, "len": ...}`): the dict runs its rules in an order
of its own, in which `len` hands a number on as its text, so that `{"name": 3}` would be
stored as "3". Here `JSONString` comes first and refuses anything but a string.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Self, TypedDict

from emmett.validators import Matches, Validator, hasLength, isntEmpty  # type: ignore[import-untyped]

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# A lone surrogate ("\ud800" in JSON) is no character: it could not be stored as UTF-8.
SURROGATES = re.compile(r"[\ud800-\udfff]")
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1

# An Emmett validator takes the value and gives it back with an error message or None.
Checked = tuple[Any, str | None]


class JSONString(Validator):  # type: ignore[misc]
    """A JSON string: not null (a member absent from a create is None too), no other JSON
    type, and no lone surrogate."""

    message = "must be a string"

    def __call__(self, value: object) -> Checked:
        if not isinstance(value, str):
            return value, self.message
        if SURROGATES.search(value):
            return value, "must be valid Unicode (no lone surrogates)"
        return value, None


class NoControlCharacters(Validator):  # type: ignore[misc]
    message = "must not contain control characters"

    def __call__(self, value: str) -> Checked:
        return value, self.message if CONTROL_CHARACTERS.search(value) else None


# Emmett's `isntEmpty` (the dict's "presence") strips the value with str.strip(), which
# removes what str.isspace() calls whitespace: the contract's "not blank".
not_blank = isntEmpty(message="must contain a character that is not whitespace")
no_control_characters = NoControlCharacters()

EMAIL_RULES = [
    JSONString(),
    hasLength(254, 0, (True, True), message="must be at most 254 characters"),
    Matches(EMAIL_PATTERN.pattern, message="must be an email address"),
    no_control_characters,
]
NAME_RULES = [
    JSONString(),
    not_blank,
    hasLength(100, 1, (True, True), message="must be 1 to 100 characters long"),
    no_control_characters,
]


def first_error(rules: list[Validator], value: object) -> str | None:
    """What Emmett's Field.validate does with a field's validators, for a query parameter."""
    for rule in rules:
        value, error = rule(value)
        if error is not None:
            return str(error)
    return None


def decimal_integer(value: str) -> int | None:
    """A query value written as a decimal integer, in ASCII digits: `int()` would also take
    " 5", "1_000" and other scripts' digits."""
    return int(value) if DECIMAL_INTEGER.fullmatch(value) else None


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UserCreate(TypedDict):
    email: str
    name: str


class UserUpdate(TypedDict, total=False):
    """Members may be omitted, but not null."""

    email: str
    name: str


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


class FieldError(TypedDict):
    field: str
    message: str


class Problem(TypedDict):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldError]


def user_public(row: Any) -> UserPublic:
    """The members named here, from a row of the model."""
    return UserPublic(
        id=row.id,
        email=row.email,
        name=row.name,
        created_at=rfc3339(row.created_at),
        updated_at=rfc3339(row.updated_at),
    )


@dataclass(frozen=True)
class ListParams:
    """The query of listUsers; other query parameters are ignored."""

    limit: int = 20
    offset: int = 0
    email: str | None = None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Self | list[FieldError]:
        """The parameters, or one error per parameter that breaks its rule."""
        errors: list[FieldError] = []
        numbers = {"limit": (1, 100, cls.limit), "offset": (0, BIGINT_MAX, cls.offset)}
        values: dict[str, Any] = {}
        for name, (low, high, default) in numbers.items():
            number = decimal_integer(query[name]) if name in query else default
            if number is None or not low <= number <= high:
                errors.append(FieldError(field=name, message=f"must be from {low} to {high}"))
            values[name] = number
        email = query.get("email")
        if email is not None and (error := first_error(EMAIL_RULES, email)) is not None:
            errors.append(FieldError(field="email", message=error))
        return errors or cls(limit=values["limit"], offset=values["offset"], email=email)
