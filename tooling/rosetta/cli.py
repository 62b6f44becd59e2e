"""The `rosetta` command: `list` the implementations, `serve` one of them, `bench` them."""

from __future__ import annotations

import argparse
import contextlib
import errno
import signal
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from rosetta import database, ports, registry
from rosetta.embedded import DatabaseError
from rosetta.registry import Implementation
from rosetta.servers import LiveServer, ServerError


class CommandError(Exception):
    """A mistake the user can fix; printed as one line, no traceback."""


def list_command(_: argparse.Namespace) -> None:
    header = ("name", "framework", "interface", "validation", "data layer", "servers")
    rows = [
        (i.name, i.framework, i.interface, i.validation, i.data_layer, ", ".join(i.servers))
        for i in registry.implementations().values()
    ]
    widths = [max(len(row[col]) for row in [header, *rows]) for col in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def check_port_free(host: str, port: int) -> None:
    try:
        ports.check_listenable(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(f"port {port} is already in use; pick another with --port") from None
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def stop_on_first_signal() -> None:
    """Ctrl-C or SIGTERM stop the command once: later signals (a second Ctrl-C, the SIGTERM
    that `uv run` forwards besides the one the process got) must not cut the cleanup short.
    The server gets its own SIGTERM from LiveServer.stop()."""

    def interrupt(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def declared_server(impl: Implementation, server: str | None) -> str:
    """The server asked for, if the implementation declares it; its first by default."""
    server = server or impl.servers[0]
    if server not in impl.servers:
        raise CommandError(
            f"{impl.name} does not run under {server!r}; it declares: {', '.join(impl.servers)}"
        )
    return server


def announce(live: LiveServer, database_url: str) -> None:
    print(f"{live.impl.name} ({live.impl.framework}) under {live.server}: {live.url}")
    print(f"  database: {database_url}")
    print(f"  OpenAPI:  {live.url}/openapi.json")
    print(f"  log:      {live.log_path}")
    print("Press Ctrl-C to stop.", flush=True)


def wait(live: LiveServer) -> None:
    """Until Ctrl-C (said at once; the caller stops the server) or the server exits."""
    assert live.process is not None
    try:
        code = live.process.wait()
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        raise
    raise CommandError(f"the server exited with {code}:\n{live.log_tail()}")


def serve_command(args: argparse.Namespace) -> None:
    impl = registry.get(args.impl)
    server = declared_server(impl, args.server)
    check_port_free(args.host, args.port)
    stop_on_first_signal()
    say = partial(print, flush=True)
    # Ctrl-C at any point ends the command quietly, once the server and database are down.
    with contextlib.suppress(KeyboardInterrupt), database.app_database(announce=say) as url:
        env = {database.APP_URL: url}
        with LiveServer(impl, server, args.port, env, host=args.host, workers=args.workers) as live:
            announce(live, url)
            wait(live)


def bench_command(args: argparse.Namespace) -> None:
    from rosetta import bench  # psutil and the load generators, only when benchmarking

    settings = bench.Settings(
        impls=args.impl,
        servers=args.server,
        scenarios=tuple(bench.SCENARIOS if args.scenario == "all" else args.scenario.split(",")),
        duration=args.duration,
        warmup=args.warmup,
        rounds=args.rounds,
        connections=args.connections,
        pool_size=args.pool_size,
        output=args.output or bench.RESULTS,
        command=bench.command_line(args.argv),
    )
    # Ctrl-C or SIGTERM: the servers, load generators and database started are stopped.
    stop_on_first_signal()
    try:
        result = bench.run(settings)
    except bench.BenchError as exc:
        raise CommandError(str(exc)) from None
    except KeyboardInterrupt:
        raise CommandError("interrupted; no results written") from None
    print(f"Results: {settings.output / 'latest.md'} (and latest.json, latest.svg)")
    if args.readme:
        try:
            bench.update_readme(bench.README, result, settings.output)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        print(f"Updated the Performance section of {bench.README}")
    if not result["valid"]:
        raise CommandError(f"{len(result['invalid_runs'])} runs invalid; see latest.md")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rosetta", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the registered implementations").set_defaults(
        run=list_command
    )
    serve = commands.add_parser(
        "serve",
        help="serve one implementation (on DATABASE_URL, else a database `rosetta` on"
        " ROSETTA_ADMIN_URL's server or an embedded PostgreSQL)",
    )
    serve.add_argument("impl", help="an implementation name (see `rosetta list`)")
    serve.add_argument("--server", help="one of the servers it declares (default: its first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=serve_command)
    bench = commands.add_parser(
        "bench",
        help="measure every implementation under the same database-backed load (needs wrk)",
        description="Measure every implementation under the same database-backed load (needs"
        " wrk); write latest.json, latest.md and latest.svg: requests/s against a"
        " framework-free ceiling, granian against uvicorn, whether a target given twice agrees"
        " with itself, and the throughput claims of a 2026 guide.",
    )
    bench.add_argument(
        "--impl",
        default="all",
        help="all (default) or names, comma-separated; a name given twice is measured twice"
        " and the report checks that both copies agree (`all,fastapi`)",
    )
    bench.add_argument(
        "--server",
        default="default",
        help="default (the first declared, plus uvicorn and granian for ASGI apps), all,"
        " or a comma-separated list",
    )
    bench.add_argument("--scenario", default="all", help="all or some of: get,list,create,mixed")
    bench.add_argument(
        "--duration",
        type=int,
        default=3,
        help="measured seconds per scenario and round (default 3)",
    )
    bench.add_argument(
        "--warmup", type=int, default=1, help="warm-up seconds before each (default 1)"
    )
    bench.add_argument(
        "--rounds",
        type=int,
        default=10,
        help="each round visits every target once, in its own shuffled order (default 10)",
    )
    bench.add_argument("--connections", type=int, default=64, help="wrk's open connections")
    bench.add_argument("--pool-size", type=int, default=10, help="DATABASE_POOL_SIZE for all")
    bench.add_argument("--output", type=Path, help="where latest.* go (default: bench/results)")
    bench.add_argument(
        "--readme", action="store_true", help="also rewrite the README's Performance section"
    )
    bench.set_defaults(run=bench_command)
    from rosetta import reading  # `compare` and `site`, reading the implementations side by side

    reading.add_parsers(commands)
    from rosetta import new  # `new`: a standalone starter from one implementation

    new.add_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args.run(args)
    except (CommandError, registry.RegistryError, ServerError, DatabaseError) as exc:
        print(f"rosetta: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
