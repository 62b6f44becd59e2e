import os
from dataclasses import dataclass

from starlette.config import Config


@dataclass(frozen=True)
class Settings:
    """Read from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`) by `from_environ`."""

    database_url: str
    database_pool_size: int = 10
    # Seconds to wait for a connection before answering 503.
    database_connect_timeout: int = 5

    @classmethod
    def from_environ(cls) -> "Settings":
        # Starlette's Config (FastHTML is a Starlette app), over os.environ itself.
        config = Config(environ=os.environ)
        return cls(
            database_url=config("DATABASE_URL"),
            database_pool_size=config("DATABASE_POOL_SIZE", cast=int, default=10),
        )
