"""Request and response schemas: the rules of shared_contract/, as Ninja Schemas
(Pydantic 2 models)."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    MISSING,
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)
from pydantic.config import JsonDict

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


def decimal_integer(value: Any) -> Any:
    """Query parameters in decimal digits only: Pydantic would also take "2.0" or "1_000"."""
    if isinstance(value, str) and not DECIMAL_INTEGER.fullmatch(value):
        raise ValueError("must be a decimal integer")
    return value


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
Timestamp = Annotated[datetime, PlainSerializer(rfc3339, return_type=str)]
# The constraints come before the validator, or Pydantic cannot document them.
Limit = Annotated[int, Field(ge=1, le=100), BeforeValidator(decimal_integer)]
Offset = Annotated[
    int, Field(ge=0, le=BIGINT_MAX, json_schema_extra=INT64), BeforeValidator(decimal_integer)
]


class UserCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    email: Email
    name: Name


class UserUpdate(Schema):
    """Members may be omitted (MISSING), but not null."""

    model_config = ConfigDict(extra="forbid")

    # A factory rather than `= MISSING`: Ninja's schema generator prints plain defaults
    # into the OpenAPI document and cannot print MISSING.
    email: Email | MISSING = Field(default_factory=lambda: MISSING)
    name: Name | MISSING = Field(default_factory=lambda: MISSING)


class UserPublic(Schema):
    id: int
    email: str
    name: str
    created_at: Timestamp
    updated_at: Timestamp


class Health(Schema):
    status: Literal["ok"]


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details; documented here, rendered by problems.py."""

    type: str
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldError]
