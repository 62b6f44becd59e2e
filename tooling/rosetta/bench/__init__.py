"""`rosetta bench`: the same database-backed workload through every implementation.

The conditions are the same for every target:

- one worker process per server, the same `DATABASE_POOL_SIZE`, the same PostgreSQL and
  the same table: `users` re-seeded with `ROWS` users (ids 1..ROWS) before each scenario;
- load from `wrk` (one thread, `connections` keep-alive connections, a Lua script per
  scenario), never from this process; a warm-up run before each measured run;
- on Linux with two CPUs or more, the server on one CPU of its own and everything else
  (this process, wrk, pgbench, an embedded PostgreSQL) on the others, so that the server
  never shares its core with its load, whatever the scheduler would have chosen;
- rounds interleaved across targets (A B C A B C ...), so that drift of the machine hits
  all alike; the median of the rounds is reported with min and max.

Two ceilings are measured in the same rounds: `baseline` (a framework-free ASGI app on
asyncpg, under the same servers) and `pgbench` (the same SQL, straight to the database,
at the concurrency the pool allows). Every response must have the scenario's status,
and after each run that creates, the rows added must equal the 201s counted; anything
else marks the run invalid.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, entry_points
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, Literal, TextIO

import psutil
import psycopg

from rosetta import database as source
from rosetta import registry
from rosetta.bench import report
from rosetta.bench.load import (
    SCENARIOS,
    BenchError,
    Load,
    Scenario,
    Tick,
    find_pgbench,
    find_wrk,
    run_pgbench,
    run_wrk,
    version,
)
from rosetta.database import REPO_ROOT, create_database
from rosetta.ports import free_port
from rosetta.registry import Implementation
from rosetta.servers import LiveServer, ServerError

__all__ = ["BASELINE", "RESULTS", "SCENARIOS", "BenchError", "Settings", "Target", "run", "targets"]

RESULTS = REPO_ROOT / "bench" / "results"
README = REPO_ROOT / "README.md"
DATABASE = "rosetta_bench"
ROWS = 10_000

# Framework-free, so it runs under any server that takes an ASGI app; not an entry point,
# so that it is never listed or put through the conformance suite.
BASELINE = Implementation(
    name="baseline",
    framework="none (bare ASGI)",
    interface="asgi",
    validation="hand-written",
    data_layer="asyncpg, plain SQL",
    servers=("uvicorn", "granian", "hypercorn"),
    apps={"asgi": "rosetta.bench.baseline:create_app"},
)
# The servers compared on every ASGI implementation that declares them.
COMPARED_SERVERS = ("uvicorn", "granian")


@dataclass(frozen=True)
class Settings:
    impls: str = "all"
    servers: str = "default"  # default | all | a comma-separated list
    scenarios: tuple[str, ...] = tuple(SCENARIOS)
    duration: int = 10
    warmup: int = 2
    rounds: int = 3
    connections: int = 64
    pool_size: int = 10
    output: Path = RESULTS
    command: str = "rosetta bench"


@dataclass(frozen=True)
class Target:
    id: str  # "fastapi@uvicorn"; a repeat of the same pair gets "#2"
    kind: Literal["implementation", "baseline", "database"]
    impl: Implementation | None = None
    server: str | None = None

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"id": self.id, "kind": self.kind, "server": self.server}
        if self.impl is not None:
            described |= {
                "impl": self.impl.name,
                "framework": self.impl.framework,
                "interface": self.impl.interface,
                "data_layer": self.impl.data_layer,
            }
        return described


def servers_for(impl: Implementation, spec: str) -> list[str]:
    """`default`: the first declared server, plus uvicorn and granian for ASGI apps."""
    if spec == "default":
        extra = [s for s in COMPARED_SERVERS if impl.interface == "asgi" and s in impl.servers]
        return list(dict.fromkeys([impl.servers[0], *extra]))
    if spec == "all":
        return list(impl.servers)
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    return [s for s in impl.servers if s in wanted]


def select(spec: str) -> list[Implementation]:
    """Names and `all`, comma-separated; a name given twice is measured twice (`all,fastapi`
    measures fastapi at both ends of each round: the within-run repeat check)."""
    chosen: list[Implementation] = []
    for name in (n.strip() for n in spec.split(",")):
        if name == "all":
            chosen += registry.implementations().values()
        elif name:
            chosen.append(registry.get(name))
    return chosen


def targets(settings: Settings) -> list[Target]:
    """The ceilings first, then every implementation under its servers, in the given order."""
    chosen: list[Target] = []
    seen: dict[str, int] = {}
    for impl in select(settings.impls):
        for server in servers_for(impl, settings.servers):
            key = f"{impl.name}@{server}"
            seen[key] = seen.get(key, 0) + 1
            target_id = key if seen[key] == 1 else f"{key}#{seen[key]}"
            chosen.append(Target(target_id, "implementation", impl, server))
    if not chosen:
        raise BenchError(
            f"no implementation selected by --impl {settings.impls!r} runs under"
            f" --server {settings.servers!r}"
        )
    used = {t.server for t in chosen}
    baseline = [s for s in BASELINE.servers if s in used] or ["uvicorn"]
    ceilings = [Target(f"baseline@{s}", "baseline", BASELINE, s) for s in baseline]
    return [*ceilings, Target("pgbench", "database"), *chosen]


@dataclass(frozen=True)
class Cpus:
    server: frozenset[int]
    others: frozenset[int]


def split_cpus() -> Cpus | None:
    """The first CPU this process may use for the server, the rest for everything else."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return Cpus(frozenset(cpus[:1]), frozenset(cpus[1:])) if len(cpus) > 1 else None


