"""The handlers, one per operationId of shared_contract/openapi.yaml: async function views
on Django's async ORM."""

import json
from typing import Any

from django.apps import apps
from django.db.models import Count, Value, Window
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, JsonResponse

from rosetta_django.apps import RosettaConfig
from rosetta_django.forms import ListForm, UserForm, user_public
from rosetta_django.models import User
from rosetta_django.problems import MalformedBodyError, UnsupportedMediaTypeError, UserNotFoundError


def reject_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def read_json(request: HttpRequest) -> Any:
    """The body as JSON, checked in the contract's order: its size (request.body raises
    RequestDataTooBig past DATA_UPLOAD_MAX_MEMORY_SIZE), its media type, its syntax."""
    body = request.body
    if request.content_type != "application/json":
        raise UnsupportedMediaTypeError()
    if not body:
        raise MalformedBodyError("The body is empty; a JSON object is required.")
    try:
        # UTF-8 only, and no NaN/Infinity (Python's json reads them; RFC 8259 does not).
        return json.loads(body.decode(), parse_constant=reject_constant)
    # JSONDecodeError and UnicodeDecodeError alike; RecursionError: nested deeper than the
    # parser goes (json's recursion, bounded by the interpreter's limit).
    except (ValueError, RecursionError) as exc:
        raise MalformedBodyError() from exc


async def list_users(request: HttpRequest) -> JsonResponse:
    """List users"""
    params = ListForm(request.GET).cleaned()
    limit, offset = params["limit"], params["offset"]
    users = User.objects.order_by("id")
    if params["email"] is not None:
        # lower(email) = lower(%s): the expression of the unique index, which serves it.
        users = users.alias(email_lower=Lower("email")).filter(
            email_lower=Lower(Value(params["email"]))
        )
    # The page and the total in one statement, so from one snapshot: COUNT(*) OVER ().
    # An empty page carries no total, and asks for it.
    counted = users.annotate(total=Window(Count("*")))
    page = [user async for user in counted[offset : offset + limit]]
    # mypy, without the django-stubs plugin, cannot see an annotation's attribute.
    total = page[0].total if page else await users.acount()  # type: ignore[attr-defined]
    items = [user_public(user) for user in page]
    return JsonResponse({"items": items, "total": total, "limit": limit, "offset": offset})


async def create_user(request: HttpRequest) -> JsonResponse:
    """Create a user"""
    user = await User.objects.acreate(**UserForm(read_json(request)).cleaned())
    return JsonResponse(user_public(user), status=201, headers={"Location": f"/users/{user.id}"})


async def get_user(request: HttpRequest, id: int) -> JsonResponse:
    """Get a user"""
    return JsonResponse(user_public(await User.objects.aget(pk=id)))


async def update_user(request: HttpRequest, id: int) -> JsonResponse:
    """Update a user"""
    changes = UserForm(read_json(request), partial=True).cleaned()
    # UPDATE ... SET only what was sent; the database's trigger moves updated_at. Django's
    # ORM has no UPDATE ... RETURNING: the row is read back.
    if changes and not await User.objects.filter(pk=id).aupdate(**changes):
        raise UserNotFoundError()
    return JsonResponse(user_public(await User.objects.aget(pk=id)))


async def delete_user(request: HttpRequest, id: int) -> HttpResponse:
    """Delete a user"""
    # A model's delete, with no relations or signals to follow, is one DELETE; a
    # queryset's would wrap it in a transaction.
    deleted, _ = await User(pk=id).adelete()
    if not deleted:
        raise UserNotFoundError()
    return HttpResponse(status=204, content_type=None)


async def health(request: HttpRequest) -> JsonResponse:
    """Health check"""
    await User.objects.aexists()  # any answer will do; no answer is a 503
    return JsonResponse({"status": "ok"})


async def openapi(request: HttpRequest) -> JsonResponse:
    """The contract, shared_contract/openapi.yaml, as loaded at startup"""
    config = apps.get_app_config("rosetta_django")
    assert isinstance(config, RosettaConfig)
    return JsonResponse(config.openapi)
