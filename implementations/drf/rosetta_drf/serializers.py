"""The rules of shared_contract/ as REST framework serializers."""

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.validators import MaxLengthValidator, MinLengthValidator, RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rosetta_drf.models import User

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
# What is left of a JSON escape such as "\ud800" without its pair: no Unicode character,
# so no UTF-8 either (the database could not be sent it).
SURROGATES = re.compile(r"[\ud800-\udfff]")
DECIMAL_INTEGER = re.compile(r"-?[0-9]+")
BIGINT_MAX = 2**63 - 1


def no_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise serializers.ValidationError("must not contain control characters")


def not_blank(value: str) -> None:
    if value.isspace():
        raise serializers.ValidationError("must contain a character that is not whitespace")


def decimal_integer(value: Any) -> int:
    """Decimal digits only: IntegerField would also take "2.0", and int() " 5", "1_000" and
    other scripts' digits."""
    if not isinstance(value, str) or not DECIMAL_INTEGER.fullmatch(value):
        raise serializers.ValidationError("must be a decimal integer")
    return int(value)


EMAIL_VALIDATORS: list[Callable[[Any], None]] = [
    MaxLengthValidator(254),
    RegexValidator(EMAIL_PATTERN, "is not an email address"),
    no_control_characters,
]
NAME_VALIDATORS: list[Callable[[Any], None]] = [
    MinLengthValidator(1),
    MaxLengthValidator(100),
    not_blank,
    no_control_characters,
    # The same rules as one pattern, for the document: the two above name the broken one.
    RegexValidator(NAME_PATTERN, "must contain a non-whitespace and no control character"),
]


@extend_schema_field(OpenApiTypes.STR)
class StringField(serializers.Field):  # type: ignore[type-arg]
    """A JSON string, kept exactly as sent, checked by its validators only. CharField would
    turn 123 into "123", strip whitespace, and add a blank rule of its own."""

    default_error_messages = {  # noqa: RUF012
        "invalid": "must be a string",
        "surrogate": "must be Unicode text (a lone surrogate is not)",
    }

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if SURROGATES.search(data):
            self.fail("surrogate")
        return data

    def to_representation(self, value: str) -> str:
        return value


class DecimalIntegerField(serializers.IntegerField):
    """A query parameter in decimal digits only."""

    def to_internal_value(self, data: Any) -> int:
        return super().to_internal_value(decimal_integer(data))


class UserSerializer(serializers.Serializer[User]):
    """UserCreate (`data=`), UserUpdate (`partial=True`), UserPublic (`.data`). Its fields
    are declared: a ModelSerializer would build them from the model for every instance
    (three times the work of a request's serializing)."""

    id = serializers.IntegerField(read_only=True)
    email = StringField(validators=EMAIL_VALIDATORS)
    name = StringField(validators=NAME_VALIDATORS)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        """Unknown members, and the read-only ones, are errors under their own names."""
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = {
            member: ["is not a member this operation accepts"]
            for member in (data if isinstance(data, Mapping) else ())
            if member not in writable
        }
        try:
            values: dict[str, Any] = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**unknown, **exc.detail}) from exc  # type: ignore[dict-item]
        if unknown:
            raise serializers.ValidationError(unknown)
        return values

    def create(self, validated_data: dict[str, Any]) -> User:
        return User.objects.create(**validated_data)


class ListParamsSerializer(serializers.Serializer[Any]):
    """The query of listUsers; other parameters are ignored."""

    limit = DecimalIntegerField(required=False, default=20, min_value=1, max_value=100)
    offset = DecimalIntegerField(required=False, default=0, min_value=0, max_value=BIGINT_MAX)
    email = StringField(required=False, default=None, validators=EMAIL_VALIDATORS)


class HealthSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["ok"])


class FieldErrorSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details; documented here, rendered by problems.py."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()


class ValidationProblemSerializer(ProblemSerializer):
    # The metaclass moves declared fields off the class, so this does not hide
    # Serializer.errors at run time; mypy only sees the names.
    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]
