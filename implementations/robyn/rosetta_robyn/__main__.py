"""`python -m rosetta_robyn --host H --port P`: the app under Robyn's own server.

Robyn reads its other options from the command line itself: `--processes N` (processes
sharing the socket), `--workers N` (threads in each), `--log-level LEVEL`, `--fast`.
"""

import argparse
import signal
from types import FrameType


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m rosetta_robyn",
        description="The users service under Robyn's own server.",
        epilog="Robyn's own options: --processes N, --workers N, --log-level LEVEL, --fast.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args, _ = parser.parse_known_args()  # the rest is Robyn's
    # Imported only now: importing robyn parses the command line itself (and answers -h).
    from .app import create_app

    # A single-process Robyn leaves SIGTERM alone and hangs until SIGKILL (sparckles/Robyn
    # #1324); turned into Ctrl+C, it runs the shutdown handler and exits.
    signal.signal(signal.SIGTERM, interrupt)
    # _check_port=False: with the port taken, Robyn would ask on stdin for another one.
    create_app().start(host=args.host, port=args.port, _check_port=False)


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
