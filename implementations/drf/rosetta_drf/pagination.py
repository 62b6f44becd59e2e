"""listUsers' page: REST framework's limit/offset pagination in the contract's shape."""

from typing import Any

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response


class UserPagination(LimitOffsetPagination):
    """`{items, total, limit, offset}` rather than `{count, next, previous, results}`.
    LimitOffsetPagination clamps a limit or offset out of range where the contract answers
    422, so the view validates them first (ListParamsSerializer)."""

    default_limit = 20
    max_limit = 100

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
