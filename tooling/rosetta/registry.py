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
        "factory": True,                # "app" is a factory to call (default True)
        "settings": "rosetta_fastapi.settings:Settings",
    }

An implementation that offers both interfaces (Django) gives `"apps": {"wsgi": ...,
"asgi": ...}` instead of `"app"`; `interface` then names the one used in-process, and each
server takes the app of the interface it speaks.

Settings. In-process, `Implementation.load_app(database_url, database_pool_size)` hands
the app its settings; under a server, the app reads them from the environment
(`DATABASE_URL`, `DATABASE_POOL_SIZE`), as in production.

- With `"settings"` (the `module:Class` of the implementation's settings object), the
  harness builds `Settings(database_url=..., database_pool_size=...)` and calls the factory
  with it, by keyword: `create_app(settings=settings)`. The factory called with no argument
  must build the same object from the environment (that is what the servers do).
- Without it (the Django family, whose settings object is Django's settings module), the
  harness puts `DATABASE_URL` and `DATABASE_POOL_SIZE` into `os.environ`, as a server's
  environment would, and imports the app (calling the factory with no argument if it is one).
"""

from __future__ import annotations

import importlib
import os
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
    settings: str | None = None  # `module:Class`, built by the harness for the factory

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
        if "settings" in entry and not entry.get("factory", True):
            raise ValueError(f"implementation {name!r}: settings are passed to a factory only")
        return cls(
            name=name,
            framework=entry["framework"],
            interface=entry["interface"],
            validation=entry["validation"],
            data_layer=entry["data_layer"],
            servers=tuple(entry["servers"]),
            apps=entry.get("apps") or {entry["interface"]: entry["app"]},
            factory=entry.get("factory", True),
            settings=entry.get("settings"),
        )

    @property
    def in_process(self) -> bool:
        """Whether the app can be driven in-process (ASGI or WSGI) rather than over sockets."""
        return self.interface != "native"

    @property
    def app(self) -> str:
        """The `module:attribute` of the app used in-process."""
        return self.apps[self.interface]

    def load_app(self, database_url: str, database_pool_size: int) -> Any:
        """The in-process app on that database: the factory called with the settings object
        if the implementation declares one, else the app as its server would import it from
        this environment (see the module's docstring)."""
        if self.settings is None:
            os.environ["DATABASE_URL"] = database_url
            os.environ["DATABASE_POOL_SIZE"] = str(database_pool_size)
            target = _attribute(self.app)
            return cast(Callable[[], Any], target)() if self.factory else target
        settings = _attribute(self.settings)(
            database_url=database_url, database_pool_size=database_pool_size
        )
        # By keyword: Sanic's `sanic --factory` passes its own arguments positionally.
        return cast(Callable[..., Any], _attribute(self.app))(settings=settings)


def _attribute(reference: str) -> Any:
    """The object a `module:attribute` reference names."""
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


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
    """The implementations a comma-separated list names, in its order: `all` stands for
    every registered one, and a name given twice comes twice (`all,fastapi` has fastapi at
    both ends: the benchmark's repeat check)."""
    chosen: list[Implementation] = []
    for name in (n.strip() for n in spec.split(",")):
        if name == "all":
            chosen += implementations().values()
        elif name:
            chosen.append(get(name))
    return chosen
