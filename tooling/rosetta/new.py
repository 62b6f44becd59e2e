"""`rosetta new IMPL DIR`: a project of its own from one implementation, as the monorepo
has it at this commit (a transformation of its folder, not a second copy kept by hand).

    the package        `rosetta_<impl>` renamed to NAME in every module, dotted string,
                       config and test, the distribution with it; the registry dict and
                       the entry point dropped
    the schema         db/schema.sql as NAME/schema.sql, applied by `python -m NAME.migrate`
    the pins           the monorepo's exact versions of the dependency closure (read from
                       its uv.lock) as `[tool.uv] constraint-dependencies`, and `uv lock`
    the tests          the conformance suite's modules in tests/conformance/, driving the
                       app in-process as the suite does, on a database of their own
    the rest           Dockerfile, compose.yaml, .dockerignore, .gitignore, .python-version,
                       README.md and .rosetta-answers.json, from the templates in starter/

Everything is written into a staging folder beside DIR and moved into place at the end:
a mistake in the arguments, or a failure on the way, leaves nothing behind.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import json
import keyword
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from rosetta import registry, servers

ROOT = Path(__file__).resolve().parents[2]  # the monorepo checkout
TEMPLATES = Path(__file__).with_name("starter")
SUITE = ROOT / "conformance"
SCHEMA = ROOT / "db" / "schema.sql"
CONTRACT = ROOT / "shared_contract"  # openapi.yaml, and README.md: the rules it cannot say
PROBLEM_BASE = "https://rosetta.example/problems/"  # TYPE_BASE in every problems.py
PYTHON = "3.11"
POSTGRES_DRIVERS = ("psycopg", "asyncpg")  # what NAME.migrate may use, in this order
# The tests' requirements besides what they import (found by reading them): pytest's
# plugin for the timeout its settings set, and psycopg with its own libpq.
TEST_REQUIREMENTS = {"pytest": "pytest", "pytest-timeout": "pytest-timeout"}
TEST_EXTRAS = {"psycopg": "psycopg[binary]"}
# Left behind when the member's folder is copied.
SKIPPED = re.compile(
    r"(^|/)(__pycache__|\.venv|\.pytest_cache|\.mypy_cache|\.ruff_cache|build|dist)(/|$)"
    r"|\.py[cod]$|\.egg-info(/|$)"
)
HOST, PORT, WORKERS = "0.0.0.0", 8000, 1  # the container's server
PORT_PLACEHOLDER = 65535  # in the tests' server command, where the run's port goes


class UsageError(Exception):
    """The arguments cannot be used: exit 2, nothing written."""


class GenerationError(Exception):
    """The starter could not be made from this checkout: exit 1, nothing written."""


@dataclass(frozen=True)
class Plan:
    """What to generate, checked before anything is written."""

    impl: registry.Implementation
    target: Path
    package: str
    problem_base: str
    member: Path  # the implementation's folder in this checkout
    old_package: str
    old_distribution: str

    @property
    def distribution(self) -> str:
        return self.package.replace("_", "-")

    def rename(self, text: str) -> str:
        """Every mention of the member's package and distribution, as the starter's."""
        text = re.sub(rf"\b{re.escape(self.old_package)}\b", self.package, text)
        old = re.escape(self.old_distribution)
        return re.sub(rf"(?<![\w-]){old}(?![\w-])", self.distribution, text)

    def relocate(self, text: str) -> str:
        """Mentions of the monorepo's paths, as the paths of the same files in the starter."""
        places = {
            rf"implementations/{self.impl.name}/": "",
            r"shared_contract/|conformance/": "tests/conformance/",
            r"db/schema\.sql|db/(?!\w)": f"{self.package}/schema.sql",
        }
        for pattern, place in places.items():
            text = re.sub(rf"(?<![\w./-])(?:\.\./)*(?:{pattern})", place, text)
        return text


# --- checking the arguments ------------------------------------------------------------


def derive_package(target: Path) -> str:
    """The package name a folder suggests: `../users-service` -> `users_service`."""
    return re.sub(r"[^0-9a-z]+", "_", target.resolve().name.lower()).strip("_")


def check_package(package: str, dependencies: set[str]) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", package) or keyword.iskeyword(package):
        raise UsageError(f"{package!r} is not a valid package name (a Python identifier)")
    if package == "tests":
        raise UsageError("'tests' is the starter's test folder; choose another --package")
    if package in sys.stdlib_module_names:
        raise UsageError(f"{package!r} is a module of the standard library; choose another")
    owners = importlib.metadata.packages_distributions().get(package, [])
    taken = sorted(d for d in owners if normalize(d) in dependencies)
    if taken:
        raise UsageError(
            f"{package!r} is a module of {', '.join(taken)}, which the service imports;"
            " choose another with --package"
        )


