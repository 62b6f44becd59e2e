"""`rosetta bench` from settings to the files: check, measure, describe, write."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from rosetta import database
from rosetta.bench import report
from rosetta.bench.cpus import Cpus, confined, split_cpus
from rosetta.bench.load import SCENARIOS, find_pgbench, find_wrk, version
from rosetta.bench.machine import load_average, machine, versions
from rosetta.bench.progress import Progress
from rosetta.bench.rounds import Rounds, Run, target_seconds
from rosetta.bench.settings import Settings
from rosetta.bench.table import ROWS, server_version
from rosetta.bench.target import Target, targets

DATABASE = "rosetta_bench"


def run(settings: Settings, stream: TextIO = sys.stdout) -> dict[str, Any]:
    """Measure, write `latest.json`, `latest.md` and `latest.svg`; return the report."""
    settings.check()
    chosen = targets(settings)
    wrk, pgbench = find_wrk(), find_pgbench()  # a missing one fails before anything starts
    started = datetime.now(UTC)
    host = machine()
    if host["load_average"][0] > 0.5 * (host["cpus"] or 1):
        stream.write(f"note: the machine is busy (load {host['load_average'][0]}); expect noise\n")
    cpus = split_cpus()
    runs, postgres, embedded = measure(settings, chosen, cpus, stream)
    host["load_average_after"] = load_average()
    meta = {
        "date": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "command": settings.command,
        "machine": host,
        "versions": {
            "wrk": version([wrk, "-v"]),
            "pgbench": version([pgbench, "--version"]),
            "postgres": postgres,
            "packages": versions(chosen),
        },
        "settings": recorded(settings, cpus, embedded),
    }
    described = [target.describe() for target in chosen]
    result = report.build(meta, described, [asdict(r) | {"valid": r.valid} for r in runs])
    report.write(result, settings.output)
    return result


def measure(
    settings: Settings, chosen: Sequence[Target], cpus: Cpus | None, stream: TextIO
) -> tuple[list[Run], str, bool]:
    """Every run, on a fresh database of the bench's own (see rosetta.database); with the
    server's PostgreSQL version, and whether it was an embedded one started here."""
    with (
        tempfile.TemporaryDirectory(prefix="rosetta-bench-") as logs,
        confined(cpus),
        database.server() as server,
    ):
        url = database.create_database(server.url, DATABASE)
        budget = target_seconds(settings) * len(chosen) * settings.rounds
        progress = Progress(budget, stream)
        stream.write(
            f"{len(chosen)} targets x {len(settings.scenarios)} scenarios x {settings.rounds}"
            f" rounds, {settings.duration} s each (+{settings.warmup} s warm-up), every round"
            f" in its own order: about {budget / 60:.0f} min\n"
        )
        runs = list(Rounds(settings, url, progress, Path(logs), cpus).runs(chosen))
        postgres = server_version(url)
    progress.line("")
    return runs, postgres, server.embedded


def recorded(settings: Settings, cpus: Cpus | None, embedded: bool) -> dict[str, Any]:
    """The conditions of the run, as the report states them."""
    return {
        "duration_s": settings.duration,
        "warmup_s": settings.warmup,
        "rounds": settings.rounds,
        "order": "every target once per round, shuffled with the round's number as seed",
        "connections": settings.connections,
        "wrk_threads": 1,
        "pool_size": settings.pool_size,
        "pgbench_clients": settings.pgbench_clients,
        "workers": 1,
        "cpus": None
        if cpus is None
        else {
            "server": sorted(cpus.server),
            "others": sorted(cpus.others),
            "database_confined": embedded,
        },
        "rows": ROWS,
        "scenarios": {name: SCENARIOS[name].description for name in settings.scenarios},
    }