@contextlib.contextmanager
def confined(cpus: Cpus | None) -> Iterator[None]:
    """This process on `cpus.others` while the bench runs; what it starts inherits that."""
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus.others)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@contextlib.contextmanager
def database() -> Iterator[source.Server]:
    """A database of the bench's own on the tooling's server (see rosetta.database)."""
    with source.server() as server:
        yield source.Server(create_database(server.url, DATABASE), server.embedded)


def seed(url: str, rows: int) -> None:
    """The same table for every run: `rows` users with ids 1..rows, nothing else."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE users RESTART IDENTITY")
        conn.execute(
            "INSERT INTO users (email, name)"
            " SELECT 'user' || i || '@example.com', 'User ' || i FROM generate_series(1, %s) i",
            (rows,),
        )
        conn.execute("VACUUM ANALYZE users")
        # Start every target with no dirty pages pending (a superuser's right only).
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")


def count_rows(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM users").fetchone()
    return int(row[0]) if row else 0


class ServerGauge:
    """What the server's process tree used in the measured window: its peak resident size
    (sampled while the load runs), its CPU time per request and the share of its CPU that
    kept busy, beside the time the host stole from that CPU. A slow run with its CPU idle
    or stolen was short of CPU; one with its CPU busy needed more CPU per request (more
    work, or a slower machine)."""

    def __init__(self, pid: int, cpus: frozenset[int] | None) -> None:
        self.root = psutil.Process(pid)
        self.cpus = cpus
        self.peak = 0
        self.start = (0.0, 0.0, 0.0)

    def processes(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return []

    def sample(self) -> None:
        total = 0
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        self.peak = max(self.peak, total)

    def readings(self) -> tuple[float, float, float]:
        """Now, the tree's CPU seconds, and the seconds stolen from each of its CPUs."""
        used = 0.0
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                used += times.user + times.system
        per_cpu = psutil.cpu_times(percpu=True)
        chosen = sorted(self.cpus) if self.cpus else range(len(per_cpu))
        stolen = sum(getattr(per_cpu[c], "steal", 0.0) for c in chosen) / len(chosen)
        return time.monotonic(), used, stolen

    def begin(self) -> None:
        self.start = self.readings()

    def end(self, run: Run) -> None:
        (then, used, stolen), (now, used_now, stolen_now) = self.start, self.readings()
        run.peak_rss_mb = self.peak / 2**20 if self.peak else None
        run.cpu_ms = 1000 * (used_now - used) / run.requests if run.requests else None
        run.cpu_busy = (used_now - used) / (now - then)
        run.steal_pct = 100 * (stolen_now - stolen) / (now - then)


