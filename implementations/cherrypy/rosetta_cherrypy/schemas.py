"""Request and response models: the rules of the contract, in marshmallow schemas."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1


def no_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError("must not contain control characters")


def no_lone_surrogates(value: str) -> None:
    """JSON can spell half a surrogate pair (`"\\ud800"`); Python reads it into a str that
    is no text at all, which no database column can store."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValidationError("must be valid Unicode (a lone surrogate is not)") from None


def not_blank(value: str) -> None:
    if value.isspace():
        raise ValidationError("must contain a character that is not whitespace")


def decimal_integer(value: object) -> object:
    """A query value written as a decimal integer (ASCII digits only) as that integer, any
    other as it is, for the strict Integer field to refuse: without `strict`, marshmallow
    reads text with int(), which takes " 5", "1_000" and other scripts' digits."""
    if isinstance(value, str) and DECIMAL_INTEGER.fullmatch(value):
        return int(value)
    return value


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Email(fields.String):
    """An email address as the contract spells it; lengths count code points."""

    def __init__(self, **kwargs: Any) -> None:
        rules: list[Callable[[str], object]] = [
            validate.Length(max=254),
            validate.Regexp(EMAIL_PATTERN, error="is not an email address"),
            no_control_characters,
            no_lone_surrogates,
        ]
        super().__init__(validate=rules, **kwargs)


class Name(fields.String):
    def __init__(self, **kwargs: Any) -> None:
        rules: list[Callable[[str], object]] = [
            validate.Length(min=1, max=100),
            no_control_characters,
            not_blank,
            no_lone_surrogates,
        ]
        super().__init__(validate=rules, **kwargs)


class Timestamp(fields.DateTime):
    """A timestamptz written as rfc3339() writes it (DateTime's own format drops a zero
    fraction and writes `+00:00`)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str:
        assert value is not None
        return rfc3339(value)


class UserCreate(Schema):
    class Meta:
        unknown = RAISE

    email = Email(required=True)
    name = Name(required=True)


class UserUpdate(Schema):
    """Members may be omitted (absent from what `load` returns), but not null."""

    class Meta:
        unknown = RAISE

    email = Email()
    name = Name()


class UserPublic(Schema):
    """The user: the columns named here, and no other."""

    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    created_at = Timestamp()
    updated_at = Timestamp()


class UserPage(Schema):
    """One page of users, ordered by id."""

    items = fields.List(fields.Nested(UserPublic))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class Health(Schema):
    status = fields.Constant("ok")


class ListParams(Schema):
    """The query of listUsers; other query parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(strict=True, load_default=20, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=BIGINT_MAX)
    )
    email = Email(load_default=None)

    @pre_load
    def decimal_integers(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {
            name: decimal_integer(value) if name in ("limit", "offset") else value
            for name, value in data.items()
        }


class FieldError(Schema):
    field = fields.String()
    message = fields.String()


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()


class ValidationProblem(Problem):
    errors = fields.List(fields.Nested(FieldError))
