"""`rosetta new`, proven the way cookiecutter-django proves its template: for every
registered implementation, generate a starter, install it from its own lock, run its own
tests on a fresh database, and find nothing in it that points back at this repository.
Mistakes in the arguments are one-line errors that write nothing.

The generation test makes all the starters at once (a thread per implementation, each
driving `rosetta new` and `uv sync --locked` in subprocesses), then runs their tests, a few
at a time (`uv run pytest`), on an embedded PostgreSQL of its own: the starters' tests hold
many connections, more than the suite's server can spare while the suite runs beside them.
It is the slow one; while iterating, deselect it with `-k 'not generated'`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import yaml

from conformance.support import NOT_APPLICABLE
from rosetta import cli, new, registry, servers
from rosetta.embedded import EmbeddedPostgres

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the monorepo's tools: rosetta, check-jsonschema, hadolint
PACKAGE = "users_service"
PROBLEM_BASE = "https://users.example.org/problems/"  # not the default: shows it is rewritten
# What no line of a starter may hold: paths and names that only mean something here.
MONOREPO_MENTIONS = re.compile(
    "|".join(
        [
            *map(re.escape, ("implementations/", "shared_contract", "../", str(ROOT))),
            *map(re.escape, ("db/schema.sql", "rosetta serve", registry.GROUP, new.PROBLEM_BASE)),
            r"^\s*(from|import) (rosetta|conftest|conformance)\b",  # the tooling, the suite
            rf"\brosetta[_-]({'|'.join(map(re.escape, registry.names()))})\b",
        ]
    )
)
IGNORED = {".venv", "__pycache__", ".pytest_cache"}
# The modules the starter's templates write, linted as this repository lints its own code.
RENDERED = ["tests/conformance/conftest.py", f"{PACKAGE}/migrate.py"]
RUFF = ["--no-cache", "--isolated", "--line-length=100"]
LINT = "--select=E,F,W,I,B,UP,SIM,RUF,ASYNC,PT,C4,RET,N"
COMPOSE_SCHEMA = ["--builtin-schema", "vendor.compose-spec"]  # as .ci/static-checks does
TEST_RUNS = 2 * (os.cpu_count() or 1)  # starters whose tests run at once


def rosetta_new(*args: str) -> int:
    """`rosetta new ARGS` in this process; its exit status."""
    try:
        return cli.main(["new", *args])
    except SystemExit as exc:
        return int(exc.code or 0)


# --- mistakes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["nope", "{dir}"], "no implementation named 'nope'", id="unknown-impl"),
        pytest.param(
            ["flask", "{dir}", "--package", "users-service"], "not a valid package", id="dash"
        ),
        pytest.param(["flask", "{dir}", "--package", "1users"], "not a valid package", id="digit"),
        pytest.param(["flask", "{dir}", "--package", "class"], "not a valid package", id="keyword"),
        pytest.param(["flask", "{dir}", "--package", "tests"], "test folder", id="tests"),
        pytest.param(["flask", "{dir}", "--package", "json"], "standard library", id="stdlib"),
        pytest.param(["flask", "{dir}", "--package", "werkzeug"], "module of", id="a-dependency"),
        pytest.param(["flask", "{parent}/flask"], "module of", id="derived-shadows-flask"),
        pytest.param(["flask", "{parent}/2026"], "no package name follows", id="derived-digits"),
        pytest.param(
            ["flask", "{dir}", "--problem-base", "https://x.example/problems"],
            "must be an http(s) URL ending in '/'",
            id="base-without-slash",
        ),
        pytest.param(
            ["flask", "{dir}", "--problem-base", "urn:problems/"],
            "must be an http(s) URL",
            id="base-not-http",
        ),
    ],
)
def test_new_mistakes_are_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    parent = tmp_path / "work"
    parent.mkdir()
    argv = [a.format(dir=parent / "svc", parent=parent) for a in args]
    assert rosetta_new(*argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rosetta: "), err
    assert message in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert list(parent.iterdir()) == []


@pytest.mark.parametrize("existing", ["file-inside", "a-file"])
def test_new_refuses_what_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], existing: str
) -> None:
    target = tmp_path / "svc"
    if existing == "a-file":
        target.write_text("mine")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    before = sorted(tmp_path.rglob("*"))
    assert rosetta_new("flask", str(target)) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"rosetta: {target} already exists and is not an empty folder"
    assert sorted(tmp_path.rglob("*")) == before


def test_new_failing_late_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after files were written (here, `uv lock`) removes the staging folder."""

    def fail(stage: Path) -> None:
        assert (stage / "pyproject.toml").exists()
        raise new.GenerationError("uv lock failed in the starter: no network")

    monkeypatch.setattr(new, "lock", fail)
    assert rosetta_new("flask", str(tmp_path / "svc")) == 1
    assert capsys.readouterr().err.strip() == "rosetta: uv lock failed in the starter: no network"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("folder", "package"),
    [("svc", "svc"), ("users-service", "users_service"), ("My Service.v2", "my_service_v2")],
)
def test_new_derives_the_package_from_the_folder(folder: str, package: str) -> None:
    assert new.derive_package(Path("/tmp", folder)) == package