class Progress:
    """A status line rewritten in place on a terminal; finished runs are printed above it."""

    def __init__(self, budget: float, stream: TextIO = sys.stdout) -> None:
        self.budget = budget  # estimated seconds for the whole run
        self.spent = 0.0  # estimated seconds of the steps done
        self.started = time.monotonic()
        self.stream = stream
        self.tty = stream.isatty()

    def status(self, text: str) -> None:
        if not self.tty:
            return
        elapsed = time.monotonic() - self.started
        rate = elapsed / self.spent if self.spent else 1.0
        left = max(0.0, (self.budget - self.spent) * rate)
        done = min(99, int(100 * self.spent / self.budget)) if self.budget else 0
        eta = f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min"
        line = f"{text}   [{done}%, ~{eta} left]"
        # A line longer than the terminal would wrap, and \r could not take it back.
        width = shutil.get_terminal_size().columns - 1
        self.stream.write(f"\r\x1b[K{line[:width]}")
        self.stream.flush()

    def advance(self, seconds: float) -> None:
        self.spent += seconds

    def line(self, text: str) -> None:
        self.stream.write(("\r\x1b[K" if self.tty else "") + text + "\n")
        self.stream.flush()


@dataclass
class Run:
    """One target, one scenario, one round."""

    round: int
    target: str
    scenario: str
    requests: int = 0
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    created: int | None = None
    rows_added: int | None = None
    peak_rss_mb: float | None = None
    startup_s: float | None = None
    cpu_ms: float | None = None  # server CPU time per request
    cpu_busy: float | None = None  # server CPU time / wall time
    steal_pct: float | None = None  # of the server's CPU, taken by the host
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    @classmethod
    def measured(cls, rnd: int, target: Target, scenario: Scenario, load: Load) -> Run:
        return cls(
            round=rnd,
            target=target.id,
            scenario=scenario.name,
            requests=load.requests,
            rps=load.rps if load.requests else None,
            p50_ms=load.p50_ms,
            p99_ms=load.p99_ms,
            statuses=load.statuses,
            errors=load.errors,
            created=load.created if scenario.creates else None,
            problems=list(load.problems),
        )


