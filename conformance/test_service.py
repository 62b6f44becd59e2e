"""health, unknown routes, wrong methods, the OpenAPI document, and the database going away."""

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from openapi_spec_validator import validate

from conformance import contract
from conformance.contract import assert_json, assert_problem
from conformance.support import Service, unique_email


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


UNREACHABLE_WITHIN = 10.0  # seconds: connection attempts time out after 5 s at most


@pytest.mark.database
def test_database_unreachable_gives_503_then_recovers(
    client: httpx.Client, service: Service
) -> None:
    """Cut the link to Postgres: health and every operation answer 503 problems, quickly;
    restore it: the same process answers normally again, no restart."""
    if service.proxy is None:
        pytest.skip("needs control of the database link (not available with --base-url)")
    user = assert_json(client.post("/users", json={"email": unique_email(), "name": "x"}), 201)
    requests = [
        ("GET", "/health", None),
        ("GET", "/users", None),
        ("POST", "/users", {"email": unique_email(), "name": "x"}),
        ("GET", f"/users/{user['id']}", None),
        ("PATCH", f"/users/{user['id']}", {"name": "y"}),
        ("DELETE", f"/users/{user['id']}", None),
    ]

    def timed(method: str, path: str, body: object) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = client.request(method, path, json=body)
        return response, time.monotonic() - started

    service.proxy.cut()
    try:
        # All at once: a pool may wait up to its timeout before giving up on each.
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            answers = list(pool.map(lambda request: timed(*request), requests))
    finally:
        service.proxy.restore()
    for (method, path, _), (response, elapsed) in zip(requests, answers, strict=True):
        assert_problem(response, 503)
        assert elapsed < UNREACHABLE_WITHIN, f"{method} {path} took {elapsed:.1f} s"
    deadline = time.monotonic() + 15
    while client.get("/health").status_code != 200:
        assert time.monotonic() < deadline, "the service did not recover within 15 s"
        time.sleep(0.2)
    assert assert_json(client.get(f"/users/{user['id']}"), 200) == user
