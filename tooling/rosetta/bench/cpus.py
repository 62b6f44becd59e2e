"""On Linux with two CPUs or more: the server on a CPU of its own, everything else (this
process, wrk, pgbench, an embedded PostgreSQL) on the others."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass


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
