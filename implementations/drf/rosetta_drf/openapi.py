"""What drf-spectacular cannot see in the code, told to it; apps.py loads this module."""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema


# drf-spectacular's extension API is untyped, hence the two ignores below.
class UserSerializerExtension(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """drf-spectacular documents the members a serializer accepts, not that it refuses the
    others (UserSerializer.to_internal_value does)."""

    target_class = "rosetta_drf.serializers.UserSerializer"

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(  # type: ignore[no-untyped-call]
            self.target, direction, bypass_extensions=True
        )
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


def require_request_bodies(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A postprocessing hook: every body this API takes is required (an empty one is a 400),
    PATCH's too, where drf-spectacular infers "optional" from its all-optional members."""
    for operations in result["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return result
