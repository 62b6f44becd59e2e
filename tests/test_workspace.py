"""Every implementation is registered, pinned into the workspace, and shaped like its
siblings; adding one means adding a member folder and running scripts/pin.py."""

import ast
import tomllib
from pathlib import Path

import pytest

from rosetta import registry

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = sorted(p.parent for p in (ROOT / "implementations").glob("*/pyproject.toml"))
SKELETON = {
    "__init__.py",
    "app.py",
    "routes.py",
    "schemas.py",
    "db.py",
    "problems.py",
    "settings.py",
}
# Django projects keep Django's own module names; their READMEs map them onto the skeleton.
DJANGO_SKELETON = {"__init__.py", "settings.py", "urls.py", "models.py", "problems.py"}
OPERATION_IDS = {
    "list_users": "listUsers",
    "create_user": "createUser",
    "get_user": "getUser",
    "update_user": "updateUser",
    "delete_user": "deleteUser",
    "health": "health",
}


def pyproject(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = tomllib.loads((path / "pyproject.toml").read_text())
    return loaded


def test_every_member_is_a_workspace_dependency() -> None:
    root = pyproject(ROOT)
    names = {pyproject(folder)["project"]["name"] for folder in [ROOT / "tooling", *FOLDERS]}  # type: ignore[index]
    assert names <= set(root["project"]["dependencies"]), "run scripts/pin.py"  # type: ignore[index]


def test_every_folder_is_registered() -> None:
    assert {folder.name for folder in FOLDERS} == set(registry.names())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_implementation_shape(folder: Path) -> None:
    impl = registry.get(folder.name)
    package = folder / f"rosetta_{folder.name}"
    modules = {p.name for p in package.glob("*.py")}
    expected = DJANGO_SKELETON if impl.framework.startswith("Django") else SKELETON
    assert expected <= modules, f"missing {sorted(expected - modules)}"
    assert (folder / "README.md").exists()
    assert impl.servers, "declares no server"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_handlers_are_named_after_the_operation_ids(folder: Path) -> None:
    """Where a framework forces other names (DRF's actions), the README maps them."""
    package = folder / f"rosetta_{folder.name}"
    defined = {
        node.name
        for path in package.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    readme = (folder / "README.md").read_text()
    unnamed = [
        handler
        for handler, operation_id in OPERATION_IDS.items()
        if handler not in defined and operation_id not in readme
    ]
    assert not unnamed, f"no handler named {unnamed}, and no mapping in the README"


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
