"""The HTMX page at /ui: list, create, rename and delete users. Its messages come from the
rules the JSON API checks (`schemas.check`) and from the same problems (409).

Handlers return FT components: FastHTML renders a whole page for a plain request and the bare
fragment for an HTMX one, which htmx swaps into the page."""

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Any

from fasthtml.common import (  # type: ignore[import-untyped]  # ships no type information
    FT,
    H1,
    APIRouter,
    Button,
    Div,
    Form,
    Input,
    Label,
    Main,
    P,
    Script,
    Small,
    Style,
    Table,
    Tbody,
    Td,
    Template,
    Th,
    Thead,
    Title,
    Tr,
)

from .db import User, Users
from .problems import EmailTakenError, UserNotFoundError
from .routes import Router
from .schemas import UserId, check

PAGE_SIZE = 100
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
form { display: flex; gap: 1rem; align-items: flex-start; flex-wrap: wrap; }
.field, label { display: flex; flex-direction: column; gap: .25rem; }
input { padding: .35rem; font: inherit; }
button { padding: .35rem .8rem; font: inherit; margin-top: 1.6rem; }
td button { margin: 0 .25rem 0 0; }
[aria-invalid=true] { border-color: #b00020; }
.error { color: #b00020; display: block; max-width: 22rem; }
table { border-collapse: collapse; width: 100%; margin-top: 2rem; }
th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #ddd; vertical-align: top; }
"""
# htmx from this package rather than FastHTML's default CDN link: the page then works where
# the CDN cannot be reached, and under a Content-Security-Policy of 'self'.
hdrs = (Script(src="/ui/static/htmx.min.js"), Style(STYLE))

rt: Router = APIRouter()


@dataclass
class UserForm:
    """The fields of the page's forms. FastHTML fills a dataclass parameter from the form."""

    email: str = ""
    name: str = ""


@rt.get("/ui")
def users_page(users: Users) -> tuple[FT, ...]:
    """The page: the form that creates a user, and the table of users."""
    found, total = users.list_users(limit=PAGE_SIZE, offset=0, email=None)
    return (
        Title("Users"),
        Main(
            H1("Users"),
            user_form(),
            Table(
                Thead(Tr(Th("Email"), Th("Name"), Th())),
                Tbody(*map(user_row, found), id="users"),
            ),
            P(f"The first {PAGE_SIZE} of {total} users.") if total > PAGE_SIZE else None,
        ),
    )


@rt.post("/ui/users")
def create_from_page(form: UserForm, users: Users) -> FT | tuple[FT, ...]:
    """Create a user; the form comes back with a message under each field that breaks a rule."""
    if errors := check(asdict(form)):
        return user_form(form, sentences(errors))
    try:
        user = users.create_user(asdict(form))
    except EmailTakenError as exc:
        return user_form(form, {"email": f"{exc.title}. {exc}"})
    # A fresh form, and the new row at the end of the table: an out-of-band swap, in a
    # <template> because table parts cannot stand on their own in HTML (htmx unwraps it).
    row = Tbody(user_row(user), hx_swap_oob="beforeend:#users")
    return user_form(created=user), Template(row)


@rt.patch("/ui/users/{id}")
def rename_from_page(id: UserId, form: UserForm, users: Users) -> FT | str:
    """Rename a user; its row comes back, with a message if the name breaks a rule."""
    try:
        if errors := check({"name": form.name}):
            return user_row(users.get_user(id), form.name, sentences(errors)["name"])
        return user_row(users.update_user(id, {"name": form.name}))
    except UserNotFoundError:
        return ""  # deleted meanwhile: its row goes


@rt.delete("/ui/users/{id}")
def delete_from_page(id: UserId, users: Users) -> str:
    """Delete a user; the empty answer takes its row away."""
    with suppress(UserNotFoundError):  # deleted meanwhile: its row goes all the same
        users.delete_user(id)
    return ""


def sentences(errors: Mapping[str, str]) -> dict[str, str]:
    """`check`'s messages as sentences about their field: "Name must be 1 to 100 ..."."""
    return {field: f"{field.capitalize()} {message}." for field, message in errors.items()}


def user_form(
    form: UserForm | None = None,
    errors: Mapping[str, str] | None = None,
    created: User | None = None,
) -> FT:
    """The form that creates a user. `novalidate`: the server's rules are the only ones, so
    that the page says what the API would say."""
    form, errors = form or UserForm(), errors or {}
    return Form(
        field("email", "Email", form.email, errors.get("email"), type="email"),
        field("name", "Name", form.name, errors.get("name")),
        Button("Create"),
        P(f"Created {created.email}.", role="status") if created else None,
        id="create-user",
        hx_post="/ui/users",
        hx_swap="outerHTML",
        novalidate=True,
    )


def field(name: str, label: str, value: str, error: str | None, **attrs: Any) -> FT:
    """A labelled input, followed by the message of the rule it breaks, if any."""
    return Div(
        Label(label, Input(name=name, value=value, **invalid(f"{name}-error", error), **attrs)),
        Small(error, id=f"{name}-error", cls="error") if error else None,
        cls="field",
    )


def user_row(user: User, name: str | None = None, error: str | None = None) -> FT:
    """A user's row: the email, the name to edit, and the buttons that rename and delete."""
    message_id = f"user-{user.id}-error"
    return Tr(
        Td(user.email),
        Td(
            Input(
                name="name",
                value=user.name if name is None else name,
                aria_label=f"Name of {user.email}",
                **invalid(message_id, error),
            ),
            Small(error, id=message_id, cls="error") if error else None,
        ),
        Td(
            Button("Rename", hx_patch=f"/ui/users/{user.id}", hx_include="closest tr"),
            Button("Delete", hx_delete=f"/ui/users/{user.id}", hx_confirm=f"Delete {user.email}?"),
        ),
        id=f"user-{user.id}",
        hx_target="this",
        hx_swap="outerHTML",
    )


def invalid(message_id: str, error: str | None) -> dict[str, str]:
    """The attributes that tie an input to its message, for assistive technology too."""
    return {"aria_invalid": "true", "aria_describedby": message_id} if error else {}
