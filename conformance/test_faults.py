"""The database's own faults, played by the suite's proxy (conformance/proxy.py) so that no
real server restarts: the link cut (a host gone), a fast shutdown (57P01 to live sessions,
57P03 to new ones), an administrator's (57P01 to both), the crash of another backend
(57P02, then 57P03), and a stall (every byte held, nothing closed). During each, every
request is answered with a 503 problem within the bound of shared_contract/README.md
("Hostile input and faults"); once it ends, the same process answers normally again.
Under load with faults coming and going, every request is answered, and every 201 is a
stored row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import httpx
import psycopg
import pytest

from conformance.contract import assert_json, assert_problem
from conformance.proxy import ADMIN_SHUTDOWN, CANNOT_CONNECT_NOW, CRASH_SHUTDOWN, TcpProxy
from conformance.support import POOL_SIZE, Service, unique_email

pytestmark = pytest.mark.database

BOUND = 10.0  # seconds from request to 503: shared_contract/README.md
RECOVERY = 15.0  # seconds for the service to answer /health again once the fault ends
Request = tuple[str, str, Any]  # method, path, JSON body


def shutdown(proxy: TcpProxy, live: str, new: str) -> None:
    proxy.refuse(new)  # first, so that no reconnection slips through
    proxy.terminate(live)


FAULTS: dict[str, Callable[[TcpProxy], None]] = {
    # pg_ctl stop -m fast: backends end their sessions, the postmaster refuses new ones.
    "fast-shutdown": lambda proxy: shutdown(proxy, ADMIN_SHUTDOWN, CANNOT_CONNECT_NOW),
    "admin-shutdown": lambda proxy: shutdown(proxy, ADMIN_SHUTDOWN, ADMIN_SHUTDOWN),
    # Another backend crashed: every session is ended, new ones wait for the recovery.
    "crash-shutdown": lambda proxy: shutdown(proxy, CRASH_SHUTDOWN, CANNOT_CONNECT_NOW),
    "stall": TcpProxy.stall,
    # The host gone: every connection reset, new ones refused.
    "cut": TcpProxy.cut,
}


def every_operation(user: dict[str, Any]) -> list[Request]:
    return [
        ("GET", "/health", None),
        ("GET", "/users", None),
        ("POST", "/users", {"email": unique_email(), "name": "x"}),
        ("GET", f"/users/{user['id']}", None),
        ("PATCH", f"/users/{user['id']}", {"name": "y"}),
        ("DELETE", f"/users/{user['id']}", None),
    ]


def timed(client: httpx.Client, request: Request) -> tuple[httpx.Response, float]:
    method, path, body = request
    started = time.monotonic()
    response = client.request(method, path, json=body)
    return response, time.monotonic() - started


def recovered(client: httpx.Client) -> None:
    deadline = time.monotonic() + RECOVERY
    while client.get("/health").status_code != 200:
        assert time.monotonic() < deadline, f"the service did not recover within {RECOVERY} s"
        time.sleep(0.1)


def assert_normal(client: httpx.Client) -> None:
    """Every operation, for a user of its own, answered as with a healthy database."""
    user = assert_json(client.post("/users", json={"email": unique_email(), "name": "n"}), 201)
    assert assert_json(client.get(f"/users/{user['id']}"), 200) == user
    assert_json(client.get("/users", params={"email": user["email"]}), 200, "UserPage")
    assert_json(client.patch(f"/users/{user['id']}", json={"name": "m"}), 200)
    assert client.delete(f"/users/{user['id']}").status_code == 204
    assert_json(client.get("/health"), 200)


def proxy_of(service: Service) -> TcpProxy:
    if service.proxy is None:
        pytest.skip("needs control of the database link (not available with --base-url)")
    return service.proxy


@pytest.mark.parametrize("fault", FAULTS)
def test_database_fault_gives_503_then_recovers(
    client: httpx.Client, service: Service, fault: str
) -> None:
    proxy = proxy_of(service)
    user = assert_json(client.post("/users", json={"email": unique_email(), "name": "x"}), 201)
    requests = every_operation(user)
    # All at once: under a stall each waits for its timeout, and the bound is per request.
    # The fault ends when they are answered or the bound has passed, whichever is first, so
    # that a request waiting beyond it is released (and fails below) rather than hangs.
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        FAULTS[fault](proxy)
        try:
            sent = [pool.submit(timed, client, request) for request in requests]
            wait(sent, timeout=BOUND)
        finally:
            proxy.restore()
        answers = [future.result(timeout=RECOVERY) for future in sent]
    for (method, path, _), (response, elapsed) in zip(requests, answers, strict=True):
        assert elapsed < BOUND, f"{method} {path}: {response.status_code} after {elapsed:.1f} s"
        assert_problem(response, 503)
    recovered(client)
    # As many at once as the suite's pool holds, so that every pooled connection is used
    # again (a dead one kept in the pool would answer 503 with the database back).
    with ThreadPoolExecutor(max_workers=POOL_SIZE) as pool:
        list(pool.map(lambda _: assert_normal(client), range(POOL_SIZE)))


THREADS, CREATES = 8, 25
PACE = 0.02  # seconds between one thread's creates, so that the load spans the faults
HEALTHY, FAULTY = 0.3, 0.15  # seconds of each spell


def cycle_faults(proxy: TcpProxy, done: threading.Event) -> None:
    """Healthy, cut, healthy, fast shutdown, twice over, then healthy until `done`: a
    bounded number of faults, so that the load ends soon after them in every stack."""
    for fault in [TcpProxy.cut, FAULTS["fast-shutdown"]] * 2:
        if done.wait(HEALTHY):
            return
        fault(proxy)
        time.sleep(FAULTY)
        proxy.restore()


def test_creates_under_faults_lose_nothing(
    client: httpx.Client, service: Service, database: psycopg.Connection[Any]
) -> None:
    """Every create answered (201, or 503 when the database was away), within the bound;
    every 201's user stored under its id; a row answered 503 was in doubt and may be
    stored; nothing answered otherwise."""
    proxy = proxy_of(service)
    batches = [[unique_email("load") for _ in range(CREATES)] for _ in range(THREADS)]
    answers: dict[str, tuple[httpx.Response | Exception, float]] = {}

    def load(emails: list[str]) -> None:
        for email in emails:
            started = time.monotonic()
            try:
                outcome: httpx.Response | Exception = client.post(
                    "/users", json={"email": email, "name": "load"}
                )
            except Exception as exc:  # a transport error, a timeout: no answer
                outcome = exc
            answers[email] = outcome, time.monotonic() - started
            time.sleep(PACE)

    done = threading.Event()
    faults = threading.Thread(target=cycle_faults, args=(proxy, done), daemon=True)
    faults.start()
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(load, batches))
    finally:
        done.set()
        faults.join()
        proxy.restore()
    recovered(client)

    unanswered = [repr(o) for o, _ in answers.values() if isinstance(o, Exception)]
    assert not unanswered, f"{len(unanswered)} got no answer: {unanswered[:3]}"
    responses = {email: o for email, (o, _) in answers.items() if isinstance(o, httpx.Response)}
    statuses = [r.status_code for r in responses.values()]
    assert set(statuses) <= {201, 503}, {s: statuses.count(s) for s in set(statuses)}
    assert 201 in statuses, "no create succeeded between the faults"
    assert 503 in statuses, "no create met a fault"
    slowest = max(elapsed for _, elapsed in answers.values())
    assert slowest < BOUND, f"a create was answered after {slowest:.1f} s"
    for response in responses.values():
        if response.status_code == 503:
            assert_problem(response, 503)
    created = {e: r.json()["id"] for e, r in responses.items() if r.status_code == 201}
    rows = database.execute(
        "SELECT email, id FROM users WHERE email = ANY(%s)", (list(responses),)
    ).fetchall()
    stored = dict(rows)
    lost = {email: user_id for email, user_id in created.items() if stored.get(email) != user_id}
    assert not lost, f"answered 201 but not stored under that id: {lost}"
    # The other stored rows were answered 503 (every answer is 201 or 503): in doubt.