def check_problem_base(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not url.endswith("/"):
        raise UsageError(
            f"--problem-base {url!r} must be an http(s) URL ending in '/'"
            " (each problem type is the base followed by its name)"
        )


def check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not an empty folder")


def member_folder(impl: registry.Implementation) -> tuple[Path, str]:
    """The implementation's folder in this checkout, and its package's name."""
    package = impl.app.split(":")[0].split(".")[0]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise GenerationError(f"the package {package} of {impl.name} cannot be found")
    folder = Path(next(iter(spec.submodule_search_locations))).parent
    if not (folder / "pyproject.toml").is_file():
        raise GenerationError(f"{impl.name} is not installed from a checkout ({folder})")
    return folder, package


def plan(args: argparse.Namespace) -> Plan:
    try:
        impl = registry.get(args.impl)
    except registry.RegistryError as exc:
        raise UsageError(str(exc)) from None
    target = Path(args.dir)
    check_target(target)
    package = args.package or derive_package(target)
    if not args.package and not package.isidentifier():
        raise UsageError(f"no package name follows from {args.dir!r}; give one with --package")
    member, old_package = member_folder(impl)
    old_distribution = tomllib.loads((member / "pyproject.toml").read_text())["project"]["name"]
    check_package(package, closure([old_distribution]))
    check_problem_base(args.problem_base)
    return Plan(impl, target, package, args.problem_base, member, old_package, old_distribution)


# --- the pins ------------------------------------------------------------------------


def normalize(name: str) -> str:
    """A distribution name as uv.lock and the pins write it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise GenerationError(f"cannot read the requirement {requirement!r}")
    return normalize(match.group(1))


def closure(roots: Iterable[str]) -> set[str]:
    """Every distribution the roots need on some platform, from the monorepo's uv.lock
    (its universal resolution: markers are kept, not evaluated), the roots included."""
    lock_path = ROOT / "uv.lock"
    if not lock_path.exists():
        raise GenerationError(f"{lock_path} is missing: run `uv sync` in the checkout first")
    edges: dict[str, list[dict[str, Any]]] = {}
    for package in tomllib.loads(lock_path.read_text())["package"]:
        deps = edges.setdefault(package["name"], [])
        deps += package.get("dependencies", [])
        for extra, extra_deps in package.get("optional-dependencies", {}).items():
            deps += [{**dep, "_of_extra": extra} for dep in extra_deps]
    found: set[str] = set()
    wanted = [(requirement_name(root), extras(root)) for root in roots]
    seen: set[tuple[str, frozenset[str]]] = set()
    while wanted:
        name, chosen = wanted.pop()
        if (name, chosen) in seen:
            continue
        seen.add((name, chosen))
        found.add(name)
        for dep in edges.get(name, []):
            if dep.get("_of_extra", None) in (None, *chosen):
                wanted.append((dep["name"], frozenset(dep.get("extra", []))))
    return found


def extras(requirement: str) -> frozenset[str]:
    match = re.search(r"\[([^\]]*)\]", requirement.split(";")[0])
    return frozenset(e.strip() for e in match.group(1).split(",")) if match else frozenset()


def pins(names: set[str]) -> list[str]:
    """The root pyproject's pins of these distributions, exactly as written there."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    written: list[str] = root["tool"]["uv"]["constraint-dependencies"]
    chosen = [pin for pin in written if requirement_name(pin) in names]
    missing = names - {requirement_name(pin) for pin in chosen}
    if missing:
        raise GenerationError(
            f"the root pyproject.toml pins no version of {', '.join(sorted(missing))}:"
            " run `python scripts/pin.py`"
        )
    return chosen


# --- the member's files ----------------------------------------------------------------


def member_files(member: Path) -> Iterator[Path]:
    for path in sorted(member.rglob("*")):
        relative = path.relative_to(member).as_posix()
        if path.is_file() and not SKIPPED.search(relative):
            yield path


def without_registration(source: str) -> str:
    """`__init__.py` without the `implementation = {...}` dict and the comment above it."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "implementation" for t in node.targets
        ):
            start = node.lineno - 1
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1
            assert node.end_lineno is not None
            del lines[start : node.end_lineno]
            return re.sub(r"\n{3,}", "\n\n", "".join(lines)).rstrip("\n") + "\n"
    return source


def tables(text: str) -> list[tuple[str, int, int]]:
    """The TOML tables of `text`: header, first line, line after the last."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if re.match(r"\[{1,2}[^\]]", line)]
    return [
        (lines[s].strip(), s, starts[n + 1] if n + 1 < len(starts) else len(lines))
        for n, s in enumerate(starts)
    ]


def drop_tables(text: str, headers: set[str]) -> str:
    lines = text.splitlines(keepends=True)
    for header, start, end in reversed(tables(text)):
        if header in headers:
            del lines[start:end]
    return "".join(lines).rstrip("\n") + "\n"


def member_pyproject_text(plan: Plan) -> tuple[str, dict[str, list[str]]]:
    """The member's pyproject.toml renamed, less its entry point and the tables the starter
    writes itself; and its dependency groups, which the starter's join."""
    text = (plan.member / "pyproject.toml").read_text()
    data = tomllib.loads(text)
    written = {"[dependency-groups]", "[tool.uv]", "[tool.pytest.ini_options]"}
    clashes = {h for h, _, _ in tables(text)} & (written - {"[dependency-groups]"})
    if clashes:
        raise GenerationError(f"{plan.member}/pyproject.toml has {sorted(clashes)} already")
    entry_points = f'[project.entry-points."{registry.GROUP}"]'
    text = drop_tables(text, written | {entry_points})
    groups: dict[str, list[str]] = data.get("dependency-groups", {})
    return plan.rename(text), groups


# --- the conformance suite -----------------------------------------------------------


MONOREPO_MODULES = {"conformance", "conftest", "rosetta"}  # absent from a starter
# What the tests may import from the starter's own conftest.py, which defines it.
STARTER_CONFTEST = {"Target"}


def foreign_imports(tree: ast.Module) -> list[str]:
    """The modules a copied module imports that a starter does not have."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in MONOREPO_MODULES]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            names = {alias.name for alias in node.names}
            if module.split(".")[0] in MONOREPO_MODULES or (
                module == ".conftest" and not names <= STARTER_CONFTEST
            ):
                found.append(module)
    return found


def suite_module(path: Path) -> str:
    """A module of conformance/ as the starter's tests/conformance/ has it: imports made
    relative, and the contract read from the copy beside it."""
    source = path.read_text()
    source = re.sub(r"^from conformance\.(\w+) import", r"from .\1 import", source, flags=re.M)
    source = re.sub(r"^from conformance import", "from . import", source, flags=re.M)
    tree = ast.parse(source)
    if foreign := foreign_imports(tree):
        raise GenerationError(f"{path} imports {', '.join(foreign)}, which a starter lacks")
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "CONTRACT":
            lines = source.splitlines(keepends=True)
            assert node.end_lineno is not None
            lines[node.lineno - 1 : node.end_lineno] = [
                'CONTRACT = Path(__file__).with_name("openapi.yaml")\n'
            ]
            source = "".join(lines)
    return source


def tests_requirements(plan: Plan, tests: Path) -> list[str]:
    """What the starter's tests need installed: the distributions of what they import
    (from this environment's metadata), and TEST_REQUIREMENTS."""
    modules = set()
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                modules.add(node.module.split(".")[0])
    modules -= {*sys.stdlib_module_names, "__future__", plan.package}
    owners = importlib.metadata.packages_distributions()
    unknown = sorted(module for module in modules if module not in owners)
    if unknown:
        raise GenerationError(f"the tests import {', '.join(unknown)}, which nothing provides")
    found = {normalize(dist) for module in modules for dist in owners[module]}
    requirements = {**TEST_REQUIREMENTS, **{name: TEST_EXTRAS.get(name, name) for name in found}}
    return sorted(requirements.values())


def uses_target(tests: Path) -> bool:
    """Whether a copied test takes the suite's `target` fixture."""
    for path in tests.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and "target" in {a.arg for a in node.args.args}:
                return True
    return False


# --- rendering -----------------------------------------------------------------------


def output(*argv: str, cwd: Path | None = None) -> str:
    """What a command prints; the starter is no part of the monorepo's environment."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise GenerationError(f"{shlex.join(argv[:2])} failed: {done.stderr.strip()}")
    return done.stdout


def uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        raise GenerationError("uv is not on PATH (it makes the starter's uv.lock)")
    return found


def provenance(plan: Plan) -> dict[str, Any]:
    """The commit the starter came from, and whether what it was made of had local changes."""
    inputs = [
        plan.member,
        SUITE,
        SCHEMA,
        CONTRACT,
        TEMPLATES,
        Path(__file__),
        ROOT / "pyproject.toml",
    ]
    try:
        commit = output("git", "-C", str(ROOT), "rev-parse", "HEAD").strip()
        status = output("git", "-C", str(ROOT), "status", "--porcelain", "--", *map(str, inputs))
    except (OSError, GenerationError):
        return {"commit": None, "local_changes": None}
    return {"commit": commit, "local_changes": bool(status.strip())}


def server_argv(plan: Plan, host: str, port: int) -> list[str]:
    """The command its first server runs under, as the tooling writes it, for the starter."""
    impl = plan.impl
    argv = servers.command(impl, impl.servers[0], host, port, WORKERS)
    return [Path(argv[0]).name, *(plan.rename(arg) for arg in argv[1:])]


def docstring_summary(path: Path) -> str:
    """The first sentence of a module's docstring."""
    doc = (ast.get_docstring(ast.parse(path.read_text())) or "").replace("\n", " ")
    return re.split(r"(?<=\.)\s", doc.strip(), maxsplit=1)[0]


def layout(plan: Plan, stage: Path) -> list[tuple[str, str]]:
    """The starter's files for its README: each module with its docstring's first lines."""
    package = plan.package
    rows = [
        (path.relative_to(stage).as_posix(), docstring_summary(path))
        for path in sorted((stage / package).rglob("*.py"))
    ]
    if (stage / package / "openapi.yaml").exists():
        rows.append((f"{package}/openapi.yaml", "the OpenAPI document the service serves"))
    rows += [
        (f"{package}/schema.sql", "the table, its index and triggers"),
        (f"{package}/migrate.py", f"`python -m {package}.migrate`: applies schema.sql"),
        ("tests/conformance/", "the contract (openapi.yaml, README.md) and the checks of it"),
    ]
    rows += [
        (path.relative_to(stage).as_posix(), docstring_summary(path))
        for path in sorted((stage / "tests").glob("*.py"))
    ]
    return [
        *rows,
        ("Dockerfile, compose.yaml", "the image; PostgreSQL, the schema step and the service"),
        ("pyproject.toml, uv.lock", "dependencies, exact pins and the lock; pytest's settings"),
    ]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # code, TOML, YAML and Markdown: nothing is HTML
    )
    env.filters["toml"] = lambda value: json.dumps(value, ensure_ascii=False)
    env.filters["json"] = json.dumps
    env.filters["shell"] = shlex.join
    env.filters["python_tuple"] = lambda items: (
        f"({', '.join(map(json.dumps, items))}{',' if len(items) == 1 else ''})"
    )
    return env


def context(plan: Plan, stage: Path) -> dict[str, Any]:
    """What the templates are rendered with, from the registry, the member as copied into
    `stage`, the lock and the checkout."""
    impl = plan.impl
    member_pyproject, groups = member_pyproject_text(plan)
    tested = tests_requirements(plan, stage / "tests")
    dev = sorted({*tested, *groups.pop("dev", [])}, key=requirement_name)
    runtime = tomllib.loads(member_pyproject)["project"]["dependencies"]
    names = closure([*runtime, *dev, *(r for group in groups.values() for r in group)])
    driver = next((d for d in POSTGRES_DRIVERS if d in names), None)
    if driver is None:
        raise GenerationError(f"{impl.name} depends on no PostgreSQL driver the schema step knows")
    settings = plan.rename(impl.settings) if impl.settings else None
    app_module, _, app_name = plan.rename(impl.app).partition(":")
    package_dir = stage / plan.package
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {
        "impl": impl,
        "package": plan.package,
        "distribution": plan.distribution,
        "problem_base": plan.problem_base,
        "python": PYTHON,
        "uv_version": output(uv(), "--version").split()[1],
        "driver": driver,
        "app_module": app_module,
        "app_name": app_name,
        "settings_module": settings.partition(":")[0] if settings else None,
        "settings_name": settings.partition(":")[2] if settings else None,
        "server": impl.servers[0],
        "container_argv": server_argv(plan, HOST, PORT),
        "local_argv": server_argv(plan, "127.0.0.1", PORT),
        "test_argv": [
            arg.replace(str(PORT_PLACEHOLDER), "{port}")
            for arg in server_argv(plan, "127.0.0.1", PORT_PLACEHOLDER)
        ],
        "layout": layout(plan, stage),
        "carries_contract": (package_dir / "openapi.yaml").exists(),
        "uses_target": uses_target(stage / "tests" / "conformance"),
        "member_pyproject": member_pyproject,
        "dev": dev,
        "groups": groups,
        "pins": pins(names - {normalize(plan.distribution)}),
        "filterwarnings": root["tool"]["pytest"]["ini_options"].get("filterwarnings", []),
        **provenance(plan),
    }


# --- writing -------------------------------------------------------------------------


def copy_member(plan: Plan, stage: Path) -> None:
    """The member's files, renamed (its pyproject.toml and README.md are written apart)."""
    for source in member_files(plan.member):
        relative = source.relative_to(plan.member)
        if relative.as_posix() in {"pyproject.toml", "README.md"}:
            continue
        parts = relative.parts
        if parts[0] == plan.old_package:
            relative = Path(plan.package, *parts[1:])
        dest = stage / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            text = source.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            shutil.copy2(source, dest)
            continue
        if relative == Path(plan.package, "__init__.py"):
            text = without_registration(text)
        dest.write_text(plan.relocate(plan.rename(text)), encoding="utf-8")


# Raw HTTP to a running server: a starter whose tests drive the app in-process has none.
LIVE_ONLY = {"test_http.py"}


def copy_suite(plan: Plan, stage: Path) -> None:
    """The suite's modules but its conftest.py (the starter has its own), and the contract."""
    tests = Path("tests", "conformance")
    (stage / tests).mkdir(parents=True, exist_ok=True)
    skipped = {"conftest.py", "__init__.py"}
    if plan.impl.interface != "native":
        skipped |= LIVE_ONLY
    copies = {
        tests / path.name: suite_module(path)
        for path in sorted(SUITE.glob("*.py"))
        if path.name not in skipped
    }
    for name in ("openapi.yaml", "README.md"):
        copies[tests / name] = (CONTRACT / name).read_text(encoding="utf-8")
    for relative, text in copies.items():
        (stage / relative).write_text(plan.relocate(text), encoding="utf-8")


def render_templates(stage: Path, values: dict[str, Any]) -> None:
    env = environment()
    for template in sorted(TEMPLATES.rglob("*.jinja")):
        relative = template.relative_to(TEMPLATES).as_posix().removesuffix(".jinja")
        relative = re.sub(r"^package/", f"{values['package']}/", relative)
        dest = stage / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(env.get_template(template.relative_to(TEMPLATES).as_posix()).render(values))


def replace_problem_base(stage: Path, base: str) -> None:
    if base == PROBLEM_BASE:
        return
    for path in stage.rglob("*"):
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            if PROBLEM_BASE in text:
                path.write_text(text.replace(PROBLEM_BASE, base), encoding="utf-8")


def lock(stage: Path) -> None:
    output(uv(), "lock", "--quiet", cwd=stage)


def generate(plan: Plan) -> None:
    """Write the starter: into a staging folder beside the target, moved into place last."""
    parent = plan.target.resolve().parent
    made = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{plan.target.name}-", dir=parent))
    try:
        copy_member(plan, stage)
        shutil.copyfile(SCHEMA, stage / plan.package / "schema.sql")
        copy_suite(plan, stage)
        render_templates(stage, context(plan, stage))
        replace_problem_base(stage, plan.problem_base)
        lock(stage)
        if plan.target.exists():
            plan.target.rmdir()  # checked empty
        stage.rename(plan.target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        for folder in made:  # the deepest first
            folder.rmdir()
        raise


# --- the command ---------------------------------------------------------------------


def new_command(args: argparse.Namespace) -> None:
    """Exit 2 on arguments that cannot be used, 1 when generation fails; one line each."""
    try:
        chosen = plan(args)
        generate(chosen)
    except (UsageError, GenerationError) as exc:
        print(f"rosetta: {exc}", file=sys.stderr)
        raise SystemExit(2 if isinstance(exc, UsageError) else 1) from None
    print(f"{chosen.impl.name} starter written to {chosen.target} (package {chosen.package})")
    print(f"  next: cd {chosen.target} && uv sync --locked, then see its README.md")


def add_parser(commands: Any) -> None:
    """Register `rosetta new` on the command's subparsers."""
    new = commands.add_parser(
        "new",
        help="write a standalone, pinned, tested project from one implementation",
        description=__doc__.split("\n\n")[0],
    )
    new.add_argument("impl", metavar="IMPL", help="an implementation name (see `rosetta list`)")
    new.add_argument("dir", metavar="DIR", help="where to write it: a new or empty folder")
    new.add_argument(
        "--package", metavar="NAME", help="its package's name (default: from DIR's name)"
    )
    new.add_argument(
        "--problem-base",
        metavar="URL",
        default=PROBLEM_BASE,
        help=f"the URL problem types start with (default: {PROBLEM_BASE})",
    )
    new.set_defaults(run=new_command)
