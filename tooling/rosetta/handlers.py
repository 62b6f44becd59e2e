"""Where each implementation keeps its handlers, found by reading its source (AST, by name).

A handler is the function or method named after an operationId in snake_case
(`create_user` for `createUser`). It is looked up in the handler modules the glossary of
implementations/README.md assigns (`routes.py`; `views.py`, `api.py` in the Django family),
then in the package's other modules, so that it is found wherever a member keeps it.
Where a framework forces other names, the function is found by the operationId its
decorator declares (`@extend_schema(operation_id="getUser")`) or, failing that, by the
framework's fixed name (`FORCED_NAMES`).

`follow()` goes one step from a handler into a layer of its package (`db`, `schemas`,
`problems`): the definitions there that the handler names, such as `db.update_user(...)`,
`UserUpdate` in its signature or `raise UserNotFoundError`.

Nothing is imported from the implementations: their packages are located through
importlib's finder and read as text.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from rosetta import registry

REPO_ROOT = Path(__file__).resolve().parents[2]

# The contract's operationIds, in the order of shared_contract/openapi.yaml.
OPERATION_IDS = ("listUsers", "createUser", "getUser", "updateUser", "deleteUser", "health")
# The handlers' modules in the glossary's order of preference.
HANDLER_MODULES = ("routes", "views", "api")
# The layers `follow()` knows, each with its modules (the Django family's names after).
LAYERS = {
    "db": ("db", "models"),
    "schemas": ("schemas", "forms", "serializers"),
    "problems": ("problems",),
}
# Modules that never hold handlers (the data functions carry the handlers' names).
NOT_HANDLERS = frozenset({*(m for ms in LAYERS.values() for m in ms), "settings"})
# Methods a framework routes by fixed names: DRF's viewset actions.
FORCED_NAMES = {
    "list": "list_users",
    "create": "create_user",
    "retrieve": "get_user",
    "partial_update": "update_user",
    "destroy": "delete_user",
}


class HandlerError(Exception):
    """An operation, a layer or a handler that cannot be found."""


def snake_case(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def camel_case(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


OPERATIONS = tuple(snake_case(op) for op in OPERATION_IDS)


def operation(name: str) -> str:
    """The handler name of an operation given as `create_user` or `createUser`."""
    snake = snake_case(name) if name in OPERATION_IDS else name
    if snake not in OPERATIONS:
        raise HandlerError(f"no operation named {name!r} (operations: {', '.join(OPERATIONS)})")
    return snake


def layer_name(name: str) -> str:
    if name not in LAYERS:
        raise HandlerError(f"no layer named {name!r} (layers: {', '.join(LAYERS)})")
    return name


@dataclass(frozen=True)
class Source:
    """One definition in a module (function, method, class or assignment), decorators
    included, its lines dedented."""

    path: Path
    module: str
    qualname: str
    start: int
    end: int
    code: str

    @property
    def name(self) -> str:
        return self.qualname.rpartition(".")[2]

    @property
    def location(self) -> str:
        """`path:line`, the path relative to the repository where it lies inside it."""
        return f"{display_path(self.path)}:{self.start}"


def display_path(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


@dataclass(frozen=True)
class Module:
    name: str  # dotted, within the package: "routes"
    path: Path

    @property
    def text(self) -> str:
        return _read(self.path)

    @property
    def tree(self) -> ast.Module:
        return _parse(self.path)

    @property
    def lines_of_code(self) -> int:
        """Lines that are neither blank nor only a comment (docstrings count)."""
        stripped = (line.strip() for line in self.text.splitlines())
        return sum(1 for line in stripped if line and not line.startswith("#"))

    @property
    def docstring(self) -> str:
        """The first line of the module's docstring, or nothing."""
        doc = ast.get_docstring(self.tree) or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""

    def source(self, node: ast.stmt, qualname: str) -> Source:
        decorators = getattr(node, "decorator_list", [])
        start = min([node.lineno, *(d.lineno for d in decorators)])
        end = node.end_lineno or node.lineno
        lines = self.text.splitlines()[start - 1 : end]
        code = textwrap.dedent("\n".join(lines))
        return Source(self.path, self.name, qualname, start, end, code)

    def definitions(self) -> dict[str, tuple[ast.stmt, str]]:
        """Top-level names and `Class.method` names -> (node, qualname)."""
        found: dict[str, tuple[ast.stmt, str]] = {}
        for node in self.tree.body:
            for name in _defined_names(node):
                found.setdefault(name, (node, name))
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                        qualname = f"{node.name}.{member.name}"
                        found.setdefault(qualname, (member, qualname))
        return found


@dataclass(frozen=True)
class Package:
    """An implementation's package, read from its folder."""

    impl: registry.Implementation
    name: str
    folder: Path

    @property
    def member_folder(self) -> Path:
        """implementations/<name>/: the README and pyproject.toml beside the package."""
        return self.folder.parent

    @cached_property
    def modules(self) -> dict[str, Module]:
        """Every module of the package, the handler modules first, then by name."""
        found = {}
        for path in sorted(self.folder.rglob("*.py")):
            relative = path.relative_to(self.folder).with_suffix("")
            if "__pycache__" in relative.parts:
                continue
            name = ".".join(relative.parts)
            found[name] = Module(name, path)
        order = {name: index for index, name in enumerate(HANDLER_MODULES)}
        return dict(sorted(found.items(), key=lambda item: (order.get(item[0], 99), item[0])))

    def handler(self, name: str) -> Handler:
        """The handler of an operation (`create_user`)."""
        name = operation(name)
        modules = self.modules
        for module in _search_order(modules):
            for rule in (_by_name, _by_operation_id, _by_forced_name):
                for node, cls in _functions(module.tree):
                    if rule(node, cls, name):
                        qualname = f"{cls.name}.{node.name}" if cls else node.name
                        return Handler(self, name, module, node, cls, module.source(node, qualname))
        searched = ", ".join(f"{m.name}.py" for m in _search_order(modules))
        raise HandlerError(f"{self.impl.name}: no handler for {name} in {searched}")

    def layer_modules(self, layer: str) -> list[Module]:
        modules = self.modules
        return [modules[name] for name in LAYERS[layer_name(layer)] if name in modules]


