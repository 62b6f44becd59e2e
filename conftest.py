"""One PostgreSQL server for the whole test run, shared by every worker.

`ROSETTA_ADMIN_URL` names a server to use (each test module makes its own databases on
it); without it, the run starts an embedded PostgreSQL of its own in a temporary folder and
removes it at the end, so that runs side by side never share a server (see
`rosetta.database`, which also tells the workers where it is).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conformance.support import register_markers
from rosetta import database


def pytest_configure(config: pytest.Config) -> None:
    # The suite's marks, for tests/ too: tests/test_known_gaps.py imports its modules.
    register_markers(config)
    if hasattr(config, "workerinput"):
        return  # the controller's server, named in the environment it passed on
    if config.getoption("base_url", None):
        return  # the conformance suite is pointed at a running service
    run = contextlib.ExitStack()
    config.add_cleanup(run.close)
    data = run.enter_context(
        tempfile.TemporaryDirectory(prefix="rosetta-test-", ignore_cleanup_errors=True)
    )
    run.enter_context(database.server(Path(data)))


@pytest.fixture(scope="module")
def schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database built from db/, for this module and this worker only."""
    name = f"test_{request.module.__name__.rpartition('.')[2]}_{os.getpid()}".lower()
    url = database.create_database(database.admin_url(), name)
    yield url
    database.drop_database(database.admin_url(), name)


@pytest.fixture
def users_db(schema_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the module's database, its users table empty."""
    with psycopg.connect(schema_url, autocommit=True) as conn:
        conn.execute("DELETE FROM users")
        yield conn
