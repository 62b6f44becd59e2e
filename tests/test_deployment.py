"""The deployment files know every registered implementation: one compose service and one
CI matrix entry each, on the host port that README.md's "Compose" table gives it.

The files themselves are validated by .ci/static-checks (schemas, actionlint, zizmor,
hadolint); here they are held to the registry, so that an implementation cannot be added
without them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from rosetta import registry

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
MATRIX_JOB = "conformance"
CONTAINER_PORT = 8000  # PORT inside every implementation's container


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def readme_ports(text: str) -> list[tuple[str, int]]:
    """The rows of the impl -> host port table between the README's `ports` markers."""
    block = text.split("<!-- ports: begin -->")[1].split("<!-- ports: end -->")[0]
    rows = []
    for line in block.strip().splitlines()[2:]:  # after the header and its rule
        name, port = (cell.strip() for cell in line.strip().strip("|").split("|"))
        rows.append((name, int(port)))
    return rows


def published_ports(service: Mapping[str, Any]) -> list[int]:
    """The host ports mapped to the container's port, short ("127.0.0.1:8005:8000") or long."""
    found = []
    for spec in service.get("ports", []):
        if isinstance(spec, Mapping):
            if int(spec["target"]) == CONTAINER_PORT and "published" in spec:
                found.append(int(spec["published"]))
        else:
            parts = str(spec).split("/")[0].split(":")  # [ip:]published:target[/protocol]
            if len(parts) >= 2 and int(parts[-1]) == CONTAINER_PORT:
                found.append(int(parts[-2]))
    return found


def deployment_problems(
    names: Iterable[str],
    readme: list[tuple[str, int]],
    compose: Mapping[str, Any],
    workflow: Mapping[str, Any],
) -> list[str]:
    """What the README table, compose.yaml and the CI matrix miss or get wrong, against the
    registered implementation names; empty when they agree."""
    names = sorted(names)
    ports = dict(readme)
    problems = []

    for name, count in Counter(name for name, _ in readme).items():
        if count > 1:
            problems.append(f"README lists {name} {count} times")
    for port, count in Counter(ports.values()).items():
        if count > 1:
            taken = ", ".join(sorted(name for name, p in ports.items() if p == port))
            problems.append(f"README gives port {port} to {taken}")
    for name in sorted(set(ports) - set(names)):
        problems.append(f"README lists {name}, which is not registered")
    for name in names:
        if name not in ports:
            problems.append(f"README has no port for {name}")

    # The services built from the Dockerfile, by their IMPL (postgres and schema are images).
    built: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for service_name, service in compose.get("services", {}).items():
        if isinstance(service.get("build"), Mapping):
            impl = str(service["build"].get("args", {}).get("IMPL"))
            built.setdefault(impl, []).append((service_name, service))
    for impl in sorted(set(built) - set(names)):
        problems.append(f"compose.yaml builds {impl}, which is not registered")
    for name in names:
        services = built.get(name, [])
        if len(services) != 1:
            problems.append(f"compose.yaml has {len(services)} services for {name}, not 1")
            continue
        service_name, service = services[0]
        if service_name != name:
            problems.append(f"compose.yaml builds {name} as service {service_name!r}")
        published = published_ports(service)
        if name in ports and published != [ports[name]]:
            problems.append(f"compose.yaml publishes {name} on {published}, README {ports[name]}")

    job = workflow.get("jobs", {}).get(MATRIX_JOB, {})
    matrix: dict[str, list[Mapping[str, Any]]] = {}
    for entry in job.get("strategy", {}).get("matrix", {}).get("include", []):
        matrix.setdefault(str(entry.get("impl")), []).append(entry)
    for impl in sorted(set(matrix) - set(names)):
        problems.append(f"the CI matrix runs {impl}, which is not registered")
    for name in names:
        entries = matrix.get(name, [])
        if len(entries) != 1:
            problems.append(f"the CI matrix has {len(entries)} entries for {name}, not 1")
        elif name in ports and entries[0].get("port") != ports[name]:
            given = entries[0].get("port")
            problems.append(f"the CI matrix gives {name} port {given}, README {ports[name]}")
    return problems


@pytest.fixture(scope="module")
def readme() -> list[tuple[str, int]]:
    return readme_ports((ROOT / "README.md").read_text())


@pytest.fixture(scope="module")
def compose() -> Any:
    return load_yaml(ROOT / "compose.yaml")


@pytest.fixture(scope="module")
def workflow() -> Any:
    return load_yaml(WORKFLOW)


def test_deployment_files_match_the_registry(
    readme: list[tuple[str, int]], compose: Any, workflow: Any
) -> None:
    assert deployment_problems(registry.names(), readme, compose, workflow) == []


def test_deployment_files_miss_an_implementation_added_to_the_registry(
    readme: list[tuple[str, int]], compose: Any, workflow: Any
) -> None:
    names = [*registry.names(), "newframework"]
    assert deployment_problems(names, readme, compose, workflow) == [
        "README has no port for newframework",
        "compose.yaml has 0 services for newframework, not 1",
        "the CI matrix has 0 entries for newframework, not 1",
    ]


def service(impl: str, port: int) -> dict[str, Any]:
    return {"build": {"context": ".", "args": {"IMPL": impl}}, "ports": [f"127.0.0.1:{port}:8000"]}


