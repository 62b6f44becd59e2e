"""Settings read from the environment once, by the factory."""

import os
from collections.abc import Mapping
from typing import Annotated, Self

import msgspec
from msgspec import Meta

ENVIRONMENT = {"database_url": "DATABASE_URL", "database_pool_size": "DATABASE_POOL_SIZE"}


class Settings(msgspec.Struct, frozen=True):
    """Read from the environment (`DATABASE_URL`, `DATABASE_POOL_SIZE`) by `from_env`."""

    database_url: Annotated[str, Meta(pattern=r"^postgres(ql)?://")]
    database_pool_size: Annotated[int, Meta(ge=1)] = 10
    # Seconds to wait for a connection (to open one, or for a free one in the pool), and
    # for a statement's answer, before answering 503.
    database_connect_timeout: float = 5.0
    database_statement_timeout: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Self:
        values = {field: environ[name] for field, name in ENVIRONMENT.items() if name in environ}
        return msgspec.convert(values, cls, strict=False)  # strict=False: "10" is an int here
