import os
from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True)
class Settings:
    """Read from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`) by `from_environ`."""

    database_url: str
    database_pool_size: int = 10
    # Seconds to wait for a connection before answering 503.
    database_connect_timeout: float = 5.0

    @classmethod
    def from_environ(cls) -> Self:
        # Robyn has no settings object of its own (its Config is the command line).
        return cls(
            database_url=os.environ["DATABASE_URL"],
            database_pool_size=int(os.environ.get("DATABASE_POOL_SIZE", "10")),
        )