class Bench:
    """The rounds, the targets in each, the scenarios for each target."""

    def __init__(
        self, settings: Settings, url: str, progress: Progress, logs: Path, cpus: Cpus | None
    ) -> None:
        self.settings = settings
        self.url = url
        self.cpus = cpus
        self.progress = progress
        self.logs = logs
        self.scenarios = [SCENARIOS[name] for name in settings.scenarios]

    def target_budget(self) -> float:
        per_scenario = self.settings.warmup + self.settings.duration + 1.0
        return 3.0 + per_scenario * len(self.scenarios)

    def rounds(self, chosen: Sequence[Target]) -> Iterator[Run]:
        for rnd in range(1, self.settings.rounds + 1):
            for target in chosen:
                if target.kind == "database":
                    yield from self.database_target(rnd, target)
                else:
                    yield from self.server_target(rnd, target)
                self.progress.advance(self.target_budget())

    def label(self, rnd: int, target: str, scenario: str) -> str:
        return f"round {rnd}/{self.settings.rounds}  {target:<24} {scenario:<7}"

    def ticker(
        self,
        rnd: int,
        target: Target,
        scenario: str,
        phase: str,
        seconds: int,
        sample: Callable[[], None] = lambda: None,
    ) -> Callable[[float], None]:
        label = self.label(rnd, target.id, scenario)

        def tick(elapsed: float) -> None:
            sample()
            self.progress.status(f"{label} {phase} {min(elapsed, seconds):4.1f}/{seconds} s")

        return tick

    def seeds(self, rnd: int, scenario: Scenario) -> tuple[int, int]:
        """The same random requests for every target in a round; other ones to warm up."""
        index = list(SCENARIOS).index(scenario.name)
        return rnd * 10 + index, 1000 + rnd * 10 + index

    def server_target(self, rnd: int, target: Target) -> Iterator[Run]:
        assert target.impl is not None
        assert target.server is not None
        settings = self.settings
        live = LiveServer(
            target.impl,
            target.server,
            free_port(),
            {"DATABASE_URL": self.url, "DATABASE_POOL_SIZE": str(settings.pool_size)},
            workers=1,
            log_path=self.logs / f"{target.id.replace('#', '-')}-{rnd}.log",
            cpus=None if self.cpus is None else self.cpus.server,
        )
        self.progress.status(f"{self.label(rnd, target.id, '')} starting {target.server}")
        try:
            try:
                startup = live.start()
            except ServerError as exc:
                problem = f"did not start: {str(exc).splitlines()[0]} {last_line(live)}"
                for scenario in self.scenarios:
                    run = Run(rnd, target.id, scenario.name, problems=[problem])
                    self.report(run)
                    yield run
                return
            for scenario in self.scenarios:
                seed(self.url, ROWS)
                run = self.server_scenario(rnd, target, scenario, live)
                run.startup_s = startup
                self.report(run)
                yield run
        finally:
            live.stop()

    def server_scenario(
        self, rnd: int, target: Target, scenario: Scenario, live: LiveServer
    ) -> Run:
        settings = self.settings
        assert live.process is not None
        gauge = ServerGauge(live.process.pid, None if self.cpus is None else self.cpus.server)

        def load(seconds: int, seed: int, tick: Tick) -> Load:
            return run_wrk(
                live.url,
                scenario,
                seconds=seconds,
                connections=settings.connections,
                rows=ROWS,
                seed=seed,
                tick=tick,
            )

        run = self.measure(rnd, target, scenario, load, gauge)
        if live.process.poll() is not None:
            run.problems.append(
                f"the server exited with {live.process.returncode}: {last_line(live)}"
            )
        return run

    def database_target(self, rnd: int, target: Target) -> Iterator[Run]:
        clients = min(self.settings.connections, self.settings.pool_size)
        for scenario in self.scenarios:
            seed(self.url, ROWS)

            def load(seconds: int, _seed: int, tick: Tick, scenario: Scenario = scenario) -> Load:
                return run_pgbench(
                    self.url, scenario, seconds=seconds, clients=clients, rows=ROWS, tick=tick
                )

            run = self.measure(rnd, target, scenario, load)
            self.report(run)
            yield run

    def measure(
        self,
        rnd: int,
        target: Target,
        scenario: Scenario,
        load: Callable[[int, int, Tick], Load],
        gauge: ServerGauge | None = None,
    ) -> Run:
        """A warm-up, then the measured window; after one that creates, the rows are counted.
        `load(seconds, seed, tick)` runs the load generator (pgbench draws its own ids)."""
        settings = self.settings
        measured, warm = self.seeds(rnd, scenario)
        if settings.warmup:
            load(
                settings.warmup,
                warm,
                self.ticker(rnd, target, scenario.name, "warm-up  ", settings.warmup),
            )
        before = count_rows(self.url) if scenario.creates else 0
        sample = gauge.sample if gauge else lambda: None
        tick = self.ticker(rnd, target, scenario.name, "measuring", settings.duration, sample)
        if gauge:
            gauge.begin()
        run = Run.measured(rnd, target, scenario, load(settings.duration, measured, tick))
        if gauge:
            gauge.end(run)
        if scenario.creates:
            run.rows_added = count_rows(self.url) - before
            if run.rows_added != run.created:
                run.problems.append(
                    f"{run.rows_added} rows added for {run.created} creates counted"
                )
        return run

    def report(self, run: Run) -> None:
        numbers = "no measurement"
        if run.rps is not None:
            numbers = f"{run.rps:9,.0f} req/s  p50 {run.p50_ms or 0:7.2f} ms"
            numbers += f"  p99 {run.p99_ms or 0:7.2f} ms"
        if run.peak_rss_mb is not None:
            numbers += f"  rss {run.peak_rss_mb:4.0f} MB"
        if run.cpu_ms is not None and run.cpu_busy is not None:
            numbers += f"  cpu {run.cpu_ms:5.2f} ms/req {100 * run.cpu_busy:3.0f}% busy"
        if run.steal_pct is not None and run.steal_pct >= 1:
            numbers += f"  steal {run.steal_pct:.0f}%"
        verdict = "ok" if run.valid else "INVALID: " + "; ".join(run.problems)
        self.progress.line(
            f"{self.label(run.round, run.target, run.scenario)} {numbers}  {verdict}"
        )


