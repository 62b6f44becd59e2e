# syntax=docker/dockerfile:1
# One image per implementation, chosen at build time:
#
#   docker build --build-arg IMPL=fastapi -t rosetta-fastapi .
#   docker run -e DATABASE_URL=postgresql://user:password@host/db -p 8000:8000 rosetta-fastapi
#
# The image runs the implementation under its recommended production server (the first one
# it declares), configured by the environment only: DATABASE_URL, DATABASE_POOL_SIZE, PORT
# (8000), WORKERS (1) and HOST (0.0.0.0). It holds that implementation's dependencies and
# nothing else: no tooling, no test tools, no other implementation.

ARG PYTHON_VERSION=3.12

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# Every pyproject.toml of the workspace, and nothing else. uv resolves the workspace from
# them; this stage reruns on any change, but its output (and so the dependency layer built
# from it below) changes only when a pyproject.toml does.
FROM python:${PYTHON_VERSION}-slim-trixie AS manifests
COPY . /src
RUN find /src -type f ! -name pyproject.toml -delete \
 && find /src -mindepth 1 -type d -empty -delete

FROM python:${PYTHON_VERSION}-slim-trixie AS builder
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /app
ARG IMPL
RUN test -n "${IMPL}" || { echo "choose the implementation: --build-arg IMPL=<name>" >&2; exit 1; }

# The implementation's third-party dependencies: cached until a pyproject.toml changes. No
# uv.lock is committed; uv resolves from the exact pins in the root pyproject.toml.
COPY --from=manifests /src ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --no-dev --package "rosetta-${IMPL}" --no-install-workspace

# The implementation itself, editable as in a checkout: the ones that serve the contract
# file find it at <repository>/shared_contract/openapi.yaml.
COPY shared_contract/ shared_contract/
COPY implementations/${IMPL}/ implementations/${IMPL}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --no-dev --package "rosetta-${IMPL}" \
 && .venv/bin/python -m compileall -q "implementations/${IMPL}"

# The server's argv, from the tooling (rosetta.servers.command, as `rosetta serve` and the
# live conformance suite start it), installed aside here and left out of the image. HOST,
# PORT and WORKERS are filled in when the container starts.
COPY tooling/ tooling/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv pip install --quiet --target /tmp/tooling ./tooling \
 && PYTHONPATH=/tmp/tooling .venv/bin/python -c 'import json, os; from rosetta import registry, servers; impl = registry.get(os.environ["IMPL"]); print(json.dumps(servers.command(impl, impl.servers[0], "{host}", "{port}", "{workers}")))' > server.json \
 && cat server.json

FROM python:${PYTHON_VERSION}-slim-trixie
ARG IMPL
RUN groupadd --system --gid 10001 rosetta \
 && useradd --system --uid 10001 --gid rosetta --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin rosetta
WORKDIR /app
# Owned by root, read-only to the service's user.
COPY --from=builder /app/.venv .venv
COPY --from=builder /app/shared_contract shared_contract
COPY --from=builder /app/implementations/${IMPL} implementations/${IMPL}
COPY --from=builder /app/server.json server.json
COPY <<'EOF' serve.py
"""Replace this process with the server whose argv the tooling wrote into server.json,
its {host}, {port} and {workers} taken from HOST, PORT and WORKERS."""

import json
import os

with open("/app/server.json") as file:
    argv = json.load(file)
for name in ("host", "port", "workers"):
    argv = [arg.replace("{" + name + "}", os.environ[name.upper()]) for arg in argv]
os.execvp(argv[0], argv)
EOF

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=1
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["python", "/app/serve.py"]
