"""Request and response models: the rules of the contract, as msgspec Structs."""

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal, Self

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

if TYPE_CHECKING:
    from .db import User

# msgspec checks a string with one pattern and no custom validators: the contract's
# patterns, which spell out their classes so that they mean the same in the served
# document's dialect (ECMA-262) as here: control characters are U+0000-U+001F and U+007F,
# whitespace is what str.isspace() calls so; `$(?!\n)` ends the string (Python's `$` also
# matches before a final newline).
SPACE_OR_CONTROL = (
    r"\u0000-\u0020\u007F\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
)
EMAIL_PATTERN = (
    rf"^[^@{SPACE_OR_CONTROL}]{{1,64}}@[^@{SPACE_OR_CONTROL}]+\.[^@{SPACE_OR_CONTROL}]+$(?!\n)"
)
NAME_PATTERN = rf"^[^\u0000-\u001F\u007F]*[^{SPACE_OR_CONTROL}][^\u0000-\u001F\u007F]*$(?!\n)"
# A lone surrogate escape ("\ud800") is JSON but no Unicode character: msgspec refuses the
# whole body, Python's json module reads it (routes.check_body), and member_errors names it.
SURROGATES = re.compile(r"[\ud800-\udfff]")
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
        if isinstance(document[name], str) and SURROGATES.search(document[name]):
            errors[name] = "Expected Unicode text, got a lone surrogate"
            continue
        try:
            msgspec.convert(document[name], field.type)
        except msgspec.ValidationError as exc:
            errors[name] = str(exc)
    return errors