# --- generation ------------------------------------------------------------------------


@dataclass
class Starter:
    """One implementation's starter, as generated and tested here."""

    impl: registry.Implementation
    path: Path
    server_url: str  # the PostgreSQL server its tests create their database on
    installed: bool = False
    steps: dict[str, float] = field(default_factory=dict)  # seconds each step took
    failures: list[str] = field(default_factory=list)


def starter_env(server_url: str) -> dict[str, str]:
    """This machine's environment, less what points into the monorepo's test run (Django's
    settings module too, set by the first Django member this worker imported: the Django
    starter's tests then looked for `rosetta_drf`), and the server the starter's tests
    create their database on."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "ROSETTA_", "UV_PROJECT"))
        and k not in {"VIRTUAL_ENV", "PYTHONPATH", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return {**env, "UV_PYTHON_DOWNLOADS": "never", "DATABASE_URL": server_url}


def run(
    starter: Starter, step: str, argv: list[str], cwd: Path | None = None, timeout: float = 300
) -> bool:
    """Run a step in the starter's folder (or `cwd`); record its time and its failure."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv,
            cwd=cwd or starter.path,
            env=starter_env(starter.server_url),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        starter.failures.append(f"{step}: no answer in {timeout:.0f} s")
        return False
    finally:
        starter.steps[step] = time.monotonic() - started
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-3000:]
        starter.failures.append(f"{step} exited {done.returncode}:\n{output}")
    return done.returncode == 0


