"""The README matrix names every strict xfail the suite declares for a framework, a server
or a budget, in the conformance cell of each implementation it applies to, and no gap the
suite does not declare: `strict xfails: CL+TE and 100 Continue under hypercorn; ...`."""

import re
from pathlib import Path

import pytest

from conformance.test_hostile import FRAMEWORK_LIMITS
from conformance.test_http import SERVER_LIMITS
from conformance.test_round_trips import OPERATIONS, OVER_BUDGET
from rosetta import registry
from rosetta.site import readme_matrix

README = Path(__file__).parents[1] / "README.md"
# Each check's name in the matrix (the README's list below the matrix explains them).
LABELS = {
    "smuggling-cl-te": "CL+TE",
    "expect-continue": "100 Continue",
    "unknown-method": "unknown method",
    "early-query": "unknown method",
    "early-propfind": "unknown method",
    "multipart-get": "multipart",
}
Gap = tuple[str, str | None]  # a check's label, and the server it applies under (or None)


def declared(impl: registry.Implementation) -> set[Gap]:
    gaps = {
        (LABELS[check], server)
        for server in impl.servers
        for limits in (SERVER_LIMITS.get(server, {}), FRAMEWORK_LIMITS.get(impl.name, {}))
        for check in limits
    }
    over = {op for name, op in OVER_BUDGET if name == impl.name}
    return gaps | {(f"{OPERATIONS[op].label} round trips", None) for op in over}


def named(cell: str) -> set[Gap]:
    """The gaps a conformance cell names: groups `A, B and C under server` after
    `strict xfails:`, separated by semicolons (a group without `under` has no server)."""
    listed = cell.partition("strict xfails: ")[2]
    gaps: set[Gap] = set()
    for group in filter(None, (g.strip() for g in listed.split(";"))):
        if group == "no in-process interface":
            continue
        labels, _, server = group.partition(" under ")
        for label in re.split(r", | and ", labels):
            for each in server.split(" and ") if server else [None]:
                gaps.add((label, each))
    return gaps


@pytest.mark.parametrize("name", sorted(registry.implementations()))
def test_the_matrix_names_each_known_gap(name: str) -> None:
    impl = registry.implementations()[name]
    cell = readme_matrix(README.read_text())[name]["conformance"]
    assert named(cell) == declared(impl), cell


def test_a_cell_is_read_as_the_readme_writes_it() -> None:
    cell = "pass (a, b); strict xfails: CL+TE and 100 Continue under a and b; PATCH round trips"
    assert named(cell) == {
        ("CL+TE", "a"), ("CL+TE", "b"), ("100 Continue", "a"), ("100 Continue", "b"),
        ("PATCH round trips", None),
    }  # fmt: skip
    assert named("all pass live (a); no in-process interface") == set()
