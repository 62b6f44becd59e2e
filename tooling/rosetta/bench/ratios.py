"""Ratios between two targets taken round by round: each round's figure of one over the
other's in the same round, then the median of the rounds. A slow stretch of the host that
lasts a round or longer slows both alike and drops out; shorter ones are averaged out by
the many rounds, each in its own order."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any


def round_ratios(
    runs: Sequence[Mapping[str, Any]], target: str, other: str, scenario: str, metric: str = "rps"
) -> list[float]:
    """Per round, `target`'s `metric` over `other`'s in the same round and scenario."""
    theirs = {
        r["round"]: r[metric] for r in runs if r["target"] == other and r["scenario"] == scenario
    }
    return [
        r[metric] / theirs[r["round"]]
        for r in runs
        if r["target"] == target
        and r["scenario"] == scenario
        and r[metric] is not None
        and theirs.get(r["round"])
    ]


def median_ratio(
    runs: Sequence[Mapping[str, Any]], target: str, other: str, scenario: str, metric: str = "rps"
) -> float | None:
    """The median of `round_ratios`, or None where no round measured both."""
    ratios = round_ratios(runs, target, other, scenario, metric)
    return statistics.median(ratios) if ratios else None
