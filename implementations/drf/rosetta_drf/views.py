"""The handlers, one per operationId of shared_contract/openapi.yaml: REST framework's
actions on one ViewSet (listUsers is `list`, createUser `create`, getUser `retrieve`,
updateUser `partial_update`, deleteUser `destroy`), and `health`."""

from typing import Any

from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.utils.http import parse_header_parameters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response

from rosetta_drf.models import User
from rosetta_drf.pagination import UserPagination
from rosetta_drf.problems import UserNotFoundError
from rosetta_drf.serializers import (
    HealthSerializer,
    ListParamsSerializer,
    ProblemSerializer,
    UserSerializer,
    ValidationProblemSerializer,
)


def responses(*statuses: int) -> dict[Any, Any]:
    """The error responses an operation documents: problem details, all of them, as
    application/problem+json."""
    return {
        (code, "application/problem+json"): (
            ValidationProblemSerializer if code == 422 else ProblemSerializer
        )
        for code in statuses
    }


class StrictJSONParser(parsers.JSONParser):
    """REST framework's parser (STRICT_JSON refuses NaN and Infinity), and a body nested
    deeper than json's recursion goes is malformed too (400), not a crash."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deep") from exc


LOCATION = OpenApiParameter("Location", str, OpenApiParameter.HEADER, required=True, response=[201])


class UserViewSet(viewsets.GenericViewSet[User]):
    """The actions are written out (a ModelViewSet would provide them, and PUT) so that
    each operation reads like its siblings in the other implementations."""

    queryset = User.objects.order_by("id")
    serializer_class = UserSerializer
    pagination_class = UserPagination
    parser_classes = [StrictJSONParser]  # noqa: RUF012
    lookup_url_kwarg = "id"
    lookup_value_converter = "user_id"  # urls.py: a bigint in range, or no route at all

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """REST framework reads an empty body as `{}` and checks the media type only of a
        body it parses; check a body in the contract's order before any of that."""
        super().initial(request, *args, **kwargs)
        if self.action in ("create", "partial_update"):
            body = request.body  # RequestDataTooBig past DATA_UPLOAD_MAX_MEMORY_SIZE (413)
            media_type, _ = parse_header_parameters(request.content_type)
            if media_type != "application/json":
                raise UnsupportedMediaType(request.content_type)
            if not body:
                raise ParseError("The body is empty; a JSON object is required.")

    @extend_schema(
        operation_id="listUsers",
        parameters=[ListParamsSerializer],
        responses={200: UserSerializer(many=True), **responses(422, 503)},
    )
    def list(self, request: Request) -> Response:
        """List users"""
        # A plain dict: REST framework reads a QueryDict as a form, where "" means absent.
        params = ListParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        users: QuerySet[User] = self.get_queryset()
        if (email := params.validated_data["email"]) is not None:
            # lower(email) = lower(%s): the expression of the unique index, which serves it.
            users = users.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))
        page = self.paginate_queryset(users)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="createUser",
        parameters=[LOCATION],
        responses={201: UserSerializer, **responses(400, 409, 413, 415, 422, 503)},
    )
    def create(self, request: Request) -> Response:
        """Create a user"""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        headers = {"Location": f"/users/{user.id}"}
        return Response(serializer.data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(operation_id="getUser", responses={200: UserSerializer, **responses(404, 503)})
    def retrieve(self, request: Request, id: int) -> Response:
        """Get a user"""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        operation_id="updateUser",
        responses={200: UserSerializer, **responses(400, 404, 409, 413, 415, 422, 503)},
    )
    def partial_update(self, request: Request, id: int) -> Response:
        """Update a user"""
        # Validated before the lookup: a body that breaks a rule is a 422 even for no user.
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        # UPDATE ... SET only what was sent; the database's trigger moves updated_at. Django's
        # ORM has no UPDATE ... RETURNING: the row is read back.
        if changes and not User.objects.filter(pk=id).update(**changes):
            raise UserNotFoundError()
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(operation_id="deleteUser", responses={204: None, **responses(404, 503)})
    def destroy(self, request: Request, id: int) -> Response:
        """Delete a user"""
        # A model's delete, with no relations or signals to follow, is one DELETE; a
        # queryset's would wrap it in a transaction, and get_object() would SELECT first.
        deleted, _ = User(pk=id).delete()
        if not deleted:
            raise UserNotFoundError()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(operation_id="health", responses={200: HealthSerializer, **responses(503)})
@api_view(["GET"])
def health(request: Request) -> Response:
    """Health check"""
    User.objects.exists()  # any answer will do; no answer is a 503
    return Response({"status": "ok"})
