"""The framework-free ceiling: a bare ASGI callable on an asyncpg pool.

It answers what the benchmark asks (`GET /users/{id}`, `GET /users`, `POST /users`,
`GET /health`) with the contract's status codes and JSON shapes, the same SQL as the
pgbench scripts, and nothing a framework would add: no routing table, no models, no
middleware. Whatever an implementation measures below it is the price of its stack.
Not a registered implementation: it never shows up in `rosetta list` or the suite.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

COLUMNS = "id, email, name, created_at, updated_at"
GET_USER = f"SELECT {COLUMNS} FROM users WHERE id = $1"
COUNT_USERS = "SELECT count(*) FROM users"
LIST_USERS = f"SELECT {COLUMNS} FROM users ORDER BY id LIMIT $1 OFFSET $2"
CREATE_USER = f"INSERT INTO users (email, name) VALUES ($1, $2) RETURNING {COLUMNS}"

EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
NAME = re.compile(r"(?=.*\S)[^\x00-\x1f\x7f]{1,100}")
BIGINT_MAX = 2**63 - 1
PROBLEMS = "https://rosetta.example/problems/"


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def public(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "created_at": rfc3339(row["created_at"]),
        "updated_at": rfc3339(row["updated_at"]),
    }


def problem(status: int, kind: str, title: str, detail: str) -> tuple[int, dict[str, Any]]:
    return status, {"type": PROBLEMS + kind, "title": title, "status": status, "detail": detail}


def not_found() -> tuple[int, dict[str, Any]]:
    return problem(404, "not-found", "Not found", "No such resource.")


def decimal(text: str, low: int, high: int) -> int | None:
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


class Baseline:
    """The ASGI app; the lifespan opens and closes the pool."""

    def __init__(self, database_url: str, pool_size: int) -> None:
        self.database_url = database_url
        self.pool_size = pool_size
        self.pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["type"] == "http":
            status, body, headers = await self.handle(scope, receive)
            payload = b"" if body is None else json.dumps(body).encode()
            content_type = b"application/problem+json" if status >= 400 else b"application/json"
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", content_type),
                        (b"content-length", str(len(payload)).encode()),
                        *headers,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": payload})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.pool = await asyncpg.create_pool(
                    self.database_url, min_size=0, max_size=self.pool_size, timeout=5
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def handle(
        self, scope: Scope, receive: Receive
    ) -> tuple[int, Any, list[tuple[bytes, bytes]]]:
        method, path = scope["method"], scope["path"]
        assert self.pool is not None
        if path == "/health":
            if method != "GET":
                return (*self.not_allowed("GET"), [(b"allow", b"GET")])
            await self.pool.execute("SELECT 1")
            return 200, {"status": "ok"}, []
        if path == "/users":
            if method == "GET":
                return (*await self.list_users(scope["query_string"].decode("latin-1")), [])
            if method == "POST":
                status, body = await self.create_user(scope, receive)
                headers = [(b"location", f"/users/{body['id']}".encode())] if status == 201 else []
                return status, body, headers
            return (*self.not_allowed("GET, POST"), [(b"allow", b"GET, POST")])
        if path.startswith("/users/") and path.count("/") == 2:
            if method != "GET":  # PATCH and DELETE are not part of the benchmark
                return (*self.not_allowed("GET"), [(b"allow", b"GET")])
            user_id = decimal(path[len("/users/") :], 1, BIGINT_MAX)
            row = None if user_id is None else await self.pool.fetchrow(GET_USER, user_id)
            return (*not_found(), []) if row is None else (200, public(row), [])
        return (*not_found(), [])

    def not_allowed(self, allow: str) -> tuple[int, dict[str, Any]]:
        return problem(405, "method-not-allowed", "Method not allowed", f"Allowed: {allow}.")

    async def list_users(self, query: str) -> tuple[int, Any]:
        params = dict(part.partition("=")[::2] for part in query.split("&") if part)
        limit = decimal(params.get("limit", "20"), 1, 100)
        offset = decimal(params.get("offset", "0"), 0, BIGINT_MAX)
        if limit is None or offset is None:
            errors = [
                {"field": name, "message": "not an integer in range"}
                for name, value in (("limit", limit), ("offset", offset))
                if value is None
            ]
            status, body = problem(422, "validation-error", "Validation failed", "Bad query.")
            return status, {**body, "errors": errors}
        assert self.pool is not None
        async with (
            self.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            total = await conn.fetchval(COUNT_USERS)
            rows = await conn.fetch(LIST_USERS, limit, offset)
        return 200, {
            "items": [public(r) for r in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    async def create_user(self, scope: Scope, receive: Receive) -> tuple[int, Any]:
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/json":
            return problem(415, "unsupported-media-type", "Unsupported media type", "JSON only.")
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        try:
            data = json.loads(b"".join(chunks))
        except ValueError:
            return problem(400, "malformed-body", "Malformed request body", "Not JSON.")
        errors = []
        if not isinstance(data, dict):
            errors.append({"field": "body", "message": "not an object"})
        else:
            for field, pattern, longest in (("email", EMAIL, 254), ("name", NAME, 100)):
                value = data.get(field)
                if not (
                    isinstance(value, str) and len(value) <= longest and pattern.fullmatch(value)
                ):
                    errors.append({"field": field, "message": "missing or invalid"})
            errors.extend({"field": f, "message": "unknown"} for f in set(data) - {"email", "name"})
        if errors:
            status, body = problem(422, "validation-error", "Validation failed", "Bad body.")
            return status, {**body, "errors": errors}
        assert self.pool is not None
        try:
            row = await self.pool.fetchrow(CREATE_USER, data["email"], data["name"])
        except asyncpg.UniqueViolationError:
            return problem(409, "email-taken", "Email already taken", "Email already taken.")
        return 201, public(row)


def create_app() -> Baseline:
    """The factory the servers call; settings come from the environment, as everywhere."""
    return Baseline(os.environ["DATABASE_URL"], int(os.environ.get("DATABASE_POOL_SIZE", "10")))
