"""Schemathesis against the contract: requests generated from shared_contract/openapi.yaml
in all its phases (examples, coverage and fuzzing per operation, valid and invalid data;
stateful sequences along the links it infers), each answer held to every check
Schemathesis has (none is left out: none contradicts the contract). It reads the
contract, not the served document, and talks to the implementation under test through
the suite's own client (in-process, or a live server), so that lifespans, the database
and the proxy are the suite's.

Bounded so that an implementation takes seconds: MAX_EXAMPLES per operation in the
fuzzing phase and sequences in the stateful one, derandomized (a fixed seed). The same
run from the command line, with another seed and 500 examples, is in the README.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import psycopg
import pytest
import requests
import schemathesis
from requests.adapters import BaseAdapter, HTTPAdapter
from schemathesis.specs.openapi.schemas import OpenApiSchema
from urllib3 import HTTPHeaderDict, HTTPResponse

from conformance import contract
from conformance.conftest import Target
from conformance.support import MULTIPART, Service
from conformance.test_hostile import FRAMEWORK_LIMITS, implementation_of

MAX_EXAMPLES = 25
pytestmark = [
    # Hypothesis warns when the global `random` moves while it draws a case; here that is
    # the app under test, which runs in another thread (a pool's jitter), not the strategies.
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module inside strategies"
        ":hypothesis.errors.HypothesisDeprecationWarning"
    ),
    # An operation's phases, or 25 stateful sequences: seconds on a quiet machine, over the
    # suite's 120 s when a full run shares 2 cores among every member's servers (a Django
    # member's stateful test, and Starlette's under uvicorn live, were cut off there).
    pytest.mark.timeout(300),
]
STEPS = 10  # calls per stateful sequence at most


class SuiteAdapter(BaseAdapter):
    """requests' transport (what Schemathesis sends with) over the suite's httpx client:
    the request as prepared, the answer as received."""

    def __init__(self, client: httpx.Client) -> None:
        super().__init__()
        self._client = client

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        assert body is None or isinstance(body, bytes), "Schemathesis sends bodies whole"
        headers = {
            name: value.decode("latin-1") if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        answer = self._client.request(
            str(request.method), str(request.url), headers=headers, content=body
        )
        raw = HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=HTTPHeaderDict(answer.headers.multi_items()),
            status=answer.status_code,
            reason=answer.reason_phrase,
            version=11,
            preload_content=False,
            decode_content=False,
        )
        return HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        pass  # the client belongs to the suite's fixture


@pytest.fixture
def session(client: httpx.Client) -> Iterator[requests.Session]:
    with requests.Session() as http:
        adapter = SuiteAdapter(client)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        yield http


def is_multipart(case: schemathesis.Case[Any]) -> bool:
    content_type = case.headers.get("Content-Type") or case.media_type or ""
    return content_type.startswith(MULTIPART.split(";")[0])


@pytest.fixture
def contract_schema(service: Service, target: Target) -> OpenApiSchema:
    schema = schemathesis.openapi.from_path(contract.CONTRACT)
    schema.config.update(base_url=service.base_url)
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    # What a framework answers before the member's code runs (Robyn's Rust core: unknown
    # methods, multipart content types, after which the connection stops answering) is a
    # strict xfail in test_hostile.py and in the README matrix; Schemathesis checks the rest.
    limits = FRAMEWORK_LIMITS.get(implementation_of(target) or "", {})
    if "unknown-method" in limits:
        schema.config.checks.update(excluded_check_names=["unsupported_method"])
    if "multipart-get" in limits:
        schema.hook("filter_case")(lambda context, case: not is_multipart(case))
    return schema


@pytest.fixture(autouse=True)
def _nodeid(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32 reads and writes `Node._nodeid`, which pytest 9.2 no longer has
    (`nodeid` is a property over `_id` now): give it the attribute it reads."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("contract_schema")


@schema.parametrize()
def test_schemathesis(case: schemathesis.Case[Any], session: requests.Session) -> None:
    case.call_and_validate(session=session)


def test_schemathesis_stateful(
    contract_schema: OpenApiSchema,
    session: requests.Session,
    database: psycopg.Connection[Any],
) -> None:
    """Sequences of calls along the links Schemathesis infers from the contract (a created
    user's id into GET, PATCH and DELETE), which reach the users that exist and run the
    checks that need a sequence (use_after_free, ensure_resource_availability). Each
    sequence starts on an empty table, so that replaying one gives the same answers."""

    class Workflow(contract_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            database.execute("DELETE FROM users")

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"session": session}

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
        )
    )
