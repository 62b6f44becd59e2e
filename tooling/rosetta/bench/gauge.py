"""What the server's process tree used while the load ran."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Usage:
    peak_rss_mb: float | None
    cpu_ms: float | None  # server CPU time per request
    cpu_busy: float  # server CPU time / wall time
    steal_pct: float  # of the server's CPU, taken by the host


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

    def end(self, requests: int) -> Usage:
        """What was used since `begin()`, for the `requests` answered."""
        (then, used, stolen), (now, used_now, stolen_now) = self.start, self.readings()
        return Usage(
            peak_rss_mb=self.peak / 2**20 if self.peak else None,
            cpu_ms=1000 * (used_now - used) / requests if requests else None,
            cpu_busy=(used_now - used) / (now - then),
            steal_pct=100 * (stolen_now - stolen) / (now - then),
        )
