"""What a bench run ran on: the host, and the versions of everything measured."""

from __future__ import annotations

import contextlib
import os
import platform
import re
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, entry_points
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import psutil

from rosetta import registry
from rosetta.bench.target import Target


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "system": platform.platform(),
        "python": platform.python_version(),
        "load_average": load_average(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def versions(chosen: Sequence[Target]) -> dict[str, str]:
    """Every distribution the measured implementations require, plus the baseline's stack."""
    names = {"asyncpg", "uvicorn", "granian", "hypercorn", "uvloop", "httptools", "psycopg"}
    by_name = {ep.name: ep for ep in entry_points(group=registry.GROUP)}
    for target in chosen:
        entry = by_name.get(target.impl.name) if target.impl else None
        if entry is not None and entry.dist is not None:
            for requirement in entry.dist.requires or []:
                match = re.match(r"[A-Za-z0-9._-]+", requirement)
                if match:
                    names.add(match[0])
    found = {}
    for name in sorted(names):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = package_version(name)
    return found
