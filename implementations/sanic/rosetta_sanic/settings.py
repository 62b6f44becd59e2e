"""Settings, read from the environment once, by the factory."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self


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
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Self:
        # Sanic's own app.config reads SANIC_-prefixed variables; these are the app's.
        return cls(
            database_url=environ["DATABASE_URL"],
            database_pool_size=int(environ.get("DATABASE_POOL_SIZE", "10")),
        )
