"""Every implementation is registered, pinned into the workspace, self-contained, and
shaped like its siblings as the glossary in implementations/README.md says: the same
module set (extra modules only where the glossary's table names them), the handlers
under their operationId names in the module the glossary assigns, and the glossary's
checked names where it puts them. The checks are functions that list what is wrong, so
that the negative cases below can show each one failing on a broken copy."""

import ast
import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from rosetta import registry
from rosetta.handlers import FORCED_NAMES  # DRF's viewset actions: one table for the repo

ROOT = Path(__file__).resolve().parents[1]
IMPLEMENTATIONS = ROOT / "implementations"
GLOSSARY = IMPLEMENTATIONS / "README.md"
CONTRACT = ROOT / "shared_contract" / "openapi.yaml"
FOLDERS = sorted(p.parent for p in IMPLEMENTATIONS.glob("*/pyproject.toml"))

SKELETON = {"__init__.py", "app.py", "routes.py", "schemas.py", "db.py", "problems.py",
            "settings.py"}  # fmt: skip
DJANGO_SKELETON = {"__init__.py", "problems.py", "settings.py"}
HANDLERS = ("list_users", "create_user", "get_user", "update_user", "delete_user", "health")
# The module of the handlers where the glossary assigns another than routes.py.
HANDLER_MODULES = {"django": "views.py", "drf": "views.py", "ninja": "api.py"}


def pyproject(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = tomllib.loads((path / "pyproject.toml").read_text())
    return loaded


def is_django(folder: Path) -> bool:
    return registry.get(folder.name).framework.startswith("Django")


def package(folder: Path) -> Path:
    return folder / f"rosetta_{folder.name}"


def extra_modules() -> dict[str, set[str]]:
    """The glossary's table of extra modules: member -> the modules it adds."""
    text = GLOSSARY.read_text()
    block = text.split("<!-- extra modules: begin -->")[1].split("<!-- extra modules: end -->")[0]
    extras: dict[str, set[str]] = {}
    for line in block.strip().splitlines()[2:]:  # after the header and its rule
        members, modules, _why = (cell.strip() for cell in line.strip().strip("|").split("|"))
        for member in members.split(","):
            extras.setdefault(member.strip(), set()).update(re.findall(r"`([^`]+)`", modules))
    return extras


def functions(path: Path) -> set[str]:
    """Every function and method defined in a module."""
    return {
        node.name
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def top_level(path: Path) -> dict[str, ast.stmt]:
    found: dict[str, ast.stmt] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = node
    return found


def module_set_errors(folder: Path, django: bool) -> list[str]:
    modules = {p.name for p in package(folder).glob("*.py")}
    expected = (DJANGO_SKELETON if django else SKELETON) | extra_modules().get(folder.name, set())
    errors = [f"missing module {name}" for name in sorted(expected - modules)]
    errors += [f"module {name} is not in the glossary" for name in sorted(modules - expected)]
    return errors


def handler_errors(folder: Path) -> list[str]:
    module = package(folder) / HANDLER_MODULES.get(folder.name, "routes.py")
    if not module.exists():
        return [f"no {module.name}"]
    defined = functions(module)
    return [
        f"no handler {handler} in {module.name}"
        for handler in HANDLERS
        if handler not in defined
        and not any(FORCED_NAMES[action] == handler for action in defined & set(FORCED_NAMES))
    ]


def glossary_name_errors(folder: Path) -> list[str]:
    """`Settings` (with `from_env`, unless pydantic-settings reads the environment itself)
    in settings.py, and `create_app(settings=None)` in app.py."""
    errors = []
    settings = top_level(package(folder) / "settings.py").get("Settings")
    if not isinstance(settings, ast.ClassDef):
        return ["no class Settings in settings.py"]
    bases = {ast.unparse(base) for base in settings.bases}
    methods = {node.name for node in settings.body if isinstance(node, ast.FunctionDef)}
    if "BaseSettings" not in bases and "from_env" not in methods:
        errors.append("Settings has no from_env")
    factory = top_level(package(folder) / "app.py").get("create_app")
    if not isinstance(factory, ast.FunctionDef):
        return [*errors, "no function create_app in app.py"]
    # One parameter, `settings`, defaulting to None; keyword-only where the server passes
    # arguments of its own (Sanic's `--factory`).
    arguments = factory.args
    names = [a.arg for a in [*arguments.args, *arguments.kwonlyargs]]
    defaults = [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]
    if names != ["settings"] or len(defaults) != 1:
        errors.append("create_app does not take (settings=None)")
    return errors


def outside_path_errors(folder: Path) -> list[str]:
    """Modules that climb out of their member's folder from `__file__`, or name a file of
    the monorepo that a copied folder does not have."""
    errors = []
    for path in sorted(folder.rglob("*.py")):
        depth = len(path.relative_to(folder).parts) - 1  # folders between member and module
        tree = ast.parse(path.read_text())
        prose = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # docstrings
        for node in ast.walk(tree):
            where = f"{path.relative_to(folder)}:{getattr(node, 'lineno', 0)}"
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "parents"
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, int)
                and node.slice.value >= depth
            ):
                errors.append(f"{where} climbs out of the folder (parents[{node.slice.value}])")
            if isinstance(node, ast.Attribute) and node.attr == "parent":
                chain = 0
                inner: ast.expr = node
                while isinstance(inner, ast.Attribute) and inner.attr == "parent":
                    chain, inner = chain + 1, inner.value
                if chain > depth + 1:
                    errors.append(f"{where} climbs out of the folder ({chain} x .parent)")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in prose
            ):
                errors += [
                    f"{where} names {node.value!r}, outside the folder"
                    for outside in ("shared_contract", "db/schema.sql")
                    if outside in node.value
                ]
    return errors


