"""Settings read from the environment once, by the factory, into Flask's config."""

import os
from typing import Any

DEFAULTS: dict[str, Any] = {
    "DATABASE_POOL_SIZE": 10,
    # Seconds to wait for a connection before answering 503.
    "DATABASE_CONNECT_TIMEOUT": 5,
    # Flask answers 413 for bodies over this many bytes.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
}


def from_environ() -> dict[str, Any]:
    """`DATABASE_URL` (required) and `DATABASE_POOL_SIZE`, under the same names as config keys.

    Flask's own `config.from_prefixed_env()` only reads variables under a prefix (`FLASK_`),
    and these two names are shared with every sibling implementation."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("DATABASE_URL is not set (postgresql://user@host:port/database)")
    pool_size = int(os.environ.get("DATABASE_POOL_SIZE", DEFAULTS["DATABASE_POOL_SIZE"]))
    if pool_size < 1:
        raise ValueError("DATABASE_POOL_SIZE must be at least 1")
    return {"DATABASE_URL": url, "DATABASE_POOL_SIZE": pool_size}
