"""Request and response models: the rules of the contract, in msgspec."""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

import msgspec
from msgspec import UNSET, Meta, UnsetType
from robyn import Response

# Meta takes one pattern per type, so the rules "no control characters" (U+0000..U+001F,
# U+007F) and "no lone surrogate" (U+D800..U+DFFF, which a JSON escape can spell but UTF-8
# cannot) are folded into each. `\Z`, not `$`: `$` would also match before a final newline.
EMAIL_PATTERN = (
    r"^[^@\s\x00-\x1f\x7f\ud800-\udfff]{1,64}@[^@\s\x00-\x1f\x7f\ud800-\udfff]+"
    r"\.[^@\s\x00-\x1f\x7f\ud800-\udfff]+\Z"
)
# At least one character that is not whitespace.
NAME_PATTERN = r"^(?=.*\S)[^\x00-\x1f\x7f\ud800-\udfff]*\Z"
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1


def decimal_integer(value: object) -> object:
    """A query value written as a decimal integer (ASCII digits only) as that integer, any
    other as it is, for the strict conversion to refuse: msgspec's lax mode (strict=False)
    would also read "2.0" and "1e1" as integers."""
    if isinstance(value, str) and DECIMAL_INTEGER.fullmatch(value):
        return int(value)
    return value


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Email = Annotated[str, Meta(max_length=254, pattern=EMAIL_PATTERN)]
Name = Annotated[str, Meta(min_length=1, max_length=100, pattern=NAME_PATTERN)]


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    name: Name


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Members may be omitted (UNSET), but not null."""

    email: Email | UnsetType = UNSET
    name: Name | UnsetType = UNSET


class UserPublic(msgspec.Struct):
    id: int
    email: str
    name: str
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        return cls(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            created_at=rfc3339(row["created_at"]),
            updated_at=rfc3339(row["updated_at"]),
        )


class UserPage(msgspec.Struct):
    items: list[UserPublic]
    total: int
    limit: int
    offset: int


class Health(msgspec.Struct):
    status: Literal["ok"] = "ok"


class ListParams(msgspec.Struct):
    """The query of listUsers; other query parameters are ignored."""

    limit: Annotated[int, Meta(ge=1, le=100)] = 20
    offset: Annotated[int, Meta(ge=0, le=BIGINT_MAX)] = 0
    email: Email | None = None


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldError]


def json_response(
    content: Any,
    status_code: int = 200,
    *,
    headers: Mapping[str, str] | None = None,
    media_type: str = "application/json",
) -> Response:
    """Robyn serializes a returned dict itself; Structs are encoded by msgspec here."""
    return Response(
        status_code=status_code,
        headers={**(headers or {}), "Content-Type": media_type},
        description=msgspec.json.encode(content),
    )
