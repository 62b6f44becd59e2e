"""`rosetta bench`: the machinery end to end for a second, and its one-line mistakes.
The numbers are not checked here; the full benchmark is not part of CI. The smoke test
needs wrk: without it, it is skipped with the way to install it, or fails where `CI` is set
(tests/test_optional_tools.py shows both)."""

import json
import os
import shutil
from pathlib import Path

import pytest

from rosetta import cli
from rosetta.bench import report as bench_report

RUN_KEYS = {
    "round", "target", "scenario", "requests", "rps", "p50_ms", "p99_ms", "statuses",
    "errors", "created", "rows_added", "peak_rss_mb", "startup_s", "cpu_ms", "cpu_busy",
    "steal_pct", "problems", "valid",
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
def test_bench_one_implementation_for_a_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The bench makes its database on the test run's server (ROSETTA_ADMIN_URL, see the root
    # conftest.py). Few connections: the whole suite shares one PostgreSQL server with this test.
    argv = ["bench", "--impl", "fastapi", "--server", "uvicorn", "--scenario", "create",
            "--duration", "1", "--warmup", "0", "--rounds", "1",
            "--connections", "4", "--pool-size", "2", "--output", str(tmp_path)]  # fmt: skip
    assert cli.main(argv) == 0, capsys.readouterr().err

    report = json.loads((tmp_path / "latest.json").read_text())
    assert report["valid"], report["invalid_runs"]
    assert report["command"] == "rosetta " + " ".join(argv)
    assert {"date", "machine", "versions", "settings"} <= set(report)
    assert report["versions"]["packages"]["fastapi"]
    if len(os.sched_getaffinity(0)) > 1:  # the server had a CPU to itself
        assert report["settings"]["cpus"]["server"] == [min(os.sched_getaffinity(0))]
    targets = [t["id"] for t in report["targets"]]
    assert targets == ["baseline@uvicorn", "pgbench", "fastapi@uvicorn"]
    assert len(report["runs"]) == 3
    for run in report["runs"]:
        assert set(run) == RUN_KEYS
        assert run["rps"] > 0
        assert run["rows_added"] == run["created"] == run["statuses"].get("201", run["created"])
    fastapi = next(r for r in report["results"] if r["target"] == "fastapi@uvicorn")
    assert fastapi["rps"]["min"] <= fastapi["rps"]["median"] <= fastapi["rps"]["max"]
    assert fastapi["startup_s"]["median"] > 0
    assert fastapi["peak_rss_mb"]["median"] > 0
    assert fastapi["cpu_ms"]["median"] > 0
    assert fastapi["vs_ceiling"]["ceiling"] == "baseline@uvicorn"
    assert fastapi["vs_ceiling"]["rps"] > 0
    assert (tmp_path / "latest.md").read_text().startswith("# rosetta bench")
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


def test_report_medians_ratios_and_repeats() -> None:
    targets = [
        {"id": "baseline@uvicorn", "kind": "baseline", "server": "uvicorn", "impl": "baseline"},
        {"id": "baseline@granian", "kind": "baseline", "server": "granian", "impl": "baseline"},
        {"id": "a@granian", "kind": "implementation", "server": "granian", "impl": "a"},
        {"id": "a@gunicorn", "kind": "implementation", "server": "gunicorn", "impl": "a"},
        {"id": "a@granian#2", "kind": "implementation", "server": "granian", "impl": "a"},
    ]
    runs = [
        *runs_of("baseline@uvicorn", [1000, 1200, 1100]),
        *runs_of("baseline@granian", [2000, 1900, 2100]),
        *runs_of("a@granian", [500, 400, 600]),
        *runs_of("a@gunicorn", [200, 220, 210]),
        *runs_of("a@granian#2", [550, 550, 550]),
    ]
    meta = {"settings": {"scenarios": {"get": "GET /users/{id}"}}}
    report = bench_report.build(meta, targets, runs)
    results = {r["target"]: r for r in report["results"]}
    assert results["a@granian"]["rps"] == {"median": 500, "min": 400, "max": 600}
    # Against the baseline on the same server, else the fastest baseline.
    assert results["a@granian"]["vs_ceiling"]["ceiling"] == "baseline@granian"
    assert results["a@granian"]["vs_ceiling"]["rps"] == pytest.approx(0.25)
    assert results["a@gunicorn"]["vs_ceiling"]["ceiling"] == "baseline@granian"
    assert results["baseline@uvicorn"]["vs_ceiling"] is None
    assert report["server_comparison"] == [
        {"app": "baseline", "scenario": "get", "uvicorn_rps": 1100, "granian_rps": 2000,
         "ratio": pytest.approx(2000 / 1100)}
    ]  # fmt: skip
    (repeat,) = report["repeat_check"]
    assert repeat["target"] == "a@granian"
    assert repeat["difference"] == pytest.approx(0.1)
    assert repeat["cpu_ms"] == [pytest.approx(2.0), pytest.approx(1000 / 550)]
    assert report["valid"]
