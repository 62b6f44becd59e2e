"""listUsers' page, as a Ninja pagination class: `@paginate(UserPagination)` adds its
Input to the query parameters and wraps the handler's queryset in its Output."""

from typing import Any

from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import AsyncPaginationBase

from rosetta_ninja.schemas import Limit, Offset


class UserPagination(AsyncPaginationBase):
    """`{items, total, limit, offset}`; a limit or offset out of range is a 422 (Ninja's
    own LimitOffsetPagination would clamp it and answer `{items, count}`)."""

    class Input(Schema):
        limit: Limit = 20
        offset: Offset = 0

    class Output(Schema):
        items: list[Any]
        total: int
        limit: int
        offset: int

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Input, request: HttpRequest, **params: Any
    ) -> Any:
        raise NotImplementedError("the handlers are async")

    async def apaginate_queryset(
        self, queryset: QuerySet[Any], pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        limit, offset = pagination.limit, pagination.offset
        # The page and the total in one statement, so from one snapshot: COUNT(*) OVER ().
        # An empty page carries no total, and asks for it.
        counted = queryset.annotate(total=Window(Count("*")))
        items = [item async for item in counted[offset : offset + limit]]
        total = items[0].total if items else await queryset.acount()
        return {"items": items, "total": total, "limit": limit, "offset": offset}
