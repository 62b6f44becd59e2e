"""One PostgreSQL server for the whole test run, shared by every worker.

`DATABASE_URL` names a server to use (each test module makes its own databases on it);
without it, the run starts an embedded PostgreSQL of its own in a temporary folder and
removes it at the end, so that runs side by side never share a server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from rosetta.database import EmbeddedPostgres, create_database, drop_database

ADMIN_URL = "ROSETTA_TEST_ADMIN_URL"  # passed from the controller to its workers


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or ADMIN_URL in os.environ:
        return
    if config.getoption("base_url", None):
        return  # the conformance suite is pointed at a running service
    url = os.environ.get("DATABASE_URL")
    if not url:
        embedded = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="rosetta-test-")))
        url = embedded.start()
        config.add_cleanup(lambda: shutil.rmtree(embedded.path, ignore_errors=True))
        config.add_cleanup(embedded.stop)
    os.environ[ADMIN_URL] = url


def admin_url() -> str:
    return os.environ[ADMIN_URL]


@pytest.fixture(scope="module")
def schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database built from db/, for this module and this worker only."""
    name = f"test_{request.module.__name__.rpartition('.')[2]}_{os.getpid()}".lower()
    url = create_database(admin_url(), name)
    yield url
    drop_database(admin_url(), name)


@pytest.fixture
def users_db(schema_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the module's database, its users table empty."""
    with psycopg.connect(schema_url, autocommit=True) as conn:
        conn.execute("DELETE FROM users")
        yield conn