def text_files(root: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not IGNORED & set(path.relative_to(root).parts):
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def mentions(root: Path) -> list[str]:
    """Every line of the starter that names a path or name of the monorepo."""
    found = []
    for path, text in text_files(root):
        if path.name == "uv.lock":
            continue  # uv's own record of the resolution
        for number, line in enumerate(text.splitlines(), 1):
            if hit := MONOREPO_MENTIONS.search(line):
                where = f"{path.relative_to(root)}:{number}"
                found.append(f"{where}: {hit.group()!r} in {line.strip()[:120]}")
    return found


def results_of(report: Path) -> tuple[dict[str, int], list[str]]:
    """The counts of a JUnit report, and the reasons of its skips (xfails apart)."""
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite[0]
    counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
    skips = [
        skipped.get("message", "")
        for skipped in suite.iter("skipped")
        if skipped.get("type") != "pytest.xfail"
    ]
    return counts, skips


def locked_versions(lock: Path) -> dict[str, set[str]]:
    versions: dict[str, set[str]] = {}
    for package in tomllib.loads(lock.read_text())["package"]:
        versions.setdefault(package["name"], set()).add(package.get("version", ""))
    return versions


def check_files(starter: Starter) -> None:
    """What the starter holds, read statically."""
    root, impl = starter.path, starter.impl
    starter.failures += [f"mentions the monorepo: {line}" for line in mentions(root)]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    if pyproject["project"]["name"] != PACKAGE.replace("_", "-"):
        starter.failures.append(f"distribution {pyproject['project']['name']}")
    if "entry-points" in pyproject["project"]:
        starter.failures.append("pyproject.toml keeps entry points")
    here = locked_versions(ROOT / "uv.lock")
    for name, versions in locked_versions(root / "uv.lock").items():
        if name != pyproject["project"]["name"] and not versions <= here.get(name, set()):
            starter.failures.append(f"uv.lock has {name} {versions}, the monorepo {here.get(name)}")
    if (root / ".python-version").read_text().strip() != new.PYTHON:
        starter.failures.append(".python-version is not 3.11")
    argv = servers.command(impl, impl.servers[0], new.HOST, new.PORT, new.WORKERS)
    expected = [Path(argv[0]).name, *(re.sub(r"\brosetta_\w+?\b", PACKAGE, a) for a in argv[1:])]
    cmd = next(
        line for line in (root / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    if yaml.safe_load(cmd.removeprefix("CMD")) != expected:
        starter.failures.append(f"Dockerfile {cmd}, expected {expected}")
    compose = yaml.safe_load((root / "compose.yaml").read_text())["services"]
    if compose["schema"]["command"] != ["python", "-m", f"{PACKAGE}.migrate"]:
        starter.failures.append(f"compose's schema step runs {compose['schema']['command']}")
    service = compose[PACKAGE.replace("_", "-")]
    if service["depends_on"]["schema"]["condition"] != "service_completed_successfully":
        starter.failures.append("the service does not wait for the schema step")


def make(impl: registry.Implementation, workspace: Path, server_url: str) -> Starter:
    """Generate and install one starter, and check what it holds (no tests run yet)."""
    starter = Starter(impl, workspace / impl.name, server_url)
    generate = [str(BIN / "rosetta"), "new", impl.name, str(starter.path)]
    generate += ["--package", PACKAGE, "--problem-base", PROBLEM_BASE]
    sync = ["uv", "sync", "--locked", "--quiet"]
    starter.installed = run(starter, "rosetta new", generate, workspace) and run(
        starter, "uv sync", sync
    )
    if starter.installed:
        check_files(starter)
        ruff = str(BIN / "ruff")
        static = {
            "compose.yaml": [str(BIN / "check-jsonschema"), *COMPOSE_SCHEMA, "compose.yaml"],
            "Dockerfile": [str(BIN / "hadolint"), "Dockerfile"],
            "ruff check": [ruff, "check", *RUFF, LINT, *RENDERED],
            "ruff format": [ruff, "format", *RUFF, "--check", *RENDERED],
        }
        for step, argv in static.items():
            run(starter, step, argv)
        # The README's schema step, twice (it is idempotent), on the server's own database,
        # where the other starters run theirs at about the same time (its lock orders them).
        migrate = ["uv", "run", "python", "-m", f"{PACKAGE}.migrate"]
        for attempt in ("first", "again"):
            run(starter, f"migrate ({attempt})", migrate)
    return starter


def run_tests(starter: Starter) -> Starter:
    """Run the starter's own tests, as its README says; nothing may be skipped."""
    if not starter.installed:
        return starter
    report = starter.path.with_suffix(".xml")
    # xunit1: the round-trip checks record their counts as properties.
    tests = ["uv", "run", "pytest", "-q", "-p", "no:cacheprovider"]
    tests += [f"--junitxml={report}", "-o", "junit_family=xunit1"]
    run(starter, "uv run pytest", tests, timeout=900)
    if report.exists():
        counts, skips = results_of(report)
        if counts["tests"] < 100:
            starter.failures.append(f"only {counts['tests']} tests ran")
        starter.failures += [f"skipped: {reason}" for reason in skips if not allowed_skip(reason)]
    return starter


def allowed_skip(reason: str) -> bool:
    """A check for a stack this starter does not have (`support.does_not_apply`), or one
    that needs a system package this machine lacks (Chromium, say), outside CI only."""
    if reason.startswith(NOT_APPLICABLE):
        return True
    return "CI" not in os.environ and bool(re.search(r"(apt-get|brew) install", reason))


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """An embedded PostgreSQL server for the starters' tests (see the module's docstring)."""
    with tempfile.TemporaryDirectory(prefix="rosetta-new-", ignore_cleanup_errors=True) as data:
        embedded = EmbeddedPostgres(Path(data))
        try:
            yield embedded.start()
        finally:
            embedded.stop()


@pytest.mark.timeout(2400)
def test_generated_starters_pass_their_own_tests(tmp_path: Path, server_url: str) -> None:
    """Every implementation's starter installs from its lock and passes its own tests, with
    nothing skipped, and nothing in it names the monorepo."""
    impls = list(registry.implementations().values())
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(impls)) as pool:
        made = list(pool.map(lambda impl: make(impl, tmp_path, server_url), impls))
    generated = time.monotonic() - started
    # Fewer test runs at once than starters: the suite's deadlines (a 503 within 10 s) are
    # kept only with some CPU to spare.
    with ThreadPoolExecutor(max_workers=TEST_RUNS) as pool:
        starters = list(pool.map(run_tests, made))
    wall = time.monotonic() - started
    print(f"\n{len(starters)} starters: made in {generated:.0f} s, tested by {wall:.0f} s")
    for starter in starters:
        steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in starter.steps.items())
        print(f"  {starter.impl.name:12} {len(starter.failures)} problems; {steps}")
    with psycopg.connect(server_url) as conn:
        assert conn.execute("SELECT to_regclass('users')").fetchone() == ("users",)
    failed = {s.impl.name: s.failures for s in starters if s.failures}
    assert not failed, "\n\n".join(
        f"== {name}\n" + "\n".join(problems) for name, problems in failed.items()
    )
