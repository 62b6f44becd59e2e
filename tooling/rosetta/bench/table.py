"""The `users` table every scenario starts from, and the rows a run added to it."""

from __future__ import annotations

import contextlib

import psycopg

ROWS = 10_000  # users seeded before each scenario, ids 1..ROWS


def seed(url: str, rows: int = ROWS) -> None:
    """The same table for every run: `rows` users with ids 1..rows, nothing else."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE users RESTART IDENTITY")
        conn.execute(
            "INSERT INTO users (email, name)"
            " SELECT 'user' || i || '@example.com', 'User ' || i FROM generate_series(1, %s) i",
            (rows,),
        )
        conn.execute("VACUUM ANALYZE users")
        # Start every target with no dirty pages pending (a superuser's right only).
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")


def count_rows(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM users").fetchone()
    return int(row[0]) if row else 0


def server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"
