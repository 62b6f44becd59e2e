"""The conformance suite's TCP proxy: a cut must end the connections at Postgres too, or
every implementation keeps its old pool open beside the new one after the 503 test."""

import time

import psycopg
import pytest

from conformance.proxy import TcpProxy
from rosetta.database import admin_url


def test_cut_closes_the_connection_at_both_ends() -> None:
    proxy = TcpProxy.to_database(admin_url())
    with proxy, psycopg.connect(proxy.route(admin_url()), autocommit=True) as conn:
        pid = conn.info.backend_pid
        proxy.cut()
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")

    with psycopg.connect(admin_url(), autocommit=True) as admin:
        deadline = time.monotonic() + 5
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} still open after the cut"
            time.sleep(0.05)
