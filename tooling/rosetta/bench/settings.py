"""What a bench run is asked to do, as `rosetta bench`'s options give it."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rosetta.bench.load import SCENARIOS, BenchError
from rosetta.database import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results"
README = REPO_ROOT / "README.md"


@dataclass(frozen=True)
class Settings:
    impls: str = "all"
    servers: str = "default"  # default | all | a comma-separated list
    scenarios: tuple[str, ...] = tuple(SCENARIOS)
    # Many short rounds, each visiting every target in its own order: the host's speed
    # drifts by 15-20% over stretches of half a minute, and ten short visits at scattered
    # times average that out where three long ones cannot (see report.repeat_check).
    duration: int = 3
    warmup: int = 1
    rounds: int = 10
    connections: int = 64
    pool_size: int = 10
    output: Path = RESULTS
    command: str = "rosetta bench"

    def check(self) -> None:
        """Raise `BenchError` for a setting no run can have."""
        unknown = [name for name in self.scenarios if name not in SCENARIOS]
        if unknown:
            raise BenchError(f"no scenario named {unknown[0]!r} (known: {', '.join(SCENARIOS)})")
        if self.duration < 1 or self.rounds < 1 or self.warmup < 0:
            raise BenchError("--duration and --rounds must be at least 1, --warmup at least 0")

    @property
    def pgbench_clients(self) -> int:
        """pgbench's connections: as many as the pool lets a server use at once."""
        return min(self.connections, self.pool_size)


def command_line(argv: Sequence[str]) -> str:
    return shlex.join(["rosetta", *argv])
