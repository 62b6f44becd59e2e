"""The tests that need a system package (wrk for the benchmark's smoke test, Chromium for
the FastHTML page) on a machine without it: skipped, the reason naming how to install
it; failed where `CI` is set, so that CI can never pass without them. Each module is run
in a pytest of its own, the tool taken away (wrk off `PATH`, `CHROMIUM` at a file that
does not exist)."""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# Each test is a whole pytest run in a subprocess: minutes on a loaded machine.
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Tool:
    module: str  # the test module that needs it
    hidden: dict[str, str]  # the environment in which it is missing
    install: re.Pattern[str]  # what the skip reason must tell


def without(program: str) -> str:
    """This `PATH` without the folders that hold `program`."""
    folders = os.environ["PATH"].split(os.pathsep)
    return os.pathsep.join(f for f in folders if not shutil.which(program, path=f))


TOOLS = {
    "wrk": Tool(
        "tests/test_bench.py",
        {"PATH": without("wrk")},
        re.compile(r"apt-get install wrk.*brew install wrk"),
    ),
    "chromium": Tool(
        "implementations/fasthtml/tests/test_page.py",
        {"CHROMIUM": str(ROOT / "no-such-chromium")},
        re.compile(r"apt-get install (-y )?chromium|playwright install chromium"),
    ),
}


def run_without(tool: Tool, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | tool.hidden
    if ci:
        env["CI"] = "true"
    argv = [sys.executable, "-m", "pytest", tool.module, "-p", "no:cacheprovider", "-rfEs"]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("name", list(TOOLS))
def test_missing_tool_is_a_skip_that_says_how_to_install_it(name: str) -> None:
    tool = TOOLS[name]
    run = run_without(tool, ci=False)
    assert run.returncode == 0, run.stdout + run.stderr
    skips = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips, run.stdout
    assert all(tool.install.search(line) for line in skips), skips
    assert not re.search(r"\d+ (failed|errors?)\b", run.stdout.splitlines()[-1])


@pytest.mark.parametrize("name", list(TOOLS))
def test_missing_tool_fails_where_ci_is_set(name: str) -> None:
    tool = TOOLS[name]
    run = run_without(tool, ci=True)
    assert run.returncode == 1, run.stdout + run.stderr
    summary = run.stdout.splitlines()[-1]
    assert re.search(r"\d+ (failed|errors?)\b", summary), summary
    assert "skipped" not in summary
    assert tool.install.search(run.stdout), run.stdout
