"""The public surface of `rosetta.bench`, tested as httpx tests its own: what `__init__`
holds is exactly `__all__`, and the `rosetta` command reaches for nothing else."""

import ast
import inspect
import types

from rosetta import bench, cli


def test_bench_exports_all_its_public_names() -> None:
    """Every public name in the package is in `__all__`, its own modules aside."""
    names = {
        name
        for name, value in vars(bench).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert names == set(bench.__all__)
    assert len(bench.__all__) == len(names)


def test_cli_uses_only_the_exported_bench() -> None:
    used = {
        node.attr
        for node in ast.walk(ast.parse(inspect.getsource(cli)))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "bench"
        and node.attr not in {"add_argument", "set_defaults"}  # the `bench` subparser's
    }
    assert used, "cli.py no longer reaches rosetta.bench as `bench`"
    assert used <= set(bench.__all__)
