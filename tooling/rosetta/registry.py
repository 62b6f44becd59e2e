"""Implementations register themselves; nothing here names one.

Each workspace member declares an entry point in the `rosetta.implementations` group whose
object is a plain dict (so that a copied-out implementation needs nothing from this
package):

    [project.entry-points."rosetta.implementations"]
    fastapi = "rosetta_fastapi:implementation"

    implementation = {
        "framework": "FastAPI",
        "interface": "asgi",            # asgi | wsgi | native (a server of its own, live only)
        "validation": "Pydantic 2",
        "data_layer": "SQLAlchemy 2 async + asyncpg",
        "servers": ["uvicorn", "granian"],  # the first is the recommended one
        "app": "rosetta_fastapi.app:create_app",
        "factory": True,                # "app" is called with no arguments (default True)
    }

An implementation that offers both interfaces (Django) gives `"apps": {"wsgi": ...,
"asgi": ...}` instead of `"app"`; `interface` then names the one used in-process, and each
server takes the app of the interface it speaks.

The app reads its settings (`DATABASE_URL`, `DATABASE_POOL_SIZE`) from the environment.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Literal, cast

GROUP = "rosetta.implementations"
Interface = Literal["asgi", "wsgi", "native"]
INTERFACES: tuple[Interface, ...] = ("asgi", "wsgi", "native")


class RegistryError(Exception):
    """An implementation is missing, or its registration is broken."""


class UnknownImplementationError(RegistryError):
    """No implementation is registered under that name."""


@dataclass(frozen=True)
class Implementation:
    name: str
    framework: str
    interface: Interface
    validation: str
    data_layer: str
    servers: tuple[str, ...]
    apps: Mapping[str, str]
    factory: bool = True

    @classmethod
    def from_entry(cls, name: str, entry: Mapping[str, Any]) -> Implementation:
        missing = {"framework", "interface", "validation", "data_layer", "servers"} - set(entry)
        if "app" not in entry and "apps" not in entry:
            missing.add("app")
        if missing:
            raise ValueError(f"implementation {name!r} does not declare {sorted(missing)}")
        if entry["interface"] not in INTERFACES:
            raise ValueError(f"implementation {name!r}: interface must be one of {INTERFACES}")
        if not entry["servers"]:
            raise ValueError(f"implementation {name!r} declares no server")
        return cls(
            name=name,
            framework=entry["framework"],
            interface=entry["interface"],
            validation=entry["validation"],
            data_layer=entry["data_layer"],
            servers=tuple(entry["servers"]),
            apps=entry.get("apps") or {entry["interface"]: entry["app"]},
            factory=entry.get("factory", True),
        )

    @property
    def in_process(self) -> bool:
        """Whether the app can be driven in-process (ASGI or WSGI) rather than over sockets."""
        return self.interface != "native"

    @property
    def app(self) -> str:
        """The `module:attribute` of the app used in-process."""
        return self.apps[self.interface]

    def load_app(self) -> Any:
        """Import the app (calling the factory if it is one); the environment must be set."""
        module_name, _, attribute = self.app.partition(":")
        target = getattr(importlib.import_module(module_name), attribute)
        return cast(Callable[[], Any], target)() if self.factory else target


@cache
def _load(name: str) -> Implementation:
    (entry_point,) = entry_points(group=GROUP, name=name)
    try:
        return Implementation.from_entry(name, entry_point.load())
    except Exception as exc:
        raise RegistryError(f"implementation {name!r} cannot be loaded: {exc}") from exc


def names() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def implementations() -> dict[str, Implementation]:
    """Every registered implementation, by name, in name order."""
    return {name: _load(name) for name in names()}


def get(name: str) -> Implementation:
    if name not in names():
        known = ", ".join(names()) or "none"
        raise UnknownImplementationError(f"no implementation named {name!r} (registered: {known})")
    return _load(name)


def select(spec: str) -> list[Implementation]:
    """`all`, one name, or a comma-separated list of names."""
    if spec.strip() == "all":
        return list(implementations().values())
    return [get(name.strip()) for name in spec.split(",") if name.strip()]
