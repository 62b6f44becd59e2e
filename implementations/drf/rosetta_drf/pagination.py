"""listUsers' page: REST framework's limit/offset pagination in the contract's shape."""

from typing import Any

from django.db.models import Count, QuerySet, Window
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class UserPagination(LimitOffsetPagination):
    """`{items, total, limit, offset}` rather than `{count, next, previous, results}`.
    LimitOffsetPagination clamps a limit or offset out of range where the contract answers
    422, so the view validates them first (ListParamsSerializer)."""

    default_limit = 20
    max_limit = 100

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        """The page and the total in one statement, so from one snapshot: COUNT(*) OVER ()
        (REST framework's own counts first, then reads the page). An empty page carries no
        total, and asks for it."""
        self.request = request
        self.limit = self.get_limit(request) or self.default_limit  # None only without a default
        self.offset = self.get_offset(request)
        counted = queryset.annotate(total=Window(Count("*")))
        page = list(counted[self.offset : self.offset + self.limit])
        self.count = page[0].total if page else queryset.count()
        return page

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"items": data, "total": self.count, "limit": self.limit, "offset": self.offset}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["items", "total", "limit", "offset"],
            "properties": {
                "items": schema,
                "total": {"type": "integer", "minimum": 0},
                "limit": {"type": "integer", "minimum": 1, "maximum": self.max_limit},
                "offset": {"type": "integer", "minimum": 0},
            },
        }
