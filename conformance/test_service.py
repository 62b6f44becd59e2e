"""health, unknown routes, wrong methods, the OpenAPI document, and the database going away."""

import httpx
import pytest
from openapi_spec_validator import validate

from conformance import contract
from conformance.contract import assert_json, assert_problem


def test_health(client: httpx.Client) -> None:
    assert assert_json(client.get("/health"), 200, "Health") == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/nope", id="unknown-path"),
        pytest.param("GET", "/users/1/extra", id="below-a-user"),
        pytest.param("GET", "/userss", id="near-miss"),
        pytest.param("POST", "/nope", id="unknown-path-post"),
        pytest.param("GET", "/", id="root"),
    ],
)
def test_unknown_route(client: httpx.Client, method: str, path: str) -> None:
    assert_problem(client.request(method, path), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        pytest.param("PUT", "/users", {"GET", "POST"}, id="put-users"),
        pytest.param("DELETE", "/users", {"GET", "POST"}, id="delete-users"),
        pytest.param("PATCH", "/users", {"GET", "POST"}, id="patch-users"),
        pytest.param("PUT", "/users/1", {"GET", "PATCH", "DELETE"}, id="put-user"),
        pytest.param("POST", "/users/1", {"GET", "PATCH", "DELETE"}, id="post-user"),
        pytest.param("POST", "/health", {"GET"}, id="post-health"),
        pytest.param("DELETE", "/health", {"GET"}, id="delete-health"),
    ],
)
def test_wrong_method(client: httpx.Client, method: str, path: str, allowed: set[str]) -> None:
    response = client.request(method, path)
    assert_problem(response, 405)
    methods = {m.strip().upper() for m in response.headers.get("allow", "").split(",")}
    assert methods - {"HEAD", "OPTIONS"} == allowed


def test_openapi_document_is_valid(client: httpx.Client) -> None:
    validate(assert_json(client.get("/openapi.json"), 200))


def test_openapi_document_is_equivalent_to_the_contract(client: httpx.Client) -> None:
    """Paths, methods, operationIds, parameters, status codes and schemas, compared
    structurally; generated documents need not be textually equal to the contract."""
    served = contract.summarize(assert_json(client.get("/openapi.json"), 200))
    found = contract.differences(contract.summarize(contract.document()), served)
    assert not found, "the served document differs from the contract:\n" + "\n".join(found)
