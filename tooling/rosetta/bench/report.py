"""The results of a bench run: medians over rounds, ratios to the ceilings, and the files
(`latest.json`, `latest.md`, `latest.svg`) with the README's Performance section."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from rosetta.bench.claims import bounds, claims
from rosetta.bench.ratios import median_ratio, round_ratios

# 2: ratios to the ceiling taken in the same round (the median of the rounds' ratios);
# the repeat check on them, with a verdict; the guide's claims; `at_s` in every run; rounds
# in shuffled orders (settings.order).
SCHEMA = 2
REPEAT_TOLERANCE = 0.10  # copies of one target agree when their ratios are this close
METRICS = ("rps", "p50_ms", "p99_ms", "peak_rss_mb", "startup_s", "cpu_ms")
README_BEGIN, README_END = "<!-- bench: begin -->", "<!-- bench: end -->"
SERVER_COLOURS = {
    "uvicorn": "#4c78a8",
    "granian": "#f58518",
    "gunicorn": "#54a24b",
    "hypercorn": "#b279a2",
    "sanic": "#e45756",
}
OTHER_COLOUR = "#72b7b2"

Report = dict[str, Any]


def spread(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def median(result: Mapping[str, Any] | None, metric: str) -> float | None:
    if result is None or result[metric] is None:
        return None
    return float(result[metric]["median"])


def build(
    meta: Mapping[str, Any], targets: list[dict[str, Any]], runs: list[dict[str, Any]]
) -> Report:
    scenarios = list(meta["settings"]["scenarios"])
    results = []
    for target in targets:
        for scenario in scenarios:
            rounds = [r for r in runs if r["target"] == target["id"] and r["scenario"] == scenario]
            result: dict[str, Any] = {"target": target["id"], "scenario": scenario}
            for metric in METRICS:
                result[metric] = spread([r[metric] for r in rounds if r[metric] is not None])
            result["rounds"] = len(rounds)
            result["valid"] = bool(rounds) and all(r["valid"] for r in rounds)
            results.append(result)
    add_ratios(targets, results, runs)
    invalid = [r for r in runs if not r["valid"]]
    report: Report = {
        "schema": SCHEMA,
        **meta,
        "valid": not invalid,
        "invalid_runs": [
            {
                "round": r["round"],
                "target": r["target"],
                "scenario": r["scenario"],
                "problems": r["problems"],
            }
            for r in invalid
        ],
        "targets": targets,
        "results": results,
        "server_comparison": server_comparison(targets, results, runs),
        "repeat_check": repeat_check(results, runs),
        "runs": runs,
    }
    report["claims"] = claims(report)
    return report


def add_ratios(
    targets: list[dict[str, Any]], results: list[dict[str, Any]], runs: list[dict[str, Any]]
) -> None:
    """Each implementation against the baseline on its own server (or the fastest one): for
    every metric, the median over the rounds of its ratio in the same round (see ratios)."""
    kinds = {t["id"]: t for t in targets}
    by_key = {(r["target"], r["scenario"]): r for r in results}
    for result in results:
        target = kinds[result["target"]]
        result["vs_ceiling"] = None
        if target["kind"] != "implementation":
            continue
        scenario = result["scenario"]
        ceiling = by_key.get((f"baseline@{target['server']}", scenario))
        if median(ceiling, "rps") is None:
            baselines = [by_key[(t["id"], scenario)] for t in targets if t["kind"] == "baseline"]
            measured = [b for b in baselines if median(b, "rps") is not None]
            ceiling = max(measured, key=lambda b: median(b, "rps") or 0.0, default=None)
        if ceiling is None:
            continue
        ratios: dict[str, Any] = {"ceiling": ceiling["target"]}
        for metric in METRICS:
            ratios[metric] = median_ratio(
                runs, result["target"], ceiling["target"], scenario, metric
            )
        result["vs_ceiling"] = ratios


def base_id(target_id: str) -> str:
    return target_id.split("#")[0]


def server_comparison(
    targets: list[dict[str, Any]], results: list[dict[str, Any]], runs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """granian ÷ uvicorn, round by round (see ratios), for every app measured under both
    (repeats aside); with each one's median requests/s and whether both were valid."""
    by_key = {(r["target"], r["scenario"]): r for r in results}
    apps = list(dict.fromkeys(t.get("impl") for t in targets if t.get("impl")))
    rows = []
    for app in apps:
        for scenario in dict.fromkeys(r["scenario"] for r in results):
            uvicorn = by_key.get((f"{app}@uvicorn", scenario))
            granian = by_key.get((f"{app}@granian", scenario))
            value = median_ratio(runs, f"{app}@granian", f"{app}@uvicorn", scenario)
            if uvicorn and granian and value is not None:
                rows.append(
                    {
                        "app": app,
                        "scenario": scenario,
                        "uvicorn_rps": median(uvicorn, "rps"),
                        "granian_rps": median(granian, "rps"),
                        "ratio": value,
                        "valid": uvicorn["valid"] and granian["valid"],
                    }
                )
    return rows


