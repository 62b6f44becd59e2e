"""Django settings, read from the environment once, when Django configures itself.

DATABASE_URL         postgresql://user:password@host:port/name (required)
DATABASE_POOL_SIZE   connections in the pool (default 10)
DJANGO_SECRET_KEY    nothing here signs data that outlives a process, so a random key
                     is the default; set one so that every worker agrees
DJANGO_DEBUG         "1" turns debug on (never in production)
DJANGO_ALLOWED_HOSTS comma-separated (default "*": the service builds no URL from Host)
"""

import os
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from psycopg.abc import PQGen
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow

# Seconds to wait on the database: for a new connection or a free one from the pool (past
# either, 503 while the pool goes on reconnecting on its own), and for a statement, which
# PostgreSQL then cancels (503 too; BoundedConnection gives up a second later on a server
# that answers nothing). Whole seconds: libpq reads connect_timeout so.
DATABASE_CONNECT_TIMEOUT = 5
DATABASE_STATEMENT_TIMEOUT = 5

RV = TypeVar("RV")


class BoundedConnection(psycopg.Connection[TupleRow]):
    """A psycopg connection whose every wait on the server ends within `bound` seconds:
    libpq has no client-side timeout, and PostgreSQL's statement_timeout cannot fire when
    the server is frozen or the link holds the bytes. The bound is a second past the
    server's own timeout, so that a slow statement is cancelled by the server (and the
    connection kept) and only a server that does not answer reaches it. Then the command is
    still in flight and the connection is closed (half an exchange cannot be resumed): the
    request is a 503, and the pool discards the connection when it comes back."""

    bound = DATABASE_STATEMENT_TIMEOUT + 1.0

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        try:
            return super().wait(gen, interval, self.bound if timeout is None else timeout)
        except psycopg.OperationalError:
            if self.info.transaction_status == TransactionStatus.ACTIVE:  # still in flight
                self.close()
            raise


def database(url: str, pool_size: int) -> dict[str, Any]:
    """DATABASES["default"] from a postgresql:// URL (query parameters become options)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ImproperlyConfigured("DATABASE_URL must be a postgresql:// URL")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.removeprefix("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Django's pool (psycopg_pool): the requests of a process share its connections,
        # whichever thread serves them (Django's docs advise it over persistent
        # connections under ASGI; CONN_MAX_AGE must then be 0). No CONN_HEALTH_CHECKS,
        # which would have the pool check every connection it hands out (a round trip per
        # request): one broken while the database was away fails its request (503), and
        # the pool discards it when it comes back.
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            **dict(parse_qsl(parts.query)),
            "connect_timeout": DATABASE_CONNECT_TIMEOUT,
            # PostgreSQL's own bound on each statement, set at connection start (libpq
            # `options`), so it costs no round trip.
            "options": f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}",
            "pool": {
                "min_size": 1,
                "max_size": pool_size,
                "timeout": DATABASE_CONNECT_TIMEOUT,
                "connection_class": BoundedConnection,
                # Give up a failing reconnection early: the next request starts a fresh one.
                "reconnect_timeout": DATABASE_CONNECT_TIMEOUT,
            },
        },
    }


try:
    DATABASES = {
        "default": database(
            os.environ["DATABASE_URL"], int(os.environ.get("DATABASE_POOL_SIZE", "10"))
        )
    }
except KeyError:
    raise ImproperlyConfigured("DATABASE_URL is not set") from None

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",")

INSTALLED_APPS = ["rosetta_ninja"]
# No SecurityMiddleware: under ASGI its process_request and process_response cost a thread
# hop each, and its headers are for browsers loading pages, not for this JSON API.
MIDDLEWARE = ["rosetta_ninja.problems.method_not_allowed"]
ROOT_URLCONF = "rosetta_ninja.urls"
# For Ninja's interactive documentation at /docs (its page loads Swagger UI from a CDN).
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates"}]
WSGI_APPLICATION = "rosetta_ninja.wsgi.application"

# The contract's limit; request.body raises RequestDataTooBig past it (413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
APPEND_SLASH = False
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Errors are logged (to stderr) with their traceback; responses never carry one.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "ERROR"}},
}