def last_line(live: LiveServer) -> str:
    lines = live.log_tail().strip().splitlines()
    return lines[-1].strip() if lines else "(no output)"


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
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def run(settings: Settings, stream: TextIO = sys.stdout) -> dict[str, Any]:
    """Measure, write `latest.json`, `latest.md` and `latest.svg`; return the report."""
    unknown = [name for name in settings.scenarios if name not in SCENARIOS]
    if unknown:
        raise BenchError(f"no scenario named {unknown[0]!r} (known: {', '.join(SCENARIOS)})")
    if settings.duration < 1 or settings.rounds < 1 or settings.warmup < 0:
        raise BenchError("--duration and --rounds must be at least 1, --warmup at least 0")
    chosen = targets(settings)
    wrk, pgbench = find_wrk(), find_pgbench()
    started = datetime.now(UTC)
    host = machine()
    if host["load_average"][0] > 0.5 * (host["cpus"] or 1):
        stream.write(f"note: the machine is busy (load {host['load_average'][0]}); expect noise\n")
    cpus = split_cpus()
    logs = tempfile.TemporaryDirectory(prefix="rosetta-bench-")
    with logs, confined(cpus), database() as bench_database:
        url = bench_database.url
        with psycopg.connect(url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            postgres = str(row[0]) if row else "unknown"
        bench = Bench(settings, url, Progress(0.0, stream), Path(logs.name), cpus)
        bench.progress.budget = bench.target_budget() * len(chosen) * settings.rounds
        stream.write(
            f"{len(chosen)} targets x {len(bench.scenarios)} scenarios x {settings.rounds}"
            f" rounds, {settings.duration} s each (+{settings.warmup} s warm-up)\n"
        )
        runs = list(bench.rounds(chosen))
    bench.progress.line("")
    host["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result = report.build(
        meta={
            "date": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "command": settings.command,
            "machine": host,
            "versions": {
                "wrk": version([wrk, "-v"]),
                "pgbench": version([pgbench, "--version"]),
                "postgres": postgres,
                "packages": versions(chosen),
            },
            "settings": {
                "duration_s": settings.duration,
                "warmup_s": settings.warmup,
                "rounds": settings.rounds,
                "connections": settings.connections,
                "wrk_threads": 1,
                "pool_size": settings.pool_size,
                "pgbench_clients": min(settings.connections, settings.pool_size),
                "workers": 1,
                "cpus": None
                if cpus is None
                else {
                    "server": sorted(cpus.server),
                    "others": sorted(cpus.others),
                    "database_confined": bench_database.embedded,
                },
                "rows": ROWS,
                "scenarios": {s.name: s.description for s in bench.scenarios},
            },
        },
        targets=[t.describe() for t in chosen],
        runs=[asdict(r) | {"valid": r.valid} for r in runs],
    )
    report.write(result, settings.output)
    return result


def command_line(argv: Sequence[str]) -> str:
    return shlex.join(["rosetta", *argv])