def repeat_check(
    results: Sequence[Mapping[str, Any]], runs: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The same target measured more than once in the run (`--impl all,fastapi`): each
    copy's ratio to its ceiling (as in the tables: the median over the rounds of the ratio
    in the same round, with the ratio of every round), and whether the copies agree within
    REPEAT_TOLERANCE (max ÷ min - 1), scenario by scenario.

    Ratios rather than requests/s because the ratio is what the report asks readers to
    compare, and because a slow stretch of the host that lasts for minutes (a round) slows
    the ceiling of that round too; stretches of seconds to half a minute are averaged out
    by many short rounds in shuffled orders. Beside them, each copy's median requests/s and
    server CPU per request (see CPU_NOTE)."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for result in results:
        if result["vs_ceiling"] is not None:
            groups.setdefault((base_id(result["target"]), result["scenario"]), []).append(result)
    pairs = []
    for (target, scenario), results_of in groups.items():
        if len(results_of) < 2:
            continue
        ceiling = results_of[0]["vs_ceiling"]["ceiling"]
        copies = []
        for result in results_of:
            copies.append(
                {
                    "target": result["target"],
                    "ratio": result["vs_ceiling"]["rps"],
                    "ratios": round_ratios(runs, result["target"], ceiling, scenario, "rps"),
                    "rps": median(result, "rps"),
                    "cpu_ms": median(result, "cpu_ms"),
                }
            )
        pairs.append(
            {
                "target": target,
                "scenario": scenario,
                "ceiling": ceiling,
                "copies": copies,
                "difference": apart([c["ratio"] for c in copies]),
                "rps_difference": apart([c["rps"] for c in copies]),
            }
        )
    for pair in pairs:
        pair["passed"] = pair["difference"] is not None and pair["difference"] <= REPEAT_TOLERANCE
    return {
        "tolerance": REPEAT_TOLERANCE,
        "passed": all(p["passed"] for p in pairs) if pairs else None,
        "pairs": pairs,
    }


def apart(values: Sequence[float | None]) -> float | None:
    """max ÷ min - 1, or None where a value is missing."""
    present = [v for v in values if v]
    return max(present) / min(present) - 1 if len(present) == len(values) else None


# Files

LEGEND = (
    "In parentheses: the ratio to the framework-free ceiling (`baseline`, a bare ASGI app on"
    " asyncpg) under the same server, or under the fastest one where it cannot run, measured"
    " in the same round; the median of the rounds (0.50x requests/s is half as fast; 2.00x"
    " latency, memory or startup is twice as much)."
    " `pgbench` sends the same SQL straight to the database at the pool's concurrency."
    " Startup: from process start to the first healthy response. ⚠: a round was invalid."
)
REPEAT_NOTE = (
    "Ratio to ceiling: as in the tables, per round the copy's requests/s over its ceiling's"
    " (the framework-free baseline under the same server) in the same round; the median of"
    f" the rounds. The copies pass when their ratios are within {REPEAT_TOLERANCE:.0%} of each"
    " other (max / min - 1)."
)
CPU_NOTE = (
    "CPU ms/req: the server's CPU time per request in the measured window. A copy that is"
    " slower and needed more CPU per request ran on a slower machine or did more work; one"
    " that needed the same ran short of CPU."
)


