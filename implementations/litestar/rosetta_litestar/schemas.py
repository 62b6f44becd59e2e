"""Request and response models: the rules of the contract, as msgspec Structs."""

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal, Self

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

if TYPE_CHECKING:
    from .db import User

# msgspec checks a string with one pattern and no custom validators, so the rule "no
# U+0000..U+001F or U+007F" is a lookahead in front of each. It finds a final newline too,
# which Python's `$` would let through.
NO_CONTROL_CHARACTERS = r"^(?!.*[\x00-\x1f\x7f])"
EMAIL_PATTERN = NO_CONTROL_CHARACTERS + r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
NAME_PATTERN = NO_CONTROL_CHARACTERS + r".*\S"  # at least one character that is not whitespace
# Query values: Litestar converts them in msgspec's lax mode, which reads "2.0" as 2.
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1

Email = Annotated[str, Meta(max_length=254, pattern=EMAIL_PATTERN, examples=["ada@example.com"])]
Name = Annotated[
    str, Meta(min_length=1, max_length=100, pattern=NAME_PATTERN, examples=["Ada Lovelace"])
]
# A string, formatted by `rfc3339`: msgspec would drop a zero fraction from a datetime.
Timestamp = Annotated[
    str, Meta(description="RFC 3339 in UTC, always six fractional digits and `Z`.")
]


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UserCreate(Struct, forbid_unknown_fields=True):
    email: Email
    name: Name


class UserUpdate(Struct, forbid_unknown_fields=True):
    """Members may be omitted (UNSET), but not null."""

    email: Email | UnsetType = UNSET
    name: Name | UnsetType = UNSET


class UserPublic(Struct):
    id: int
    email: str
    name: str
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def from_user(cls, user: "User") -> Self:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            created_at=rfc3339(user.created_at),
            updated_at=rfc3339(user.updated_at),
        )


class UserPage(Struct):
    items: list[UserPublic]
    total: int
    limit: int
    offset: int


class Health(Struct):
    status: Literal["ok"]


class FieldError(Struct):
    field: str
    message: str


class Problem(Struct):
    """RFC 9457 problem details; documented here, rendered by problems.py."""

    type: str
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldError]


def member_errors(model: type[Struct], document: object) -> dict[str, str]:
    """Every member of a JSON `document` that `model` refuses, by name (`body` when it is not
    an object). msgspec stops at the first error; the contract wants them all."""
    if not isinstance(document, dict):
        return {"body": "Expected a JSON object"}
    fields = {field.encode_name: field for field in msgspec.structs.fields(model)}
    errors = {name: "Unknown member" for name in document if name not in fields}
    for name, field in fields.items():
        if name not in document:
            if field.required:
                errors[name] = "Required member is missing"
            continue
        try:
            msgspec.convert(document[name], field.type)
        except msgspec.ValidationError as exc:
            errors[name] = str(exc)
    return errors
