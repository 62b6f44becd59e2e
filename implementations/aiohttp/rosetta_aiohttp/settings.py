"""Settings, read from the environment once, by the factory."""

import os
from collections.abc import Mapping
from typing import Self

from attrs import frozen


@frozen(kw_only=True)
class Settings:
    """Read from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`) by `from_env`."""

    database_url: str
    database_pool_size: int = 10
    # Seconds to wait for a connection, and for a statement, before answering 503.
    database_connect_timeout: float = 5.0
    database_statement_timeout: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Self:
        # aiohttp has no settings object of its own; an attrs class, as the schemas are.
        return cls(
            database_url=environ["DATABASE_URL"],
            database_pool_size=int(environ.get("DATABASE_POOL_SIZE", "10")),
        )
