"""The page test's database: `database_url`, a database of its own with the users table.

In the monorepo, it is the database the root conftest builds for the module from the shared
schema (its `schema_url` fixture). In a project generated from this folder (`rosetta new`),
where that fixture does not exist, it is made on the server DATABASE_URL names and built by
the package's own `migrate.apply_schema`; the database DATABASE_URL names is not touched.
"""

import importlib
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql


@pytest.fixture(scope="module")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    try:
        monorepo_url: str = request.getfixturevalue("schema_url")
    except pytest.FixtureLookupError:
        pass
    else:
        yield monorepo_url
        return
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        pytest.fail("set DATABASE_URL to a PostgreSQL server the tests may create a database on")
    name = f"test_page_{os.getpid()}"
    database = sql.Identifier(name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(database))
    url = urlsplit(server_url)._replace(path=f"/{name}").geturl()
    # Only a generated project has this module (the monorepo's schema is beside it, not in it).
    importlib.import_module("rosetta_fasthtml.migrate").apply_schema(url)
    yield url
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(database))
