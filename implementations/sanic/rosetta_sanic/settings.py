import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True)
class Settings:
    """Read from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`)."""

    database_url: str
    database_pool_size: int = 10
    # Seconds to wait for a connection before answering 503.
    database_connect_timeout: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Self:
        if not environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL is not set (a postgresql:// URL)")
        pool_size = int(environ.get("DATABASE_POOL_SIZE", "10"))
        if pool_size < 1:
            raise RuntimeError("DATABASE_POOL_SIZE must be at least 1")
        return cls(database_url=environ["DATABASE_URL"], database_pool_size=pool_size)
