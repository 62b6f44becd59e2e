"""`rosetta bench`: the same database-backed workload through every implementation.

The conditions are the same for every target:

- one worker process per server, the same `DATABASE_POOL_SIZE`, the same PostgreSQL and
  the same table: `users` re-seeded with `ROWS` users (ids 1..ROWS) before each scenario;
- load from `wrk` (one thread, `connections` keep-alive connections, a Lua script per
  scenario), never from this process; a warm-up run before each measured run;
- on Linux with two CPUs or more, the server on one CPU of its own and everything else
  (this process, wrk, pgbench, an embedded PostgreSQL) on the others, so that the server
  never shares its core with its load, whatever the scheduler would have chosen;
- many short rounds (10 of 3 s by default), each visiting every target once in an order
  of its own (shuffled, seeded by the round's number), so that the host's drift, which
  comes in stretches of half a minute, hits all alike and averages out; the median of the
  rounds is reported with min and max.

Two ceilings are measured in the same rounds: `baseline` (a framework-free ASGI app on
asyncpg, under the same servers) and `pgbench` (the same SQL, straight to the database,
at the concurrency the pool allows). Every response must have the scenario's status,
and after each run that creates, the rows added must equal the 201s counted; anything
else marks the run invalid.

A target given twice (`--impl all,fastapi`) is the repeat check: its copies must agree
within 10% on their ratio to the ceiling measured in the same round, in every scenario.
The report also holds the throughput claims of a 2026 guide against the run's figures.

The modules, one concern each:

    settings   what a run is asked to do (`Settings`), where results go
    target     what it measures: implementations under servers, and the two ceilings
    load       the load generators, wrk and pgbench, and the scenarios
    table      the `users` table every scenario starts from
    cpus       the server on a CPU of its own
    gauge      what the server's processes used
    progress   the status line
    rounds     the measuring: rounds x targets x scenarios, one `Run` each
    machine    the host and the versions measured
    runner     `run()`: from settings to the report
    report     medians, ratios, the repeat check, the files and the README's section
    claims     the 2026 guide's throughput claims, from a run's results
    baseline   the framework-free ASGI app
"""

from rosetta.bench.load import SCENARIOS, BenchError
from rosetta.bench.report import update_readme
from rosetta.bench.runner import run
from rosetta.bench.settings import README, RESULTS, Settings, command_line
from rosetta.bench.target import BASELINE, Target, targets

__all__ = [
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
]
