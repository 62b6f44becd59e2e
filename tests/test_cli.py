"""The rosetta command, as a user meets it: mistakes are one-line errors, and `serve`
brings an implementation up on the embedded PostgreSQL and down again on Ctrl-C."""

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from rosetta import cli, registry
from rosetta.ports import free_port

ROSETTA = [sys.executable, "-m", "rosetta.cli"]
READY = 180  # seconds from start to "Press Ctrl-C": a bound against a hang, not a timing


def test_list_shows_every_implementation(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["name", "framework", "interface"]
    assert {line.split()[0] for line in lines[2:]} == set(registry.names())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["serve", "nope"], "no implementation named 'nope'", id="unknown-impl"),
        pytest.param(
            ["serve", "fastapi", "--server", "gunicorn"],
            "fastapi does not run under 'gunicorn'",
            id="undeclared-server",
        ),
    ],
)
def test_serve_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"rosetta: {message}")
    assert len(err.strip().splitlines()) == 1


def test_serve_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert cli.main(["serve", "fastapi", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"rosetta: port {port} is already in use; pick another with --port"


def test_serve_port_in_time_wait_is_free() -> None:
    """A server just stopped leaves its closed connections in TIME_WAIT on its port: the
    next `rosetta serve` may listen there (servers set SO_REUSEADDR, and so does the probe)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server's side closes first: it is the side left in TIME_WAIT
        client.close()
    with socket.socket() as plain, pytest.raises(OSError, match="in use"):
        plain.bind(("127.0.0.1", port))  # without SO_REUSEADDR the port is taken
    cli.check_port_free("127.0.0.1", port)


@pytest.mark.timeout(300)  # READY, then the stop of server and database
def test_serve_on_embedded_postgres_then_ctrl_c(tmp_path: Path) -> None:
    """From nothing (no database URL, an empty data folder) to a healthy service, and a
    clean stop of server and database on SIGINT. (How fast is measured, not asserted
    here: about 3 s on a quiet 2-core machine, over 60 s seen on CI's loaded one; the bound
    only keeps a hang from lasting.)"""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ROSETTA_ADMIN_URL"}}
    env["ROSETTA_DATA_DIR"] = str(tmp_path / "data")
    started = time.monotonic()
    with subprocess.Popen(
        [*ROSETTA, "serve", "fastapi", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        lines: queue.Queue[str] = queue.Queue()

        def read() -> None:
            for line in process.stdout or []:
                lines.put(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        printed: list[str] = []
        try:
            while not printed or not printed[-1].startswith("Press Ctrl-C"):
                try:
                    printed.append(lines.get(timeout=READY - (time.monotonic() - started)))
                except (queue.Empty, ValueError):
                    pytest.fail(f"not ready in {READY} s: {printed}")
            assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
        finally:
            # Ctrl-C, also when the test failed, followed at once by the SIGTERM that
            # `uv run` forwards: rosetta still stops its server and database.
            process.send_signal(signal.SIGINT)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            reader.join(timeout=5)  # what it printed as it stopped, for the message below
            printed += [lines.get() for _ in range(lines.qsize())]
    assert process.returncode == 0, printed
    assert f"http://127.0.0.1:{port}/openapi.json" in "".join(printed)
    assert not (tmp_path / "data" / "pgdata" / "postmaster.pid").exists(), "database still running"
