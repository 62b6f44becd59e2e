"""Where the tooling's PostgreSQL comes from: `DATABASE_URL` is the app's database,
`ROSETTA_ADMIN_URL` a server to create databases on, and the old meaning of
`DATABASE_URL` for the tests and the benchmark still works for one release, with a
deprecation message that does not break a run with warnings as errors."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from rosetta import database

ROOT = Path(__file__).resolve().parents[1]
PROBE = "from rosetta import database; print(database.configured_admin_url()); " * 2


def environment(**names: str) -> dict[str, str]:
    """This environment without either database variable, plus `names`."""
    env = {k: v for k, v in os.environ.items() if k not in {database.APP_URL, database.ADMIN_URL}}
    return env | names


def test_admin_url_from_database_url_is_deprecated_once() -> None:
    probe = subprocess.run(
        [sys.executable, "-W", "error", "-c", PROBE],
        env=environment(DATABASE_URL="postgresql://old@db/postgres"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split() == ["postgresql://old@db/postgres"] * 2
    (message,) = probe.stderr.splitlines()
    assert message.startswith("DeprecationWarning: DATABASE_URL as the server")
    assert "set ROSETTA_ADMIN_URL instead" in message


def test_admin_url_takes_rosetta_admin_url_first() -> None:
    probe = subprocess.run(
        [sys.executable, "-W", "error", "-c", PROBE],
        env=environment(ROSETTA_ADMIN_URL="postgresql://new@db/postgres", DATABASE_URL="x"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split() == ["postgresql://new@db/postgres"] * 2
    assert probe.stderr == ""


@pytest.mark.timeout(300)  # a whole pytest run in a subprocess
def test_tests_run_on_the_deprecated_database_url() -> None:
    """The whole run takes the old name, says so once, and passes under warnings as errors."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_schema.py", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=environment(DATABASE_URL=database.admin_url()),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (run.stdout + run.stderr).count("DeprecationWarning: DATABASE_URL") == 1


def test_server_named_in_the_environment_inside_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    named = database.admin_url()
    monkeypatch.delenv(database.ADMIN_URL)
    with pytest.raises(LookupError, match="ROSETTA_ADMIN_URL is not set"):
        database.admin_url()
    monkeypatch.setenv(database.APP_URL, named)  # the deprecated name, said on stderr
    with database.server() as server:
        assert server == database.Server(named, embedded=False)
        assert database.admin_url() == named
    assert database.ADMIN_URL not in os.environ


def test_app_database_is_database_url_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(database.APP_URL, "postgresql://app@db/users")
    monkeypatch.setenv(database.ADMIN_URL, "postgresql://unreachable:1/postgres")
    with database.app_database() as url:
        assert url == "postgresql://app@db/users"


def test_app_database_made_on_the_admin_server_and_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(database.APP_URL, raising=False)
    name = f"test_app_{uuid.uuid4().hex[:8]}"
    try:
        with database.app_database(name) as url, psycopg.connect(url, autocommit=True) as conn:
            assert url == database.with_database(database.admin_url(), name)
            conn.execute("INSERT INTO users (email, name) VALUES ('a@example.com', 'A')")
        with database.app_database(name) as again, psycopg.connect(again) as conn:
            assert again == url
            assert conn.execute("SELECT count(*) FROM users").fetchone() == (1,)
    finally:
        database.drop_database(database.admin_url(), name)
