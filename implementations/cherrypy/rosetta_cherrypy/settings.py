"""Settings read from the environment once, by the factory."""

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Read from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`) by `from_env`."""

    database_url: str
    database_pool_size: int = 10
    # Seconds to wait for a connection (to open one, or for a free one in the pool), and
    # for a statement's answer, before answering 503.
    database_connect_timeout: float = 5.0
    database_statement_timeout: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        url = environ.get("DATABASE_URL", "")
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must be a postgresql:// URL")
        pool_size = int(environ.get("DATABASE_POOL_SIZE", "10"))
        if pool_size < 1:
            raise ValueError("DATABASE_POOL_SIZE must be at least 1")
        return cls(database_url=url, database_pool_size=pool_size)
