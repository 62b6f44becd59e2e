"""The suite's plugin: which implementations and transports to run, one fresh database
per implementation, an empty table per test, and an `httpx.Client` for the tests.

    --impl       a name, a comma list, or `all` (default), from the registry
    --transport  `inproc` (ASGI with lifespan, WSGI; the default) or `live` (real servers)
    --server     with live: one of the servers the implementation declares, or `all`
    --base-url   any running service instead; tests that need to empty the table or reach
                 the database are skipped unless DATABASE_URL names its database

Frameworks keep process-global state (Django's settings, Tortoise's registry), so when
several implementations are selected each one runs in its own pytest-xdist worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest

from conformance.proxy import TcpProxy
from conformance.support import POOL_SIZE, Service, create_user, register_markers
from conformance.transports import BASE_URL, ASGIPortal, wsgi_transport
from rosetta import registry
from rosetta.database import admin_url, create_database, drop_database
from rosetta.ports import free_port
from rosetta.registry import Implementation
from rosetta.servers import LiveServer

__all__ = ["create_user"]  # a fixture, shared with the starters (see support.py)


@dataclass(frozen=True)
class Target:
    """One implementation under one transport (and server, when live)."""

    impl: Implementation | None  # None: --base-url
    server: str | None = None  # None: in-process

    @property
    def id(self) -> str:
        if self.impl is None:
            return "base-url"
        return self.impl.name if self.server is None else f"{self.impl.name}-{self.server}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rosetta", "rosetta conformance")
    group.addoption("--impl", default="all", help="implementation(s): a name, a comma list, all")
    group.addoption("--transport", choices=("inproc", "live"), default="inproc")
    group.addoption("--server", default="all", help="with --transport=live: a server, or all")
    group.addoption("--base-url", default=None, help="test a running service at this URL")


def targets(config: pytest.Config) -> list[Target]:
    if config.getoption("base_url"):
        return [Target(None)]
    try:
        impls = registry.select(config.getoption("impl"))
    except registry.RegistryError as exc:
        raise pytest.UsageError(str(exc)) from None
    live = config.getoption("transport") == "live"
    server = config.getoption("server")
    found = []
    for impl in impls:
        if not live and impl.in_process:
            found.append(Target(impl))
            continue
        servers = impl.servers if live else impl.servers[:1]  # native servers: live only
        if live and server != "all":
            if server not in impl.servers:
                continue
            servers = (server,)
        found += [Target(impl, name) for name in servers]
    if not found:
        raise pytest.UsageError(f"no implementation selected runs under --server={server}")
    return found


def pytest_configure(config: pytest.Config) -> None:
    register_markers(config)
    if hasattr(config, "workerinput") or config.getoption("collectonly"):
        return
    selected = targets(config)
    if config.getoption("base_url"):
        return
    # One worker per implementation, unless the user chose the workers (-n).
    impls = {target.impl.name for target in selected if target.impl is not None}
    if (
        len(impls) > 1
        and config.pluginmanager.has_plugin("xdist")
        and not config.option.numprocesses
    ):
        config.option.numprocesses = len(impls)
        config.option.tx = ["popen"] * len(impls)
        config.option.dist = "loadscope"


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Hand out each implementation's tests as one unit of work, so that no worker runs two
    implementations. With as many workers as implementations, and the implementations the
    largest units (handed out first), every worker gets exactly one; the repository's own
    tests fill in around them."""
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    # A test's parameters start with its target's id (see pytest_generate_tests); the
    # longest id first, so that `fastapi-granian` is found before `fastapi`.
    impls = {target.id: target.impl.name for target in targets(config) if target.impl is not None}
    ids = sorted(impls, key=len, reverse=True)

    class ImplementationScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            if not nodeid.startswith("conformance/"):
                return nodeid
            params = nodeid.partition("[")[2].removesuffix("]")
            found = next((i for i in ids if params == i or params.startswith(f"{i}-")), None)
            return nodeid if found is None else impls[found]

    return ImplementationScheduling(config, log)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        params = [pytest.param(target, id=target.id) for target in targets(metafunc.config)]
        metafunc.parametrize("target", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    param: Target = request.param
    return param


@pytest.fixture(scope="session")
def service(target: Target, pytestconfig: pytest.Config) -> Iterator[Service]:
    if target.impl is None:
        base_url = pytestconfig.getoption("base_url")
        yield Service(None, base_url.rstrip("/"), os.environ.get("DATABASE_URL"))
        return
    impl = target.impl
    name = f"conformance_{impl.name}_{os.getpid()}"  # unique to this run and worker
    database_url = create_database(admin_url(), name)
    yield from _serve(target, impl, database_url)
    drop_database(admin_url(), name)


def _serve(target: Target, impl: Implementation, database_url: str) -> Iterator[Service]:
    with TcpProxy.to_database(database_url) as proxy:
        app_database_url = proxy.route(database_url)
        if target.server is not None:
            env = {"DATABASE_URL": app_database_url, "DATABASE_POOL_SIZE": str(POOL_SIZE)}
            with LiveServer(impl, target.server, free_port(), env) as live:
                yield Service(None, live.url, database_url, proxy)
            return
        # In-process, the harness hands the factory its settings (see rosetta.registry).
        app = impl.load_app(app_database_url, POOL_SIZE)
        if impl.interface == "wsgi":
            yield Service(wsgi_transport(app), BASE_URL, database_url, proxy)
            return
        portal = ASGIPortal(app)
        portal.start()
        try:
            yield Service(portal, BASE_URL, database_url, proxy)
        finally:
            portal.stop()


def connect(database_url: str) -> psycopg.Connection[Any]:
    """A connection of the test's own, for this test only (one held per worker for the
    whole run, beside the pools, passed max_connections with nineteen members). A lock
    left by a stalled request waits at most 5 s."""
    return psycopg.connect(database_url, autocommit=True, options="-c lock_timeout=5s")


@pytest.fixture
def database(service: Service) -> Iterator[psycopg.Connection[Any]]:
    if service.database_url is None:
        pytest.skip("needs the service's database: set DATABASE_URL along with --base-url")
    with connect(service.database_url) as conn:
        yield conn


@pytest.fixture
def client(service: Service, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """A client of the implementation; with an empty table unless run on --base-url."""
    if service.database_url is not None:
        with connect(service.database_url) as conn:
            conn.execute("DELETE FROM users")
    elif request.node.get_closest_marker("empty_table"):
        pytest.skip("needs an empty table: set DATABASE_URL along with --base-url")
    with service.client() as http:
        yield http


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per implementation with the round trips test_round_trips.py measured (its
    `round_trips` property: target, position, measure; in --junitxml too)."""
    found: dict[str, list[tuple[int, str]]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue  # the teardown's report carries the properties again
            for name, value in report.user_properties:
                if name == "round_trips":
                    target, position, measured = value
                    found.setdefault(target, []).append((position, measured))
    for target, measures in sorted(found.items()):
        line = ", ".join(measured for _, measured in sorted(measures))
        terminalreporter.write_line(f"round trips, {target}: {line}")
