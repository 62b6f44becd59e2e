"""The subcommands for reading the implementations side by side: their arguments here,
their work in compare.py (the terminal, rich) and site.py (a static site, pygments),
imported only when one of them runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from rosetta import handlers


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compare = commands.add_parser(
        "compare",
        help="one operation's handler in every implementation, side by side",
        description="Print the handler of OPERATION (create_user or createUser) from each"
        " implementation, highlighted, in columns when the terminal is wide enough; or,"
        " with --modules A B, two implementations module by module as a side-by-side diff."
        " An unknown operation, layer or implementation exits with status 2.",
    )
    compare.add_argument("operation", nargs="?", help=f"one of: {', '.join(handlers.OPERATIONS)}")
    compare.add_argument("--impl", default="all", help="all (default) or names, comma-separated")
    compare.add_argument(
        "--with",
        dest="layers",
        action="append",
        default=[],
        metavar="LAYER",
        help=f"also what each handler uses in that layer: {', '.join(handlers.LAYERS)}"
        " (comma-separated or repeated)",
    )
    compare.add_argument(
        "--modules", nargs=2, metavar=("A", "B"), help="diff two implementations module by module"
    )
    compare.set_defaults(run=compare_command)

    site = commands.add_parser(
        "site",
        help="build the static site: every operation in every implementation",
        description="Write a static site into OUT (emptied first): a page per operation with"
        " every implementation's handler side by side, a page per implementation, an index.",
    )
    site.add_argument("out", type=Path, help="the folder to write")
    site.add_argument(
        "--source-url",
        help="also link each file to this base and its repository path, e.g."
        " https://github.com/OWNER/REPO/blob/COMMIT",
    )
    site.set_defaults(run=site_command)


def compare_command(args: argparse.Namespace) -> None:
    from rosetta import compare

    compare.run(args)


def site_command(args: argparse.Namespace) -> None:
    from rosetta import site

    site.run(args)
