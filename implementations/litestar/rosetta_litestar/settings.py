import os
from typing import Annotated, Self

import msgspec
from msgspec import Meta

ENVIRONMENT = {"database_url": "DATABASE_URL", "database_pool_size": "DATABASE_POOL_SIZE"}


class Settings(msgspec.Struct, frozen=True):
    """Read from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`) by `from_env()`."""

    database_url: Annotated[str, Meta(pattern=r"^postgresql://")]
    database_pool_size: Annotated[int, Meta(ge=1)] = 10
    # Seconds to wait for a connection before answering 503.
    database_connect_timeout: int = 5

    @classmethod
    def from_env(cls) -> Self:
        values = {
            field: os.environ[name] for field, name in ENVIRONMENT.items() if name in os.environ
        }
        return msgspec.convert(values, cls, strict=False)  # strict=False: "10" is an int here
