"""The throughput claims of a 2026 guide to Python backends, against the figures of one run.

The guide ("Python Backend Frameworks 2026 Complete Guide") quotes plaintext
microbenchmarks (TechEmpower) on many workers; this workload is database-backed, on one
worker per server. Each claim becomes a ratio of requests/s measured in the same run,
taken round by round as every ratio of the report (see ratios), per scenario, and a range
in which it holds. Only valid results count: a target missing from the run, or invalid in
a round, leaves the claim "not measured" for that scenario.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rosetta.bench.ratios import median_ratio

HOLDS, FAILS, UNMEASURED = "holds", "does not hold", "not measured"


@dataclass(frozen=True)
class Claim:
    text: str  # as the guide puts it
    measured: str  # the figure that stands for it here
    low: float  # it holds for a figure from low to high (no upper bound: None)
    high: float | None
    over: str | None = None  # a target: the figure is `over` ÷ `under` ...
    under: str | None = None  # ... (or, both None, the report's granian ÷ uvicorn per app)


CLAIMS = (
    Claim(
        "Granian gives 1.5-2x the throughput of uvicorn",
        "granian ÷ uvicorn, same app: median (range) over the apps run under both",
        1.5,
        2.0,
    ),
    Claim(
        "Robyn shows 2-3x the throughput of FastAPI",
        "robyn ÷ fastapi@uvicorn",
        2.0,
        3.0,
        "robyn",
        "fastapi@uvicorn",
    ),
    Claim(
        "Litestar + Granian is about 1.6x FastAPI + uvicorn",
        "litestar@granian ÷ fastapi@uvicorn",
        1.44,  # "about": within 10%
        1.76,
        "litestar@granian",
        "fastapi@uvicorn",
    ),
    Claim(
        "FastAPI on Granian reaches nearly the same level as Litestar",
        "fastapi@granian ÷ litestar@granian",
        0.9,  # "nearly": within 10%, or above
        None,
        "fastapi@granian",
        "litestar@granian",
    ),
)


def claims(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every claim with its figure and verdict per scenario of the run, from the report's
    results, runs and granian ÷ uvicorn comparison (`server_comparison`)."""
    scenarios = list(report["settings"]["scenarios"])
    valid = {(r["target"], r["scenario"]) for r in report["results"] if r["valid"] and r["rps"]}
    ids = [t["id"] for t in report["targets"]]
    checked = []
    for claim in CLAIMS:
        figures = {}
        for scenario in scenarios:
            if claim.over is None or claim.under is None:
                pairs = report["server_comparison"]
                figure = across_apps([p for p in pairs if p["scenario"] == scenario and p["valid"]])
            else:
                over, under = find(ids, claim.over), find(ids, claim.under)
                measured = {(over, scenario), (under, scenario)} <= valid
                value = median_ratio(report["runs"], over, under, scenario) if measured else None
                figure = {"ratio": value}
            figures[scenario] = figure | {"verdict": verdict(claim, figure["ratio"])}
        checked.append(
            {
                "claim": claim.text,
                "measured": claim.measured,
                "holds_if": {"low": claim.low, "high": claim.high},
                "scenarios": figures,
            }
        )
    return checked


def find(ids: Sequence[str], spec: str) -> str:
    """`impl@server` as it is; a bare `impl`: its first target in the run (under its own
    server), or the name itself when the run has none."""
    if "@" in spec:
        return spec
    return next((i for i in ids if i.split("@")[0] == spec and "#" not in i), spec)


def across_apps(pairs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The median of the apps' granian ÷ uvicorn, their range and how many apps."""
    ratios = [p["ratio"] for p in pairs]
    if not ratios:
        return {"ratio": None, "min": None, "max": None, "apps": 0}
    return {
        "ratio": statistics.median(ratios),
        "min": min(ratios),
        "max": max(ratios),
        "apps": len(ratios),
    }


def verdict(claim: Claim, figure: float | None) -> str:
    if figure is None:
        return UNMEASURED
    above = figure >= claim.low
    below = claim.high is None or figure <= claim.high
    return HOLDS if above and below else FAILS


def bounds(holds_if: Mapping[str, float | None]) -> str:
    """`1.50-2.00x`, or `at least 0.90x` without an upper bound."""
    low, high = holds_if["low"], holds_if["high"]
    return f"at least {low:.2f}x" if high is None else f"{low:.2f}-{high:.2f}x"
