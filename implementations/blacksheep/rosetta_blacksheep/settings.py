"""Settings read from the environment once, by the factory."""

from pydantic import Field, PostgresDsn
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Read from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`) when built with no
    arguments; the harness passes them as keywords."""

    database_url: PostgresDsn
    database_pool_size: int = Field(default=10, ge=1)
    # Seconds to wait for a connection (to open one, or for a free one in the pool), and
    # for a statement's answer, before answering 503.
    database_connect_timeout: float = 5.0
    database_statement_timeout: float = 5.0