README = [("alpha", 8001), ("beta", 8002)]
COMPOSE = {
    "services": {
        "postgres": {"image": "postgres:18", "ports": ["127.0.0.1:5433:5432"]},
        "alpha": service("alpha", 8001),
        "beta": service("beta", 8002),
    }
}
WORKFLOW_MATRIX = {"impl": "alpha", "port": 8001}, {"impl": "beta", "port": 8002}


def workflow_with(*entries: Mapping[str, Any]) -> dict[str, Any]:
    return {"jobs": {MATRIX_JOB: {"strategy": {"matrix": {"include": list(entries)}}}}}


def test_deployment_problems_none_when_all_agree() -> None:
    problems = deployment_problems(
        ["alpha", "beta"], README, COMPOSE, workflow_with(*WORKFLOW_MATRIX)
    )
    assert problems == []


@pytest.mark.parametrize(
    ("readme", "services", "entries", "expected"),
    [
        pytest.param(
            README,
            {"alpha": service("alpha", 8001)},
            WORKFLOW_MATRIX,
            "compose.yaml has 0 services for beta, not 1",
            id="no-compose-service",
        ),
        pytest.param(
            README,
            COMPOSE["services"],
            WORKFLOW_MATRIX[:1],
            "the CI matrix has 0 entries for beta, not 1",
            id="no-matrix-entry",
        ),
        pytest.param(
            README[:1],
            COMPOSE["services"],
            WORKFLOW_MATRIX,
            "README has no port for beta",
            id="no-readme-row",
        ),
        pytest.param(
            README,
            {**COMPOSE["services"], "beta2": service("beta", 8003)},
            WORKFLOW_MATRIX,
            "compose.yaml has 2 services for beta, not 1",
            id="two-compose-services",
        ),
        pytest.param(
            README,
            {"alpha": service("alpha", 8001), "b": service("beta", 8002)},
            WORKFLOW_MATRIX,
            "compose.yaml builds beta as service 'b'",
            id="service-named-otherwise",
        ),
        pytest.param(
            README,
            {**COMPOSE["services"], "beta": service("beta", 8009)},
            WORKFLOW_MATRIX,
            "compose.yaml publishes beta on [8009], README 8002",
            id="compose-port-differs",
        ),
        pytest.param(
            README,
            COMPOSE["services"],
            (WORKFLOW_MATRIX[0], {"impl": "beta", "port": 8009}),
            "the CI matrix gives beta port 8009, README 8002",
            id="matrix-port-differs",
        ),
        pytest.param(
            README,
            COMPOSE["services"],
            (*WORKFLOW_MATRIX, WORKFLOW_MATRIX[1]),
            "the CI matrix has 2 entries for beta, not 1",
            id="two-matrix-entries",
        ),
        pytest.param(
            [*README, ("gamma", 8003)],
            {**COMPOSE["services"], "gamma": service("gamma", 8003)},
            (*WORKFLOW_MATRIX, {"impl": "gamma", "port": 8003}),
            "compose.yaml builds gamma, which is not registered",
            id="stale-implementation",
        ),
        pytest.param(
            [("alpha", 8001), ("beta", 8001)],
            {"alpha": service("alpha", 8001), "beta": service("beta", 8001)},
            ({"impl": "alpha", "port": 8001}, {"impl": "beta", "port": 8001}),
            "README gives port 8001 to alpha, beta",
            id="port-taken-twice",
        ),
    ],
)
def test_deployment_problems_found(
    readme: list[tuple[str, int]],
    services: dict[str, Any],
    entries: tuple[Mapping[str, Any], ...],
    expected: str,
) -> None:
    problems = deployment_problems(
        ["alpha", "beta"], readme, {"services": services}, workflow_with(*entries)
    )
    assert expected in problems


def test_readme_ports_reads_the_table() -> None:
    text = "<!-- ports: begin -->\n| impl | port |\n|---|---|\n| a | 8001 |\n<!-- ports: end -->"
    assert readme_ports(text) == [("a", 8001)]


def test_compose_implementations_are_configured_by_the_environment(compose: Any) -> None:
    """The image's entrypoint starts the server; compose sets the environment, no argv."""
    for name in registry.names():
        service = compose["services"][name]
        assert not {"command", "entrypoint"} & set(service), name
        assert {"DATABASE_URL", "PORT", "WORKERS"} <= set(service["environment"]), name
        assert service["environment"]["PORT"] == str(CONTAINER_PORT), name
        assert "/health" in " ".join(service["healthcheck"]["test"]), name
        assert service["depends_on"]["schema"]["condition"] == "service_completed_successfully"


def test_compose_and_ci_use_the_same_postgres(compose: Any, workflow: Any) -> None:
    ci = workflow["jobs"][MATRIX_JOB]["services"]["postgres"]["image"]
    assert compose["services"]["postgres"]["image"] == compose["services"]["schema"]["image"] == ci


def test_ci_python_is_the_image_python(workflow: Any) -> None:
    match = re.search(r"^ARG PYTHON_VERSION=(\S+)$", (ROOT / "Dockerfile").read_text(), re.M)
    assert match is not None
    assert workflow["env"]["PYTHON_VERSION"] == match.group(1)


def test_ci_actions_are_pinned_by_commit_and_read_only(workflow: Any) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
                if step["uses"].startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False
