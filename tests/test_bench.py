"""`rosetta bench`: the machinery end to end for a second, its one-line mistakes, and the
report's arithmetic (medians, ratios, the repeat check, the guide's claims) on small
fixtures of results. Measured numbers are not checked; the full benchmark is not part of
CI. The smoke test needs wrk: without it, it is skipped with the way to install it, or
fails where `CI` is set (tests/test_optional_tools.py shows both)."""

import json
import os
import shutil
from pathlib import Path

import pytest

from rosetta import cli
from rosetta.bench import Settings, Target
from rosetta.bench import claims as bench_claims
from rosetta.bench import report as bench_report
from rosetta.bench.rounds import order

RUN_KEYS = {
    "round", "target", "scenario", "requests", "rps", "p50_ms", "p99_ms", "statuses",
    "errors", "created", "rows_added", "peak_rss_mb", "startup_s", "cpu_ms", "cpu_busy",
    "steal_pct", "at_s", "problems", "valid",
}  # fmt: skip
WRK_MISSING = "wrk is not installed: apt-get install wrk (Debian, Ubuntu) or brew install wrk"


@pytest.fixture
def wrk() -> str:
    """wrk's path; a skip without it, or where `CI` is set a failure: CI runs everything."""
    path = shutil.which("wrk")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{WRK_MISSING} (CI is set: the benchmark's smoke test must run)")
        pytest.skip(WRK_MISSING)
    return path


@pytest.mark.usefixtures("wrk")
@pytest.mark.timeout(300)  # four servers started and measured: over 120 s on CI's loaded machine
def test_bench_one_implementation_twice_for_a_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The bench makes its database on the test run's server (ROSETTA_ADMIN_URL, see the root
    # conftest.py). Few connections: the whole suite shares one PostgreSQL server with this test.
    # FastAPI twice: the repeat check end to end.
    argv = ["bench", "--impl", "fastapi,fastapi", "--server", "uvicorn", "--scenario", "create",
            "--duration", "1", "--warmup", "0", "--rounds", "1",
            "--connections", "4", "--pool-size", "2", "--output", str(tmp_path)]  # fmt: skip
    assert cli.main(argv) == 0, capsys.readouterr().err

    report = json.loads((tmp_path / "latest.json").read_text())
    assert report["valid"], report["invalid_runs"]
    assert report["schema"] == bench_report.SCHEMA
    assert report["command"] == "rosetta " + " ".join(argv)
    assert {"date", "machine", "versions", "settings"} <= set(report)
    assert report["versions"]["packages"]["fastapi"]
    if len(os.sched_getaffinity(0)) > 1:  # the server had a CPU to itself
        assert report["settings"]["cpus"]["server"] == [min(os.sched_getaffinity(0))]
    targets = [t["id"] for t in report["targets"]]
    assert targets == ["baseline@uvicorn", "pgbench", "fastapi@uvicorn", "fastapi@uvicorn#2"]
    assert len(report["runs"]) == 4
    for run in report["runs"]:
        assert set(run) == RUN_KEYS
        assert run["rps"] > 0
        assert run["at_s"] >= 0
        assert run["rows_added"] == run["created"] == run["statuses"].get("201", run["created"])
    fastapi = next(r for r in report["results"] if r["target"] == "fastapi@uvicorn")
    assert fastapi["rps"]["min"] <= fastapi["rps"]["median"] <= fastapi["rps"]["max"]
    assert fastapi["startup_s"]["median"] > 0
    assert fastapi["peak_rss_mb"]["median"] > 0
    assert fastapi["cpu_ms"]["median"] > 0
    assert fastapi["vs_ceiling"]["ceiling"] == "baseline@uvicorn"
    assert fastapi["vs_ceiling"]["rps"] > 0
    (pair,) = report["repeat_check"]["pairs"]
    assert [c["target"] for c in pair["copies"]] == ["fastapi@uvicorn", "fastapi@uvicorn#2"]
    assert all(c["ratio"] > 0 for c in pair["copies"])
    by_claim = {c["claim"]: c["scenarios"]["create"] for c in report["claims"]}
    assert by_claim["Robyn shows 2-3x the throughput of FastAPI"]["verdict"] == "not measured"
    text = (tmp_path / "latest.md").read_text()
    assert text.startswith("# rosetta bench")
    assert "Repeat check **" in text
    assert "## The 2026 guide's claims" in text
    section = bench_report.readme_section(report)  # the README's: the same two tables
    assert bench_report.repeats(report) in section
    assert bench_report.claims_table(report) in section
    assert (tmp_path / "latest.svg").read_text().startswith("<svg")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--scenario", "nope"], "no scenario named 'nope'", id="unknown-scenario"),
        pytest.param(["--impl", "nope"], "no implementation named 'nope'", id="unknown-impl"),
        pytest.param(
            ["--impl", "fastapi", "--server", "gunicorn"],
            "no implementation selected by --impl 'fastapi' runs under --server 'gunicorn'",
            id="no-server",
        ),
        pytest.param(["--duration", "0"], "--duration and --rounds must be", id="no-duration"),
    ],
)
def test_bench_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main(["bench", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"rosetta: {message}")
    assert len(err.strip().splitlines()) == 1


def test_bench_without_wrk_says_how_to_get_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cli.main(["bench", "--impl", "fastapi"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("rosetta: wrk not found")
    assert "apt-get install wrk" in err


def runs_of(target: str, rps: list[float], scenario: str = "get") -> list[dict[str, object]]:
    return [
        {"round": n, "target": target, "scenario": scenario, "rps": value, "p50_ms": 1.0,
         "p99_ms": 2.0, "peak_rss_mb": 50.0, "startup_s": 0.5, "cpu_ms": 1000 / value,
         "cpu_busy": 1.0, "steal_pct": 0.0, "valid": True, "problems": []}
        for n, value in enumerate(rps, start=1)
    ]  # fmt: skip


def test_report_medians_and_ratios() -> None:
    targets = [
        {"id": "baseline@uvicorn", "kind": "baseline", "server": "uvicorn", "impl": "baseline"},
        {"id": "baseline@granian", "kind": "baseline", "server": "granian", "impl": "baseline"},
        {"id": "a@granian", "kind": "implementation", "server": "granian", "impl": "a"},
        {"id": "a@gunicorn", "kind": "implementation", "server": "gunicorn", "impl": "a"},
    ]
    runs = [
        *runs_of("baseline@uvicorn", [1000, 1200, 1100]),
        *runs_of("baseline@granian", [2000, 1900, 2100]),
        *runs_of("a@granian", [500, 400, 600]),
        *runs_of("a@gunicorn", [200, 220, 210]),
    ]
    meta = {"settings": {"scenarios": {"get": "GET /users/{id}"}}}
    report = bench_report.build(meta, targets, runs)
    results = {r["target"]: r for r in report["results"]}
    assert results["a@granian"]["rps"] == {"median": 500, "min": 400, "max": 600}
    # Against the baseline on the same server, else the fastest baseline.
    assert results["a@granian"]["vs_ceiling"]["ceiling"] == "baseline@granian"
    assert results["a@granian"]["vs_ceiling"]["rps"] == pytest.approx(0.25)
    assert results["a@gunicorn"]["vs_ceiling"]["ceiling"] == "baseline@granian"
    # Round by round (200/2000, 220/1900, 210/2100), not the medians' 210/2000.
    assert results["a@gunicorn"]["vs_ceiling"]["rps"] == pytest.approx(0.1)
    assert results["baseline@uvicorn"]["vs_ceiling"] is None
    # granian ÷ uvicorn round by round (2000/1000, 1900/1200, 2100/1100), not 2000/1100.
    assert report["server_comparison"] == [
        {"app": "baseline", "scenario": "get", "uvicorn_rps": 1100, "granian_rps": 2000,
         "ratio": pytest.approx(2100 / 1100), "valid": True}
    ]  # fmt: skip
    assert report["repeat_check"] == {"tolerance": 0.1, "passed": None, "pairs": []}
    assert report["valid"]


def test_repeat_check_compares_ratios_to_the_ceiling_of_the_same_round() -> None:
    """The host slows down in round 2 for the ceiling and the second copy alike: on their
    ratios the copies agree in `get` although their median requests/s are far apart; in
    `list` the second copy is slower in every round, and fails."""
    targets = [
        {"id": "baseline@uvicorn", "kind": "baseline", "server": "uvicorn", "impl": "baseline"},
        {"id": "a@uvicorn", "kind": "implementation", "server": "uvicorn", "impl": "a"},
        {"id": "a@uvicorn#2", "kind": "implementation", "server": "uvicorn", "impl": "a"},
    ]
    runs = [
        *runs_of("baseline@uvicorn", [2000, 1000, 2000]),
        *runs_of("a@uvicorn", [500, 250, 500]),  # 0.25 in every round
        *runs_of("a@uvicorn#2", [520, 270, 300]),  # 0.26, 0.27, 0.15: median 0.26
        *runs_of("baseline@uvicorn", [1000, 1000, 1000], "list"),
        *runs_of("a@uvicorn", [400, 400, 400], "list"),
        *runs_of("a@uvicorn#2", [300, 300, 300], "list"),
    ]
    meta = {"settings": {"scenarios": {"get": "GET /users/{id}", "list": "GET /users"}}}
    report = bench_report.build(meta, targets, runs)
    check = report["repeat_check"]
    get, listing = check["pairs"]
    assert (get["target"], get["scenario"], get["ceiling"]) == (
        "a@uvicorn",
        "get",
        "baseline@uvicorn",
    )
    assert [c["ratio"] for c in get["copies"]] == [pytest.approx(0.25), pytest.approx(0.26)]
    assert get["copies"][1]["ratios"] == [pytest.approx(v) for v in (0.26, 0.27, 0.15)]
    assert get["difference"] == pytest.approx(0.04)
    assert get["rps_difference"] == pytest.approx(500 / 300 - 1)
    assert get["copies"][1]["cpu_ms"] == pytest.approx(1000 / 300)
    assert get["passed"]
    assert listing["difference"] == pytest.approx(0.4 / 0.3 - 1)
    assert not listing["passed"]
    assert check["passed"] is False
    assert bench_report.repeat_verdict(report) == (
        "Repeat check **FAIL**: 1 of 2 target and scenario pairs differ by more than 10% on"
        " their ratio to the ceiling (a@uvicorn list)."
    )
    text = bench_report.repeats(report)
    assert "| a@uvicorn | get | baseline@uvicorn | 0.250x, 0.260x | 4.0% | PASS |" in text
    assert "| a@uvicorn | list | baseline@uvicorn | 0.400x, 0.300x | 33.3% | FAIL |" in text
    only_get = {"settings": {"scenarios": {"get": "GET /users/{id}"}}}
    passing = bench_report.build(only_get, targets, [r for r in runs if r["scenario"] == "get"])
    assert passing["repeat_check"]["passed"] is True
    assert bench_report.repeat_verdict(passing) == (
        "Repeat check **PASS**: every target measured twice agrees with itself within 10% on"
        " its ratio to the ceiling in every scenario (1 of 1 target and scenario pairs)."
    )


def test_claims_of_the_guide_from_a_run() -> None:
    """Each claim's figure per scenario from the medians of valid results; a target that
    was not run, or not validly, leaves its claim not measured."""
    targets = [
        {"id": f"{app}@{server}", "kind": kind, "server": server, "impl": app}
        for app, kind in [("baseline", "baseline"), ("fastapi", "implementation"),
                          ("litestar", "implementation")]
        for server in ("uvicorn", "granian")
    ]  # fmt: skip
    rps = {
        "baseline@uvicorn": 4000, "baseline@granian": 8000,  # 2.0x
        "fastapi@uvicorn": 1000, "fastapi@granian": 1500,  # 1.5x
        "litestar@uvicorn": 1000, "litestar@granian": 1600,  # 1.6x
    }  # fmt: skip
    runs = [run for target, value in rps.items() for run in runs_of(target, [value] * 3)]
    runs += [run for target, value in rps.items() for run in runs_of(target, [value], "list")]
    runs[-1]["valid"] = False  # litestar@granian, list
    meta = {"settings": {"scenarios": {"get": "GET /users/{id}", "list": "GET /users"}}}
    report = bench_report.build(meta, targets, runs)
    granian, robyn, litestar, fastapi = report["claims"]
    assert granian["claim"] == "Granian gives 1.5-2x the throughput of uvicorn"
    assert granian["holds_if"] == {"low": 1.5, "high": 2.0}
    assert granian["scenarios"]["get"] == {
        "ratio": pytest.approx(1.6), "min": pytest.approx(1.5), "max": pytest.approx(2.0),
        "apps": 3, "verdict": "holds",
    }  # fmt: skip
    assert granian["scenarios"]["list"]["apps"] == 2  # litestar's granian run was invalid
    assert granian["scenarios"]["list"]["ratio"] == pytest.approx(1.75)
    assert robyn["scenarios"]["get"] == {"ratio": None, "verdict": "not measured"}
    assert litestar["scenarios"]["get"] == {"ratio": pytest.approx(1.6), "verdict": "holds"}
    assert litestar["scenarios"]["list"]["verdict"] == "not measured"
    assert fastapi["scenarios"]["get"]["ratio"] == pytest.approx(1500 / 1600)
    assert fastapi["scenarios"]["get"]["verdict"] == "holds"
    text = bench_report.claims_table(report)
    assert "| 1.50-2.00x | 1.60x (1.50-2.00x, 3 apps): holds |" in text
    assert "| at least 0.90x | 0.94x: holds | not measured |" in text


@pytest.mark.parametrize(
    ("figure", "verdict"),
    [(1.43, "does not hold"), (1.44, "holds"), (1.76, "holds"), (1.77, "does not hold"),
     (None, "not measured")],
)  # fmt: skip
def test_a_claim_holds_within_its_range(figure: float | None, verdict: str) -> None:
    about = next(c for c in bench_claims.CLAIMS if "about 1.6x" in c.text)
    assert bench_claims.verdict(about, figure) == verdict


def test_every_round_visits_every_target_in_its_own_order() -> None:
    chosen = [Target(f"t{n}", "implementation") for n in range(8)]
    orders = [order(chosen, rnd) for rnd in range(1, 11)]
    assert all(sorted(o, key=lambda t: t.id) == chosen for o in orders)
    assert orders == [order(chosen, rnd) for rnd in range(1, 11)]  # seeded: a rerun agrees
    assert len({tuple(t.id for t in o) for o in orders}) == 10
    assert len({o[0].id for o in orders}) > 1  # not always the same one first


def test_bench_command_defaults_are_the_settings() -> None:
    args = cli.parser().parse_args(["bench"])
    settings = Settings()
    assert (args.duration, args.warmup, args.rounds, args.connections, args.pool_size) == (
        settings.duration, settings.warmup, settings.rounds, settings.connections,
        settings.pool_size,
    )  # fmt: skip