@dataclass(frozen=True)
class Handler:
    package: Package
    operation: str
    module: Module
    node: ast.FunctionDef | ast.AsyncFunctionDef
    cls: ast.ClassDef | None
    source: Source

    @property
    def impl(self) -> registry.Implementation:
        return self.package.impl


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(_read(path), filename=str(path))


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _search_order(modules: dict[str, Module]) -> list[Module]:
    first = [modules[name] for name in HANDLER_MODULES if name in modules]
    rest = [m for m in modules.values() if m not in first and m.name not in NOT_HANDLERS]
    return first + rest


def _functions(
    tree: ast.Module,
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]]:
    """Module-level functions, and the methods of module-level classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, None
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield member, node


def _by_name(node: ast.FunctionDef | ast.AsyncFunctionDef, cls: object, name: str) -> bool:
    return node.name == name


def _by_operation_id(node: ast.FunctionDef | ast.AsyncFunctionDef, cls: object, name: str) -> bool:
    """A decorator that declares the operationId: `@extend_schema(operation_id="getUser")`."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if (
                    keyword.arg in ("operation_id", "operationId")
                    and isinstance(keyword.value, ast.Constant)
                    and keyword.value.value == camel_case(name)
                ):
                    return True
    return False


def _by_forced_name(
    node: ast.FunctionDef | ast.AsyncFunctionDef, cls: ast.ClassDef | None, name: str
) -> bool:
    return cls is not None and FORCED_NAMES.get(node.name) == name


@cache
def package(name: str) -> Package:
    """The package of a registered implementation, located by importlib (not imported)."""
    impl = registry.get(name)
    top = next(iter(impl.apps.values())).partition(":")[0].split(".")[0]
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        raise HandlerError(f"{name}: its package {top!r} cannot be found")
    return Package(impl, top, Path(spec.origin).resolve().parent)


def packages(names: Iterable[str] | None = None) -> list[Package]:
    return [package(name) for name in (registry.names() if names is None else names)]


def _imports(
    tree: ast.Module, package_name: str
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """What a module imports from its own package: local names bound to a module
    (`from . import db`) -> "db", and names bound to a definition
    (`from .db import Database`) -> ("db", "Database")."""
    modules: dict[str, str] = {}
    names: dict[str, tuple[str, str]] = {}
    prefix = package_name + "."
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(prefix) and alias.asname:
                    modules[alias.asname] = alias.name.removeprefix(prefix)
        elif isinstance(node, ast.ImportFrom):
            if node.level > 1:
                continue
            source = node.module or ""
            if node.level == 0:
                if source != package_name and not source.startswith(prefix):
                    continue
                source = source.removeprefix(package_name).removeprefix(".")
            for alias in node.names:
                local = alias.asname or alias.name
                if source:
                    names[local] = (source, alias.name)
                else:
                    modules[local] = alias.name
    return modules, names


def follow(handler: Handler, layer: str) -> list[Source]:
    """The definitions in `layer` that the handler names, in the order it names them:
    `db.update_user(...)`, `UserUpdate` in an annotation, `raise UserNotFoundError()`,
    a method of an imported class (`self.db.update_user(...)` on a `Database`). For a
    method, the attributes of its class (DRF's `serializer_class = UserSerializer`) count."""
    targets = {m.name: m for m in handler.package.layer_modules(layer)}
    if not targets:
        return []
    definitions = {name: m.definitions() for name, m in targets.items()}
    modules, names = _imports(handler.module.tree, handler.package.name)
    # Methods of the layer's classes that the handler's module imports, by method name.
    methods: dict[str, list[tuple[str, str]]] = {}
    for module_name, attribute in names.values():
        for qualname in definitions.get(module_name, {}):
            cls, _, method = qualname.partition(".")
            if cls == attribute and method:
                methods.setdefault(method, []).append((module_name, qualname))

    roots: list[ast.AST] = [handler.node]
    if handler.cls is not None:
        roots += [
            s for s in handler.cls.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
    found: list[tuple[tuple[int, int, int], str, str]] = []
    for index, root in enumerate(roots):
        for node in ast.walk(root):
            position = (min(index, 1), getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
            if isinstance(node, ast.Attribute):
                base = node.value
                if isinstance(base, ast.Name) and modules.get(base.id) in targets:
                    found.append((position, modules[base.id], node.attr))
                else:
                    for module_name, qualname in methods.get(node.attr, []):
                        found.append((position, module_name, qualname))
            elif isinstance(node, ast.Name) and names.get(node.id, ("", ""))[0] in targets:
                found.append((position, *names[node.id]))
    named = list(dict.fromkeys((m, n) for _, m, n in sorted(found) if n in definitions[m]))

    # A class and one of its methods: a schema is shown whole; of a data-layer class
    # (`Database`, `Users`), only the methods the handler calls.
    def owner(item: tuple[str, str]) -> tuple[str, str] | None:
        module_name, name = item
        return (module_name, name.partition(".")[0]) if "." in name else None

    if layer == "schemas":
        named = [item for item in named if owner(item) not in named]
    else:
        called = {owner(item) for item in named}
        named = [item for item in named if item not in called]
    return [targets[m].source(*definitions[m][n]) for m, n in named]
