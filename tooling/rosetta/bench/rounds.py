"""The measuring itself: rounds of targets, each target through every scenario, each
scenario a warm-up and a measured window; one `Run` recorded per target, scenario, round.
Every round visits every target once, in an order of its own (`order`)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rosetta.bench.cpus import Cpus
from rosetta.bench.gauge import ServerGauge, Usage
from rosetta.bench.load import SCENARIOS, Load, Scenario, Tick, run_pgbench, run_wrk
from rosetta.bench.progress import Progress
from rosetta.bench.settings import Settings
from rosetta.bench.table import ROWS, count_rows, seed
from rosetta.bench.target import Target
from rosetta.ports import free_port
from rosetta.servers import LiveServer, ServerError


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
    at_s: float | None = None  # when the measured window began, seconds into the rounds
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

    def record(self, usage: Usage) -> None:
        self.peak_rss_mb = usage.peak_rss_mb
        self.cpu_ms = usage.cpu_ms
        self.cpu_busy = usage.cpu_busy
        self.steal_pct = usage.steal_pct


def order(chosen: Sequence[Target], rnd: int) -> list[Target]:
    """Round `rnd`'s order of the targets: shuffled with the round's number as the seed, so
    that no target keeps its place (and its neighbours) from round to round, and a rerun
    visits them in the same orders."""
    return random.Random(rnd).sample(list(chosen), len(chosen))


def target_seconds(settings: Settings) -> float:
    """About how long one target takes in one round (for the estimate of time left)."""
    per_scenario = settings.warmup + settings.duration + 1.0
    return 3.0 + per_scenario * len(settings.scenarios)


class Rounds:
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
        self.started = time.monotonic()

    def runs(self, chosen: Sequence[Target]) -> Iterator[Run]:
        for rnd in range(1, self.settings.rounds + 1):
            for target in order(chosen, rnd):
                if target.kind == "database":
                    yield from self.database_target(rnd, target)
                else:
                    yield from self.server_target(rnd, target)
                self.progress.advance(target_seconds(self.settings))

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
        clients = self.settings.pgbench_clients
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
        at = time.monotonic() - self.started
        run = Run.measured(rnd, target, scenario, load(settings.duration, measured, tick))
        run.at_s = round(at, 1)
        if gauge:
            run.record(gauge.end(run.requests))
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
