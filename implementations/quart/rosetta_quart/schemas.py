"""Request and response models: the rules of shared_contract/, in Pydantic."""

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
    Strict,
    StringConstraints,
)

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def no_control_characters(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


def not_blank(value: str) -> str:
    if value.isspace():
        raise ValueError("must contain a character that is not whitespace")
    return value


def decimal_integer(value: object) -> object:
    """Query values arrive as text; only decimal digits make an integer (not `2.0` or `1_000`,
    which Pydantic's lax mode would accept)."""
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    return value


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=EMAIL_PATTERN),
    AfterValidator(no_control_characters),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(no_control_characters),
    AfterValidator(not_blank),
]
QueryInteger = Annotated[int, BeforeValidator(decimal_integer), Strict()]
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
    """The query of listUsers (quart-schema's `@validate_querystring`)."""

    limit: QueryInteger = Field(default=20, ge=1, le=100)
    offset: QueryInteger = Field(default=0, ge=0, le=2**63 - 1)
    email: Email | None = None


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
