"""The public surface of `rosetta.bench`, the way httpx tests its own: what `__init__`
re-exports is exactly `__all__`, and `__all__` is exactly what the CLI relies on."""

import types

from rosetta import bench

PUBLIC = {
    "BASELINE",
    "README",
    "RESULTS",
    "SCENARIOS",
    "BenchError",
    "Settings",
    "Target",
    "command_line",
    "run",
    "targets",
    "update_readme",
}


def test_bench_exports_all_its_public_names() -> None:
    """Every public name in the package is in `__all__`, its own modules aside."""
    names = {
        name
        for name, value in vars(bench).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert names == set(bench.__all__)


def test_bench_public_surface() -> None:
    assert set(bench.__all__) == PUBLIC
    assert len(bench.__all__) == len(PUBLIC)
