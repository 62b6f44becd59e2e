"""What a bench run measures: every implementation selected under its servers, after two
ceilings, a framework-free ASGI app (`baseline`) and the SQL alone (`pgbench`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rosetta import registry
from rosetta.bench.load import BenchError
from rosetta.bench.settings import Settings
from rosetta.registry import Implementation

# Framework-free, so it runs under any server that takes an ASGI app; not an entry point,
# so that it is never listed or put through the conformance suite.
BASELINE = Implementation(
    name="baseline",
    framework="none (bare ASGI)",
    interface="asgi",
    validation="hand-written",
    data_layer="asyncpg, plain SQL",
    servers=("uvicorn", "granian", "hypercorn"),
    apps={"asgi": "rosetta.bench.baseline:create_app"},
)
# The servers compared on every ASGI implementation that declares them.
COMPARED_SERVERS = ("uvicorn", "granian")


@dataclass(frozen=True)
class Target:
    id: str  # "fastapi@uvicorn"; a repeat of the same pair gets "#2"
    kind: Literal["implementation", "baseline", "database"]
    impl: Implementation | None = None
    server: str | None = None

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"id": self.id, "kind": self.kind, "server": self.server}
        if self.impl is not None:
            described |= {
                "impl": self.impl.name,
                "framework": self.impl.framework,
                "interface": self.impl.interface,
                "data_layer": self.impl.data_layer,
            }
        return described


def servers_for(impl: Implementation, spec: str) -> list[str]:
    """`default`: the first declared server, plus uvicorn and granian for ASGI apps."""
    if spec == "default":
        extra = [s for s in COMPARED_SERVERS if impl.interface == "asgi" and s in impl.servers]
        return list(dict.fromkeys([impl.servers[0], *extra]))
    if spec == "all":
        return list(impl.servers)
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    return [s for s in impl.servers if s in wanted]


def targets(settings: Settings) -> list[Target]:
    """The ceilings first, then every implementation under its servers, in the given order;
    a name given twice is measured twice (`all,fastapi`: the within-run repeat check)."""
    chosen: list[Target] = []
    seen: dict[str, int] = {}
    for impl in registry.select(settings.impls):
        for server in servers_for(impl, settings.servers):
            key = f"{impl.name}@{server}"
            seen[key] = seen.get(key, 0) + 1
            target_id = key if seen[key] == 1 else f"{key}#{seen[key]}"
            chosen.append(Target(target_id, "implementation", impl, server))
    if not chosen:
        raise BenchError(
            f"no implementation selected by --impl {settings.impls!r} runs under"
            f" --server {settings.servers!r}"
        )
    used = {t.server for t in chosen}
    baseline = [s for s in BASELINE.servers if s in used] or ["uvicorn"]
    ceilings = [Target(f"baseline@{s}", "baseline", BASELINE, s) for s in baseline]
    return [*ceilings, Target("pgbench", "database"), *chosen]