def write(report: Report, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (folder / "latest.md").write_text(markdown(report))
    (folder / "latest.svg").write_text(svg(report))


def number(value: float | None, digits: int = 3) -> str:
    """Three significant figures for small values, thousands separators for large ones."""
    if value is None:
        return "-"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}" if value else "0"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(header: Sequence[str], rows: Iterable[Sequence[str]], left: int = 1) -> str:
    """A markdown table: the first `left` columns aligned left, the others right."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * left + ["--:"] * (len(header) - left)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def ordered_targets(report: Report) -> list[dict[str, Any]]:
    """Ceilings first, then implementations by requests/s in the last scenario, fastest first."""
    scenarios = list(report["settings"]["scenarios"])
    by_key = {(r["target"], r["scenario"]): r for r in report["results"]}
    ceilings = [t for t in report["targets"] if t["kind"] != "implementation"]
    impls = [t for t in report["targets"] if t["kind"] == "implementation"]
    impls.sort(key=lambda t: -(median(by_key[(t["id"], scenarios[-1])], "rps") or 0.0))
    return ceilings + impls


def label(target: Mapping[str, Any]) -> str:
    if target["kind"] == "baseline":
        return f"*ceiling:* {target['id']}"
    if target["kind"] == "database":
        return "*ceiling:* PostgreSQL (pgbench)"
    return str(target["id"])


def cell(result: Mapping[str, Any], metric: str, digits: int = 3) -> str:
    """The median, with its ratio to the ceiling in parentheses where there is one."""
    text = number(median(result, metric), digits)
    vs = result["vs_ceiling"]
    if vs is not None and vs[metric] is not None:
        text += f" ({ratio(vs[metric])})"
    return text


def overview(report: Report) -> str:
    """Requests/s per scenario, startup and memory, each against the framework-free ceiling."""
    scenarios = list(report["settings"]["scenarios"])
    by_key = {(r["target"], r["scenario"]): r for r in report["results"]}
    rows = []
    for target in ordered_targets(report):
        results = [by_key[(target["id"], s)] for s in scenarios]
        cells = [label(target)]
        cells += [cell(r, "rps") + ("" if r["valid"] else " ⚠") for r in results]
        # Startup is measured once per round and target; memory at its peak scenario.
        cells.append(cell(results[0], "startup_s", 2))
        cells.append(
            cell(max(results, key=lambda r: median(r, "peak_rss_mb") or 0.0), "peak_rss_mb")
        )
        rows.append(cells)
    header = ["target", *(f"{s} req/s" for s in scenarios), "startup s", "peak RSS MB"]
    return table(header, rows)


def comparison(report: Report) -> str:
    """granian ÷ uvicorn per app and scenario, and a sentence over all of them."""
    scenarios = list(report["settings"]["scenarios"])
    pairs = report["server_comparison"]
    ratios = {(c["app"], c["scenario"]): c["ratio"] for c in pairs}
    apps = list(dict.fromkeys(c["app"] for c in pairs))
    rows = [[app, *(ratio(ratios.get((app, s))) for s in scenarios)] for app in apps]
    values = [c["ratio"] for c in pairs]
    summary = (
        f"Granian ÷ uvicorn, requests/s of the same app in the same round: median"
        f" {ratio(statistics.median(values))} over {len(values)} app and scenario pairs,"
        f" from {ratio(min(values))} to {ratio(max(values))}."
    )
    return summary + "\n\n" + table(["app", *scenarios], rows)


def details(report: Report, scenario: str) -> str:
    by_key = {(r["target"], r["scenario"]): r for r in report["results"]}
    rows = []
    for target in ordered_targets(report):
        result = by_key[(target["id"], scenario)]
        rps = result["rps"]
        rows.append(
            [
                label(target) + ("" if result["valid"] else " ⚠"),
                cell(result, "rps"),
                f"{number(rps['min'])}-{number(rps['max'])}" if rps else "-",
                cell(result, "p50_ms"),
                cell(result, "p99_ms"),
                cell(result, "peak_rss_mb"),
                cell(result, "cpu_ms"),
            ]
        )
    header = ["target", "req/s", "range", "p50 ms", "p99 ms", "peak RSS MB", "CPU ms/req"]
    return table(header, rows)


def conditions(report: Report) -> str:
    s, m, v = report["settings"], report["machine"], report["versions"]
    return (
        f"{report['date']}, {m['cpu']} ({m['cpus']} CPUs, {m['memory_gb']} GB), {m['system']};"
        f" Python {m['python']}, PostgreSQL {v['postgres']}, {v['wrk'].split(' [')[0]}."
        f" One worker process per server{placement(s.get('cpus'))},"
        f" pool of {s['pool_size']} connections, {s['connections']} keep-alive connections"
        f" from wrk (1 thread), {s['rows']:,} users"
        f" seeded before each scenario, {s['warmup_s']} s warm-up then {s['duration_s']} s"
        f" measured per scenario, {s['rounds']} round(s), each visiting every target once in"
        f" an order of its own (shuffled, seeded); figures are medians of the rounds, ratios"
        f" taken within a round. Load average {m['load_average'][0]} at the start,"
        f" {m.get('load_average_after', ['?'])[0]} at the end.{steal(report['runs'])}"
    )


def steal(runs: Sequence[Mapping[str, Any]]) -> str:
    """How much of the server's CPU the host took back, over the runs that measured it."""
    stolen = [r["steal_pct"] for r in runs if r["steal_pct"] is not None]
    if not stolen:
        return ""
    return (
        f" Time stolen by the host from the server's CPU: median {statistics.median(stolen):.1f}%"
        f" of a run, at most {max(stolen):.1f}%."
    )


