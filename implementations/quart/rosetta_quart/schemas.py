"""Request and response models: the rules of the contract, in Pydantic."""

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

# The contract's patterns, which spell out their classes so that they mean the same in the
# served document's dialect (ECMA-262) as here: control characters are U+0000-U+001F and
# U+007F, whitespace is what str.isspace() calls so; `$(?!\n)` ends the string (Python's `$`
# also matches before a final newline).
SPACE_OR_CONTROL = (
    r"\u0000-\u0020\u007F\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
)
EMAIL_PATTERN = (
    rf"^[^@{SPACE_OR_CONTROL}]{{1,64}}@[^@{SPACE_OR_CONTROL}]+\.[^@{SPACE_OR_CONTROL}]+$(?!\n)"
)
NAME_PATTERN = rf"^[^\u0000-\u001F\u007F]*[^{SPACE_OR_CONTROL}][^\u0000-\u001F\u007F]*$(?!\n)"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1
INT64: JsonDict = {"format": "int64"}  # what Pydantic does not write for a bigint


def no_control_characters(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


def not_blank(value: str) -> str:
    if value.isspace():
        raise ValueError("must contain a character that is not whitespace")
    return value


def decimal_integer(value: object) -> object:
    """Query values arrive as text; only ASCII digits make an integer (Pydantic's lax mode
    would also take `2.0`, ` 2` or `1_000`)."""
    if isinstance(value, str) and not DECIMAL_INTEGER.fullmatch(value):
        raise ValueError("must be a decimal integer")
    return value


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def without_default(schema: JsonDict) -> None:
    """For json_schema_extra: the default None is not a value the document allows."""
    del schema["default"]


Email = Annotated[
    str,
    # Compiled: Pydantic then checks the pattern with `re` (its Rust engine has no lookahead).
    StringConstraints(max_length=254, pattern=re.compile(EMAIL_PATTERN)),
    AfterValidator(no_control_characters),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=re.compile(NAME_PATTERN)),
    AfterValidator(no_control_characters),
    AfterValidator(not_blank),
]
QueryInt = Annotated[int, BeforeValidator(decimal_integer)]
Timestamp = Annotated[datetime, PlainSerializer(rfc3339, return_type=str)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    name: Name


class UserUpdate(BaseModel):
    """Members may be omitted (MISSING), but not null."""

    model_config = ConfigDict(extra="forbid")

    email: Email | MISSING = MISSING
    name: Name | MISSING = MISSING


class UserPublic(BaseModel):
    """The user."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    created_at: Timestamp
    updated_at: Timestamp


class UserPage(BaseModel):
    """One page of users, ordered by id."""

    items: list[UserPublic]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    """The service and its database are up."""

    status: Literal["ok"]


class ListParams(BaseModel):
    """The query of listUsers, validated as one model from `request.args`."""

    model_config = ConfigDict(extra="ignore")

    limit: QueryInt = Field(default=20, ge=1, le=100)
    offset: QueryInt = Field(default=0, ge=0, le=BIGINT_MAX, json_schema_extra=INT64)
    # Absent or a string, never null (nor a null default, which Quart-Schema would print).
    email: Email | SkipJsonSchema[None] = Field(default=None, json_schema_extra=without_default)


class Location(BaseModel):
    """The headers of a 201: the path of the new user."""

    location: str


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; documented here, rendered by problems.py."""

    type: str
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    """Problem details with one entry per offending member or parameter."""

    errors: list[FieldError]
