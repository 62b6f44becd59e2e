"""The rules of shared_contract/ as Django forms, and the JSON shape of a user.

Forms are made for form-encoded strings; these take a decoded JSON body instead, so a
member must already be a string (never a number turned into one) and is kept exactly as
sent (no stripping).
"""

import re
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from rosetta_django.models import User
from rosetta_django.problems import ValidationFailedError

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# What is left of a JSON escape such as "\ud800" without its pair: no Unicode character,
# so no UTF-8 either (the database could not be sent it).
SURROGATES = re.compile(r"[\ud800-\udfff]")
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1


def no_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError("must not contain control characters", code="control")


def not_blank(value: str) -> None:
    if value.isspace():
        raise ValidationError("must contain a character that is not whitespace", code="blank")


def decimal_integer(value: str) -> int:
    """Decimal digits only: IntegerField would also take "2.0", and int() " 5", "1_000" and
    other scripts' digits."""
    if not DECIMAL_INTEGER.fullmatch(value):
        raise ValidationError("must be a decimal integer", code="invalid")
    return int(value)


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JsonStringField(forms.CharField):
    """A JSON string member: anything else is an error, and the value is kept as sent."""

    default_error_messages = {"required": "is required and may be neither null nor empty"}  # noqa: RUF012

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strip=False, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValidationError("must be a string", code="invalid")
        if value == "" and not self.required:  # present but empty: not the same as absent
            raise ValidationError("may not be empty", code="empty")
        if value is not None and SURROGATES.search(value):
            raise ValidationError("must be Unicode text (a lone surrogate is not)", code="invalid")
        return super().to_python(value)


class DecimalIntegerField(forms.IntegerField):
    """A query parameter in decimal digits only."""

    def to_python(self, value: Any) -> int | None:
        return None if value is None else decimal_integer(value)


def email_field(*, required: bool = True) -> JsonStringField:
    return JsonStringField(
        required=required,
        max_length=254,
        validators=[
            RegexValidator(EMAIL_PATTERN, "is not an email address"),
            no_control_characters,
        ],
    )


class ContractForm(forms.Form):
    """`cleaned()` raises ValidationFailedError with one message per offending member."""

    ignore_unknown = False

    def cleaned(self) -> dict[str, Any]:
        errors = {
            member: "is not a known member"
            for member in self.data
            if member not in self.base_fields and not self.ignore_unknown
        }
        if not self.is_valid():
            errors |= {field: str(messages[0]) for field, messages in self.errors.items()}
        if errors:
            raise ValidationFailedError(errors)
        return self.cleaned_data


class UserForm(ContractForm):
    """UserCreate, and with `partial=True` UserUpdate: only the members sent are
    validated and returned, so an update leaves the others alone."""

    email = email_field()
    name = JsonStringField(max_length=100, validators=[not_blank, no_control_characters])

    def __init__(self, body: Any, *, partial: bool = False) -> None:
        if not isinstance(body, dict):
            raise ValidationFailedError({"body": "must be a JSON object"})
        super().__init__(body)
        if partial:
            self.fields = {name: field for name, field in self.fields.items() if name in body}


class ListForm(ContractForm):
    """The query of listUsers; other parameters are ignored."""

    ignore_unknown = True

    limit = DecimalIntegerField(required=False, min_value=1, max_value=100)
    offset = DecimalIntegerField(required=False, min_value=0, max_value=BIGINT_MAX)
    email = email_field(required=False)

    def clean_limit(self) -> int:
        return self.cleaned_data["limit"] or 20

    def clean_offset(self) -> int:
        return self.cleaned_data["offset"] or 0

    def clean_email(self) -> str | None:
        return self.cleaned_data["email"] or None


def user_public(user: User) -> dict[str, Any]:
    """UserPublic: an explicit allow-list of members."""
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "created_at": rfc3339(user.created_at),
        "updated_at": rfc3339(user.updated_at),
    }
