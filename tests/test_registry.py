"""The registry's contract with the implementations: how the harness builds an app
in-process (a settings object into the factory, or the environment a server would give),
and how a list of names selects implementations."""

import os
import sys
import types
from dataclasses import dataclass
from typing import Any

import pytest

from rosetta import registry
from rosetta.registry import Implementation

ENTRY = {
    "framework": "Fake",
    "interface": "asgi",
    "validation": "none",
    "data_layer": "none",
    "servers": ["uvicorn"],
}


@dataclass(frozen=True)
class Settings:
    database_url: str
    database_pool_size: int = 10


def create_app(settings: Settings | None = None) -> dict[str, Any]:
    """Records what it was given, and what the environment said when it was called."""
    return {"settings": settings, "environ": os.environ.get("DATABASE_URL")}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> str:
    """A module `fake_impl` holding the settings class, a factory and a ready app."""
    module = types.ModuleType("fake_impl")
    module.Settings = Settings  # type: ignore[attr-defined]
    module.create_app = create_app  # type: ignore[attr-defined]
    module.application = "a ready app"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_impl", module)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_POOL_SIZE", raising=False)
    return "fake_impl"


def test_load_app_passes_the_declared_settings_to_the_factory(fake: str) -> None:
    entry = {**ENTRY, "app": f"{fake}:create_app", "settings": f"{fake}:Settings"}
    impl = Implementation.from_entry("fake", entry)
    app = impl.load_app("postgresql://db/app", 3)
    assert app == {"settings": Settings("postgresql://db/app", 3), "environ": None}
    assert "DATABASE_URL" not in os.environ


def test_load_app_without_settings_sets_the_environment_then_calls_the_factory(
    fake: str,
) -> None:
    impl = Implementation.from_entry("fake", {**ENTRY, "app": f"{fake}:create_app"})
    app = impl.load_app("postgresql://db/app", 3)
    assert app == {"settings": None, "environ": "postgresql://db/app"}
    assert os.environ["DATABASE_POOL_SIZE"] == "3"


def test_load_app_of_a_ready_app_sets_the_environment_and_imports_it(fake: str) -> None:
    entry = {**ENTRY, "app": f"{fake}:application", "factory": False}
    impl = Implementation.from_entry("fake", entry)
    assert impl.load_app("postgresql://db/app", 3) == "a ready app"
    assert os.environ["DATABASE_URL"] == "postgresql://db/app"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"servers": []}, "declares no server", id="no-server"),
        pytest.param({"interface": "cgi"}, "interface must be one of", id="unknown-interface"),
        pytest.param(
            {"factory": False, "settings": "m:Settings"},
            "settings are passed to a factory only",
            id="settings-without-factory",
        ),
    ],
)
def test_from_entry_rejects(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Implementation.from_entry("fake", {**ENTRY, "app": "m:create_app", **changes})


def test_select_all_names_and_repeats() -> None:
    every = list(registry.implementations().values())
    fastapi = registry.get("fastapi")
    assert registry.select("all") == every
    assert registry.select(" fastapi , flask ") == [fastapi, registry.get("flask")]
    assert registry.select("all,fastapi") == [*every, fastapi]
    assert registry.select("fastapi,fastapi") == [fastapi, fastapi]


def test_select_an_unknown_name() -> None:
    with pytest.raises(registry.UnknownImplementationError, match="no implementation named"):
        registry.select("fastapi,nope")
