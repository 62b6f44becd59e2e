"""Request and response models: the rules of the contract, as attrs classes that cattrs
structures and unstructures.

The rules are cattrs structure hooks on the types `Email`, `Name`, `Limit` and `Offset`, not
attrs validators: attrs runs its validators in `__init__` and stops at the first that fails,
which cattrs then reports without the member's name, while a hook runs per member, so that
cattrs' detailed validation names every offending one (problems.field_errors).
"""

import enum
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Literal, NewType, Self, get_args

from attrs import frozen
from cattrs import Converter
from cattrs.gen import make_dict_structure_fn

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# A lone surrogate ("\ud800" in JSON) is no character: it could not be stored as UTF-8.
SURROGATES = re.compile(r"[\ud800-\udfff]")
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1

Email = NewType("Email", str)
Name = NewType("Name", str)
Limit = NewType("Limit", int)
Offset = NewType("Offset", int)
Timestamp = NewType("Timestamp", datetime)


class UnsetType(enum.Enum):
    """A member that was not sent (null is never a valid value, so it cannot stand in)."""

    UNSET = enum.auto()


UNSET: Final = UnsetType.UNSET


def text(value: object) -> str:
    """A JSON string as it is: cattrs' own `str` hook would turn 3 into "3"."""
    if not isinstance(value, str):
        raise TypeError("must be a string")
    if SURROGATES.search(value):
        raise ValueError("must be valid Unicode (no lone surrogates)")
    return value


def no_control_characters(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


def not_blank(value: str) -> str:
    if value.isspace():
        raise ValueError("must contain a character that is not whitespace")
    return value


def email(value: object, _: type) -> Email:
    address = no_control_characters(text(value))
    if len(address) > 254 or not EMAIL_PATTERN.fullmatch(address):
        raise ValueError("must be an email address of at most 254 characters")
    return Email(address)


def name(value: object, _: type) -> Name:
    checked = not_blank(no_control_characters(text(value)))
    if not 1 <= len(checked) <= 100:
        raise ValueError("must be 1 to 100 characters long")
    return Name(checked)


def decimal_integer(value: object) -> int:
    """A query value written as a decimal integer, in ASCII digits: `int()` would also take
    " 5", "1_000" and other scripts' digits."""
    if not isinstance(value, str) or not DECIMAL_INTEGER.fullmatch(value):
        raise ValueError("must be a decimal integer")
    return int(value)


def limit(value: object, _: type) -> Limit:
    number = decimal_integer(value)
    if not 1 <= number <= 100:
        raise ValueError("must be between 1 and 100")
    return Limit(number)


def offset(value: object, _: type) -> Offset:
    number = decimal_integer(value)
    if not 0 <= number <= BIGINT_MAX:
        raise ValueError(f"must be between 0 and {BIGINT_MAX}")
    return Offset(number)


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@frozen(kw_only=True)
class UserCreate:
    email: Email
    name: Name


@frozen(kw_only=True)
class UserUpdate:
    """Members may be omitted (UNSET), but not null."""

    email: Email | UnsetType = UNSET
    name: Name | UnsetType = UNSET


@frozen(kw_only=True)
class UserPublic:
    id: int
    email: str
    name: str
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """The members named here, whatever else the row holds."""
        return cls(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@frozen(kw_only=True)
class UserPage:
    items: list[UserPublic]
    total: int
    limit: int
    offset: int


@frozen
class Health:
    status: Literal["ok"] = "ok"


@frozen(kw_only=True)
class ListParams:
    """The query of listUsers; other query parameters are ignored."""

    limit: Limit = Limit(20)
    offset: Offset = Offset(0)
    email: Email | None = None


@frozen
class FieldError:
    field: str
    message: str


@frozen
class Problem:
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


@frozen
class ValidationProblem(Problem):
    errors: list[FieldError]


def sent_member(type_: Any) -> bool:
    """`X | UnsetType`: cattrs structures a member only when it was sent, so as X."""
    return UnsetType in get_args(type_)


converter = Converter()
converter.register_structure_hook(Email, email)
converter.register_structure_hook(Name, name)
converter.register_structure_hook(Limit, limit)
converter.register_structure_hook(Offset, offset)
converter.register_structure_hook_func(
    sent_member,
    lambda value, type_: converter.structure(
        value, next(arg for arg in get_args(type_) if arg is not UnsetType)
    ),
)
# The bodies name every member they may have: an unknown one is refused (the query's other
# parameters are not).
for body in (UserCreate, UserUpdate):
    converter.register_structure_hook(
        body, make_dict_structure_fn(body, converter, _cattrs_forbid_extra_keys=True)
    )
converter.register_unstructure_hook(Timestamp, rfc3339)