def placement(cpus: Mapping[str, Any] | None) -> str:
    if not cpus:
        return ""
    others = "wrk, pgbench" + (" and PostgreSQL" if cpus["database_confined"] else "")
    listed = ", ".join(str(c) for c in cpus["others"])
    return f" on a CPU of its own (CPU {cpus['server'][0]}; {others} on CPU {listed})"


def validity(report: Report) -> str:
    runs = len(report["runs"])
    if report["valid"]:
        return (
            f"All {runs} runs valid: every response had the expected status, no socket"
            " error, and after each run that creates, the rows added equal the creates counted."
        )
    lines = [f"**{len(report['invalid_runs'])} of {runs} runs invalid:**", ""]
    lines += [
        f"- round {r['round']} {r['target']} {r['scenario']}: {'; '.join(r['problems'])}"
        for r in report["invalid_runs"]
    ]
    return "\n".join(lines)


def precise(value: float | None) -> str:
    """A ratio to three decimals (0.121x): the repeat check's 10% needs them."""
    return "-" if value is None else f"{value:.3f}x"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def repeat_verdict(report: Report) -> str:
    check = report["repeat_check"]
    pairs, tolerance = check["pairs"], f"{100 * check['tolerance']:.0f}%"
    failed = [f"{p['target']} {p['scenario']}" for p in pairs if not p["passed"]]
    if not failed:
        return (
            f"Repeat check **PASS**: every target measured twice agrees with itself within"
            f" {tolerance} on its ratio to the ceiling in every scenario ({len(pairs)} of"
            f" {len(pairs)} target and scenario pairs)."
        )
    return (
        f"Repeat check **FAIL**: {len(failed)} of {len(pairs)} target and scenario pairs"
        f" differ by more than {tolerance} on their ratio to the ceiling ({', '.join(failed)})."
    )


def repeats(report: Report) -> str:
    """Each repeated target and scenario: the copies' ratios to the ceiling, how far apart
    they are and the verdict, then their requests/s and CPU per request."""
    rows = [
        [
            p["target"],
            p["scenario"],
            p["ceiling"],
            ", ".join(precise(c["ratio"]) for c in p["copies"]),
            percent(p["difference"]),
            "PASS" if p["passed"] else "FAIL",
            ", ".join(number(c["rps"]) for c in p["copies"]),
            ", ".join(number(c["cpu_ms"]) for c in p["copies"]),
        ]
        for p in report["repeat_check"]["pairs"]
    ]
    header = ["target", "scenario", "ceiling", "ratio to ceiling", "max / min - 1",
              "verdict", "req/s", "CPU ms/req"]  # fmt: skip
    return table(header, rows, left=3)