def members() -> list[object]:
    return [pytest.param(folder, id=folder.name) for folder in FOLDERS]


def test_every_member_is_a_workspace_dependency() -> None:
    root = pyproject(ROOT)
    names = {pyproject(folder)["project"]["name"] for folder in [ROOT / "tooling", *FOLDERS]}  # type: ignore[index]
    assert names <= set(root["project"]["dependencies"]), "run scripts/pin.py"  # type: ignore[index]


def test_every_folder_is_registered() -> None:
    assert {folder.name for folder in FOLDERS} == set(registry.names())


def test_glossary_extra_modules_name_registered_members() -> None:
    assert set(extra_modules()) <= set(registry.names())


@pytest.mark.parametrize("folder", members())
def test_implementation_has_exactly_the_glossary_modules(folder: Path) -> None:
    assert module_set_errors(folder, is_django(folder)) == []
    assert (folder / "README.md").exists()


@pytest.mark.parametrize("folder", members())
def test_handlers_are_named_after_the_operation_ids(folder: Path) -> None:
    assert handler_errors(folder) == []


@pytest.mark.parametrize("folder", [f for f in FOLDERS if not is_django(f)], ids=lambda f: f.name)
def test_settings_and_factory_have_the_glossary_names(folder: Path) -> None:
    assert glossary_name_errors(folder) == []
    assert registry.get(folder.name).settings, "the registration names no settings class"


@pytest.mark.parametrize("folder", members())
def test_nothing_reaches_outside_the_folder(folder: Path) -> None:
    assert outside_path_errors(folder) == []


@pytest.mark.parametrize("folder", members())
def test_packaged_contract_is_the_shared_one(folder: Path) -> None:
    """The copy a member serves travels as package data, identical to the shared contract
    (`cp shared_contract/openapi.yaml` after changing it)."""
    copy = package(folder) / "openapi.yaml"
    if copy.exists():
        assert copy.read_bytes() == CONTRACT.read_bytes()


# A deliberately broken copy of a member fails each check.
def rename_handler(copy: Path) -> None:
    routes = package(copy) / "routes.py"
    routes.write_text(routes.read_text().replace("def get_user(", "def fetch_user("))


def add_module(copy: Path) -> None:
    (package(copy) / "helpers.py").write_text('"""Not in the glossary."""\n')


def reach_outside(copy: Path) -> None:
    app = package(copy) / "app.py"
    climb = 'CONTRACT = Path(__file__).resolve().parents[3] / "shared_contract" / "openapi.yaml"\n'
    app.write_text(app.read_text() + climb)


def rename_factory(copy: Path) -> None:
    app = package(copy) / "app.py"
    app.write_text(app.read_text().replace("def create_app(", "def make_app("))


@pytest.mark.parametrize(
    ("breakage", "check", "message"),
    [
        pytest.param(rename_handler, handler_errors, "no handler get_user", id="renamed-handler"),
        pytest.param(
            add_module,
            lambda f: module_set_errors(f, django=False),
            "module helpers.py is not in the glossary",
            id="extra-module",
        ),
        pytest.param(reach_outside, outside_path_errors, "climbs out", id="path-outside"),
        pytest.param(rename_factory, glossary_name_errors, "no function create_app", id="factory"),
    ],
)
def test_skeleton_checks_fail_on_a_broken_copy(
    tmp_path: Path,
    breakage: Callable[[Path], None],
    check: Callable[[Path], list[str]],
    message: str,
) -> None:
    copy = tmp_path / "starlette"
    shutil.copytree(
        IMPLEMENTATIONS / "starlette", copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    assert check(copy) == [], "the intact copy must pass"
    breakage(copy)
    assert any(message in error for error in check(copy))


def test_readme_matrix_matches_the_registry() -> None:
    """The README's matrix names every implementation with its registered stack."""
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- matrix: begin -->")[1].split("<!-- matrix: end -->")[0]
    rows = {}
    for line in block.strip().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("[]").split("]")[0]] = cells
    assert set(rows) == set(registry.names())
    for name, cells in rows.items():
        impl = registry.get(name)
        servers = ", ".join(impl.servers)
        assert cells[1:5] == [impl.framework, impl.validation, impl.data_layer, servers]
