"""`python -m rosetta_aiohttp --host H --port P`: the app under aiohttp's own server,
`web.run_app`, with the environment's settings."""

import argparse

from aiohttp import web

from .app import create_app

# What an operator sets: idle keep-alive connections closed after this many seconds (the
# request head is bounded by aiohttp's parser: lines and fields of 8190 bytes, 128 headers),
# and at most this long for requests in flight when SIGTERM asks the server to stop.
KEEPALIVE_TIMEOUT = 75.0
SHUTDOWN_TIMEOUT = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m rosetta_aiohttp", description="The users service under aiohttp's server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    web.run_app(
        create_app(),
        host=args.host,
        port=args.port,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        access_log=None,  # as the other servers here run: no line per request
    )


if __name__ == "__main__":
    main()
