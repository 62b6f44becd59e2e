"""Round trips to PostgreSQL per operation, in the steady state, held to the budgets of
shared_contract/README.md ("Database round trips").

A round trip is one ReadyForQuery from the server, counted by the suite's proxy over
every connection of the implementation. Each operation is first sent WARM_UP times (pools
filled, statement caches and lazy imports warm), then counted over MEASURED requests one
at a time, each from a quiet link to a quiet link, so that what a stack does after it has
answered (a pool's reset on release, a session closed after the response) is counted too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

import httpx
import pytest

from conformance.conftest import Target
from conformance.contract import CONTRACT
from conformance.support import CreateUser, Service, unique_email

User = dict[str, Any]
README = CONTRACT.with_name("README.md")
# The root README's matrix shows the counts of these, in this order (`GET/list/POST/...`).
MATRIX = CONTRACT.parents[1] / "README.md"
MATRIX_OPERATIONS = ("get_user", "list_users", "create_user", "update_user", "delete_user")
WARM_UP = 30  # enough to pass psycopg's prepare threshold (5) on each of 4 pooled connections
MEASURED = 3


class Budget(NamedTuple):
    plain: int  # the framework-free baseline's count
    session: int  # on a SQLAlchemy or SQLModel Session, a transaction around every unit of work


# The table of shared_contract/README.md, "Database round trips" (a test keeps them equal).
BUDGETS = {
    "get_user": Budget(2, 3),
    "list_users": Budget(5, 5),
    "list_users_by_email": Budget(5, 5),
    "create_user": Budget(2, 3),
    "update_user": Budget(2, 3),
    "delete_user": Budget(2, 3),
    "health": Budget(2, 3),
}
SESSION_STACKS = ("SQLAlchemy", "SQLModel")  # named in the data layer an implementation registers

# (implementation, operation): why it is over budget, with the count measured.
OVER_BUDGET: dict[tuple[str, str], str] = {
    ("sanic", "update_user"): (
        "4 round trips: Tortoise's update() has no RETURNING (tortoise/tortoise-orm#1357), so"
        " the UPDATE and then a SELECT, each on its own pooled connection with its reset"
    ),
}


class Operation(NamedTuple):
    label: str  # as in the README matrix
    status: int
    send: Callable[[httpx.Client, User], httpx.Response]
    fresh_user: bool = False  # each request consumes a user, created before counting starts


OPERATIONS = {
    "get_user": Operation("GET", 200, lambda client, user: client.get(f"/users/{user['id']}")),
    "list_users": Operation("list", 200, lambda client, user: client.get("/users")),
    "list_users_by_email": Operation(
        "list?email",
        200,
        lambda client, user: client.get("/users", params={"email": user["email"]}),
    ),
    "create_user": Operation(
        "POST",
        201,
        lambda client, user: client.post("/users", json={"email": unique_email(), "name": "x"}),
    ),
    "update_user": Operation(
        "PATCH",
        200,
        lambda client, user: client.patch(f"/users/{user['id']}", json={"name": uuid.uuid4().hex}),
    ),
    "delete_user": Operation(
        "DELETE", 204, lambda client, user: client.delete(f"/users/{user['id']}"), fresh_user=True
    ),
    "health": Operation("health", 200, lambda client, user: client.get("/health")),
}


def budget(data_layer: str, operation: str) -> int:
    plain, session = BUDGETS[operation]
    return session if any(stack in data_layer for stack in SESSION_STACKS) else plain


def matrix_counts(name: str) -> dict[str, int] | None:
    """The round trips the README's matrix shows for an implementation (None: no row, as
    in a starter's README)."""
    if not MATRIX.exists() or "<!-- matrix: begin -->" not in (text := MATRIX.read_text()):
        return None
    block = text.partition("<!-- matrix: begin -->")[2].partition("<!-- matrix: end -->")[0]
    for line in block.splitlines():
        if line.startswith(f"| [{name}]"):
            cell = next(c for c in line.split("|") if re.fullmatch(r" [0-9/]+ ", c))
            return dict(zip(MATRIX_OPERATIONS, map(int, cell.split("/")), strict=True))
    return None


def spread(counts: list[int]) -> str:
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}-{high}"


@pytest.mark.database
@pytest.mark.parametrize("operation", OPERATIONS)
def test_round_trips_within_budget(
    target: Target,
    service: Service,
    client: httpx.Client,
    create_user: CreateUser,
    operation: str,
    request: pytest.FixtureRequest,
    record_property: Callable[[str, object], None],
) -> None:
    if service.proxy is None or target.impl is None:
        pytest.skip("needs the proxy in front of the database (not available with --base-url)")
    if reason := OVER_BUDGET.get((target.impl.name, operation)):
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    op, round_trips = OPERATIONS[operation], service.proxy.round_trips
    users = [create_user() for _ in range(3)]  # a list with a page to show

    def send(user: User) -> None:
        response = op.send(client, user)
        assert response.status_code == op.status, response.text

    for _ in range(WARM_UP):
        send(create_user() if op.fresh_user else users[0])
    # (round trips, whether a connection was opened meanwhile), one request at a time
    samples: list[tuple[int, bool]] = []
    while len(samples) < MEASURED * 3 and sum(not new for _, new in samples) < MEASURED:
        user = create_user() if op.fresh_user else users[0]
        round_trips.settle()
        round_trips.reset()
        opened = round_trips.opened
        send(user)
        samples.append((round_trips.settle(), round_trips.opened != opened))
    # A request during which a pool opened a connection (its growth after an earlier test's
    # concurrency, finishing late on a loaded machine) is not the steady state; a stack that
    # opens one for every request never reaches it, and all its requests are counted.
    steady = [count for count, new in samples if not new]
    counts = steady if len(steady) == MEASURED else [count for count, _ in samples]
    assert round_trips.unreadable == 0, "the proxy could not read some connections (TLS?)"
    allowed = budget(target.impl.data_layer, operation)
    position, measured = list(OPERATIONS).index(operation), f"{op.label} {spread(counts)}"
    record_property("round_trips", (target.id, position, measured))
    shown = matrix_counts(target.impl.name) or {}
    assert shown.get(operation, max(counts)) == max(counts), (
        f"{op.label}: {spread(counts)} round trips, the README's matrix says {shown[operation]}"
    )
    assert max(counts) <= allowed, (
        f"{op.label}: {spread(counts)} round trips, budget {allowed} ({target.impl.data_layer})"
    )


def test_round_trip_budgets_match_the_contract_readme() -> None:
    section = README.read_text().partition("## Database round trips")[2].partition("\n## ")[0]
    rows = re.findall(r"^\| `(\w+)` \|[^|]*\| (\d+) \| (\d+) \|", section, re.M)
    assert {name: Budget(int(plain), int(session)) for name, plain, session in rows} == BUDGETS
