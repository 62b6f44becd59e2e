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

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
SURROGATES = re.compile(r"[\ud800-\udfff]")
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1


def no_control_characters(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


def no_surrogates(value: str) -> str:
    """A JSON escape can spell a lone surrogate (`"\\ud800"`), which is no character: UTF-8,
    and so the database, cannot hold it."""
    if SURROGATES.search(value):
        raise ValueError("must not contain a lone surrogate")
    return value


def not_blank(value: str) -> str:
    if value.isspace():
        raise ValueError("must contain a character that is not whitespace")
    return value


def decimal_integer(value: object) -> object:
    """Query values arrive as strings; Pydantic would also take "2.0" or " 2" as 2."""
    if isinstance(value, str) and not DECIMAL_INTEGER.fullmatch(value):
        raise ValueError("must be a decimal integer")
    return value


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=EMAIL_PATTERN),
    AfterValidator(no_control_characters),
    AfterValidator(no_surrogates),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(no_control_characters),
    AfterValidator(no_surrogates),
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
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    created_at: Timestamp
    updated_at: Timestamp


class UserPage(BaseModel):
    items: list[UserPublic]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class ListParams(BaseModel):
    """The query of listUsers, validated as one model."""

    model_config = ConfigDict(extra="ignore")

    limit: QueryInt = Field(default=20, ge=1, le=100)
    offset: QueryInt = Field(default=0, ge=0, le=BIGINT_MAX)
    email: Email | None = None
