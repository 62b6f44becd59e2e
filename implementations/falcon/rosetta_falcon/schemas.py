"""Request and response bodies: the rules of shared_contract/ as msgspec Structs, and how
Falcon reads and writes them (a msgspec media handler, and the validation middleware of
Falcon's msgspec recipe)."""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar, get_args

import falcon
import msgspec
import msgspec.inspect
import msgspec.structs
from falcon.asgi import Request, Response
from falcon.media import BaseHandler
from falcon.typing import AsyncReadableIO
from msgspec import UNSET, Meta, Struct, UnsetType

# msgspec takes one pattern per type, so the rule "no U+0000..U+001F or U+007F" is a
# lookahead in front of each. (It finds a newline too: newline is one of those characters.)
NO_CONTROL_CHARACTERS = r"^(?!.*[\x00-\x1f\x7f])"
EMAIL_PATTERN = NO_CONTROL_CHARACTERS + r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
NAME_PATTERN = NO_CONTROL_CHARACTERS + r".*\S"

Email = Annotated[
    str,
    Meta(
        max_length=254,
        pattern=EMAIL_PATTERN,
        description="an email address of at most 254 characters, with no whitespace or"
        " control characters",
    ),
]
Name = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=100,
        pattern=NAME_PATTERN,
        description="1 to 100 characters, not all whitespace, with no control characters",
    ),
]


def rfc3339(value: datetime) -> str:
    """UTC, always six fractional digits and `Z`, as the contract fixes it (msgspec would
    drop a zero fraction)."""
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
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "UserPublic":
        return cls(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            created_at=rfc3339(row["created_at"]),
            updated_at=rfc3339(row["updated_at"]),
        )


class UserPage(Struct):
    items: list[UserPublic]
    total: int
    limit: int
    offset: int


class Health(Struct):
    status: Literal["ok"] = "ok"


class ListParams(Struct):
    """The query of listUsers; other parameters are ignored."""

    limit: Annotated[int, Meta(ge=1, le=100, description="an integer from 1 to 100")] = 20
    # Postgres takes no OFFSET past a bigint.
    offset: Annotated[
        int, Meta(ge=0, le=2**63 - 1, description="an integer from 0 to 2**63 - 1")
    ] = 0
    email: Email | None = None


class FieldError(Struct):
    field: str
    message: str


class Problem(Struct):
    """RFC 9457 problem details, as problems.py renders them."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | UnsetType = UNSET


class InvalidError(ValueError):
    """Data that breaks a rule; problems.py answers it with 422."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


S = TypeVar("S", bound=Struct)


def convert(data: object, schema: type[S]) -> S:
    """`msgspec.convert`, naming every offending member: msgspec stops at the first error,
    the contract wants one entry per member, so on failure each member is checked alone."""
    try:
        return msgspec.convert(data, schema)
    except msgspec.ValidationError as exc:
        raise InvalidError(field_errors(data, schema, exc)) from None


def field_errors(
    data: object, schema: type[Struct], exc: msgspec.ValidationError
) -> list[FieldError]:
    if not isinstance(data, dict):
        return [FieldError("body", str(exc))]
    fields = {field.encode_name: field for field in msgspec.structs.fields(schema)}
    errors = []
    if schema.__struct_config__.forbid_unknown_fields:
        errors += [FieldError(name, "is not a member") for name in data if name not in fields]
    for name, field in fields.items():
        if name not in data:
            if field.required:
                errors.append(FieldError(name, "is required"))
            continue
        try:
            msgspec.convert(data[name], field.type)
        except msgspec.ValidationError as member_exc:
            errors.append(FieldError(name, rule(field.type) or str(member_exc)))
    return errors or [FieldError("body", str(exc))]


def rule(annotation: object) -> str | None:
    """The rule a member breaks, from the description of its Meta (msgspec's own message
    would quote the regex)."""
    for candidate in (annotation, *get_args(annotation)):
        for meta in getattr(candidate, "__metadata__", ()):
            if isinstance(meta, Meta) and meta.description:
                return f"must be {meta.description}"
    return None


DECIMAL = re.compile(r"-?[0-9]+")


def is_integer(annotation: object) -> bool:
    info = msgspec.inspect.type_info(annotation)
    if isinstance(info, msgspec.inspect.Metadata):
        info = info.type
    return isinstance(info, msgspec.inspect.IntType)


def from_query(params: Mapping[str, str | list[str]], schema: type[S]) -> S:
    """A query's values are strings; those of integer members are read as decimal integers
    here, then validated strictly (msgspec's lax mode would also take "2.0" and "1e1")."""
    integers = {
        field.encode_name for field in msgspec.structs.fields(schema) if is_integer(field.type)
    }
    return convert(
        {
            name: int(value)
            if name in integers and isinstance(value, str) and DECIMAL.fullmatch(value)
            else value
            for name, value in params.items()
        },
        schema,
    )


class JSONHandler(BaseHandler):
    """JSON through msgspec, for request and response media. A request body is read up to
    `max_body_size` bytes and no further: a longer one (chunked, with no Content-Length to
    refuse it by) is 413 as soon as the bytes received pass the limit."""

    def __init__(self, max_body_size: int) -> None:
        self.max_body_size = max_body_size
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder()

    async def deserialize_async(
        self, stream: AsyncReadableIO, content_type: str | None, content_length: int | None
    ) -> object:
        data = await stream.read(self.max_body_size + 1)
        if len(data) > self.max_body_size:
            raise falcon.HTTPContentTooLarge(
                description=f"The body is over the limit of {self.max_body_size} bytes."
            )
        if not data:
            raise falcon.MediaNotFoundError("JSON")
        try:
            return self._decoder.decode(data)
        # msgspec raises UnicodeDecodeError (not DecodeError) for a string that is not UTF-8.
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise falcon.MediaMalformedError("JSON") from exc

    def serialize(self, media: object, content_type: str | None = None) -> bytes:
        return self._encoder.encode(media)


class MsgspecMiddleware:
    """Falcon's msgspec recipe: a resource names the Struct of each method's body
    (`POST_SCHEMA`, `PATCH_SCHEMA`) and its responder receives it validated, as `body`.
    The checks come in the contract's order: 413, 415, 400, 422."""

    def __init__(self, max_body_size: int) -> None:
        self.max_body_size = max_body_size

    async def process_resource(
        self, req: Request, resp: Response, resource: object, params: dict[str, Any]
    ) -> None:
        schema = getattr(resource, f"{req.method}_SCHEMA", None)
        if schema is None:
            return
        if (req.content_length or 0) > self.max_body_size:
            raise falcon.HTTPContentTooLarge(
                description=f"The body is over the limit of {self.max_body_size} bytes."
            )
        # Falcon reads a body without Content-Type as its default media type (JSON); the
        # contract answers it with 415, like any media type other than application/json.
        media_type = falcon.parse_header(req.content_type or "")[0].lower()
        if media_type != falcon.MEDIA_JSON:
            raise falcon.HTTPUnsupportedMediaType(
                description="The body must be sent as application/json."
            )
        params["body"] = convert(await req.get_media(), schema)