def claim_cell(figure: Mapping[str, Any], holds_if: Mapping[str, float | None]) -> str:
    """`0.95x (0.83-1.04x, 6 apps): does not hold (lower)`, or `not measured`."""
    value = figure["ratio"]
    if value is None:
        return str(figure["verdict"])
    text = ratio(value)
    if figure.get("apps"):
        text += f" ({figure['min']:.2f}-{ratio(figure['max'])}, {figure['apps']} apps)"
    text += f": {figure['verdict']}"
    if value < (holds_if["low"] or 0.0):
        text += " (lower)"
    elif holds_if["high"] is not None and value > holds_if["high"]:
        text += " (higher)"
    return text


def claims_table(report: Report) -> str:
    """The 2026 guide's claims (see rosetta.bench.claims), each with this run's figures."""
    scenarios = list(report["settings"]["scenarios"])
    rows = [
        [
            c["claim"],
            c["measured"],
            bounds(c["holds_if"]),
            *(claim_cell(c["scenarios"][s], c["holds_if"]) for s in scenarios),
        ]
        for c in report["claims"]
    ]
    return table(["claim", "measured here", "holds if", *scenarios], rows, left=3)


CLAIMS_NOTE = (
    "The claims of a 2026 guide to Python backends, on this workload: the guide quotes"
    " plaintext microbenchmarks (TechEmpower) on many workers, this is database-backed on one"
    " worker per server. Figures are ratios of requests/s in the same round, the median of"
    " the rounds, as above; valid runs only."
)


def markdown(report: Report) -> str:
    scenarios = report["settings"]["scenarios"]
    parts = [
        "# rosetta bench\n",
        f"`{report['command']}`\n",
        conditions(report) + "\n",
        validity(report) + "\n",
        "![requests per second by target and scenario](latest.svg)\n",
        "## Requests per second\n",
        LEGEND + "\n",
        overview(report),
    ]
    if report["server_comparison"]:
        parts += ["## Granian ÷ uvicorn (requests/s)\n", comparison(report)]
    if report["repeat_check"]["pairs"]:
        parts += [
            "## Repeats within the run\n",
            repeat_verdict(report) + "\n",
            REPEAT_NOTE + "\n",
            CPU_NOTE + "\n",
            repeats(report),
        ]
    parts += ["## The 2026 guide's claims\n", CLAIMS_NOTE + "\n", claims_table(report)]
    for scenario, description in scenarios.items():
        parts += [f"## {scenario}: {description}\n", details(report, scenario)]
    packages = ", ".join(f"{k} {v}" for k, v in report["versions"]["packages"].items())
    parts += ["## Versions\n", f"{report['versions']['pgbench']}; {packages}.\n"]
    return "\n".join(parts)


def readme_section(report: Report, results: str = "bench/results") -> str:
    """What the README shows under "Performance", between its markers."""
    return "\n".join(
        [
            README_BEGIN,
            "```",
            f"uv run {report['command']}",
            "```",
            "",
            conditions(report),
            "",
            validity(report),
            "",
            f"![requests per second by target and scenario]({results}/latest.svg)",
            "",
            overview(report).rstrip("\n"),
            "",
            LEGEND,
            "",
            *([comparison(report).rstrip("\n"), ""] if report["server_comparison"] else []),
            *(
                [repeat_verdict(report), "", repeats(report).rstrip("\n"), "", REPEAT_NOTE, ""]
                if report["repeat_check"]["pairs"]
                else []
            ),
            claims_table(report).rstrip("\n"),
            "",
            CLAIMS_NOTE,
            "",
            f"Latency, ranges and memory per scenario: [{results}/latest.md]({results}/latest.md);"
            f" every run: [{results}/latest.json]({results}/latest.json).",
            README_END,
        ]
    )


def update_readme(path: Path, report: Report, results: Path) -> None:
    """Replace what lies between the README's markers with this run's section."""
    text = path.read_text()
    pattern = re.compile(re.escape(README_BEGIN) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no {README_BEGIN} ... {README_END} markers")
    folder = results.resolve()
    link = (
        folder.relative_to(path.parent.resolve())
        if folder.is_relative_to(path.parent.resolve())
        else folder
    )
    path.write_text(pattern.sub(lambda _: readme_section(report, link.as_posix()), text))


# Chart


ROW, LABEL_W, BAR_W, VALUE_W, TOP, LEGEND_H = 17, 190, 250, 60, 32, 44


def svg(report: Report) -> str:
    """Horizontal bars of requests/s, one panel per scenario, coloured by server."""
    scenarios = list(report["settings"]["scenarios"])
    targets = [t for t in ordered_targets(report) if t["kind"] != "database"]
    panel_w = LABEL_W + BAR_W + VALUE_W
    panel_h = TOP + ROW * len(targets) + 12
    columns = 2 if len(scenarios) > 1 else 1
    panel_rows = -(-len(scenarios) // columns)
    width, height = columns * panel_w + 20, panel_rows * panel_h + LEGEND_H + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        *legend(targets),
    ]
    for index, scenario in enumerate(scenarios):
        origin = (10 + (index % columns) * panel_w, LEGEND_H + (index // columns) * panel_h)
        out += panel(report, scenario, targets, origin)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def legend(targets: Sequence[Mapping[str, Any]]) -> list[str]:
    """One colour per server, and how to read a bar."""
    out = []
    x = 10
    for server in dict.fromkeys(t["server"] for t in targets):
        colour = SERVER_COLOURS.get(server, OTHER_COLOUR)
        out.append(f'<rect x="{x}" y="9" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="19">{escape(server)}</text>')
        x += 30 + 7 * len(server)
    out.append(
        '<text x="10" y="36" fill="#555">bars: median of the rounds, whiskers: min-max;'
        " bold: the framework-free ceiling</text>"
    )
    return out


def panel(
    report: Report, scenario: str, targets: Sequence[Mapping[str, Any]], origin: tuple[int, int]
) -> list[str]:
    """One scenario: a title with the database's own rate, then a bar per target."""
    ox, oy = origin
    by_key = {(r["target"], r["scenario"]): r for r in report["results"]}
    database = median(by_key.get(("pgbench", scenario)), "rps")
    title = f"{scenario}: requests/s"
    if database is not None:
        title += f"  (PostgreSQL alone: {number(database)} tx/s)"
    out = [f'<text x="{ox}" y="{oy + 20}" font-size="13" font-weight="bold">{escape(title)}</text>']
    results = [by_key[(t["id"], scenario)] for t in targets]
    scale = max([r["rps"]["max"] for r in results if r["rps"]] or [1.0])
    for position, (target, result) in enumerate(zip(targets, results, strict=True)):
        out += bar(target, result, scale, (ox, oy + TOP + position * ROW))
    return out


def bar(
    target: Mapping[str, Any], result: Mapping[str, Any], scale: float, origin: tuple[int, int]
) -> list[str]:
    """A target's label, its median as a bar, the rounds' range as a whisker, the value."""
    ox, y = origin
    weight = ' font-weight="bold"' if target["kind"] == "baseline" else ""
    name = target["id"] + ("" if result["valid"] else " ⚠")
    out = [
        f'<text x="{ox + LABEL_W - 6}" y="{y + 11}" text-anchor="end"{weight}>{escape(name)}</text>'
    ]
    rps = result["rps"]
    if not rps:
        return [*out, f'<text x="{ox + LABEL_W}" y="{y + 11}" fill="#a00">no result</text>']
    colour = SERVER_COLOURS.get(target["server"], OTHER_COLOUR)
    length = BAR_W * rps["median"] / scale
    low, high = (ox + LABEL_W + BAR_W * rps[k] / scale for k in ("min", "max"))
    mid = y + 2 + (ROW - 5) / 2
    return [
        *out,
        f'<rect x="{ox + LABEL_W}" y="{y + 2}" width="{length:.1f}"'
        f' height="{ROW - 5}" fill="{colour}"/>',
        f'<line x1="{low:.1f}" y1="{mid}" x2="{high:.1f}" y2="{mid}"'
        ' stroke="#333" stroke-width="1"/>',
        f'<text x="{ox + LABEL_W + BAR_W + 6}" y="{y + 11}">{number(rps["median"])}</text>',
    ]
