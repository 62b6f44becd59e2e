"""Regenerate what the workspace root pins: its member list and exact versions of every
dependency, written into pyproject.toml. No uv.lock is committed (it records download
addresses and the index host); the pins here record names and versions only.

    python scripts/pin.py             re-pin, keeping current versions where they still fit
    python scripts/pin.py --upgrade   re-pin to the newest versions that resolve together

Run it after adding an implementation or changing any member's dependencies.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
# How each block's lines are indented in pyproject.toml.
INDENT = {"members": "    ", "sources": "", "pins": "    "}


def members() -> list[str]:
    folders = [ROOT / "tooling", *sorted((ROOT / "implementations").glob("*/"))]
    return [
        tomllib.loads((folder / "pyproject.toml").read_text())["project"]["name"]
        for folder in folders
        if (folder / "pyproject.toml").exists()
    ]


def replace_block(text: str, name: str, lines: list[str]) -> str:
    pattern = re.compile(rf"(# {name}: begin\n).*?(\s*# {name}: end)", re.DOTALL)
    if not pattern.search(text):
        sys.exit(f"pyproject.toml has no '# {name}: begin/end' block")
    body = "".join(f"{INDENT[name]}{line}\n" for line in lines)
    return pattern.sub(lambda m: m.group(1) + body + m.group(2).lstrip("\n"), text)


def rewrite(**blocks: list[str]) -> None:
    """Replace the lines of the named `# <name>: begin/end` blocks of pyproject.toml."""
    text = PYPROJECT.read_text()
    for name, lines in blocks.items():
        text = replace_block(text, name, lines)
    PYPROJECT.write_text(text)


def uv(*args: str) -> str:
    return subprocess.run(
        ["uv", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def resolved_pins(upgrade: bool) -> list[str]:
    """Lock the workspace (to the newest versions with `upgrade`) and read back the exact
    version of every dependency, `name==version`, in name order."""
    uv("lock", *(["--upgrade"] if upgrade else []))
    exported = uv(
        "export", "--all-packages", "--all-groups", "--no-hashes", "--no-emit-workspace",
        "--no-header", "--no-annotate", "--format", "requirements-txt",
    )  # fmt: skip
    pins = (line.strip() for line in exported.splitlines())
    return sorted((pin for pin in pins if "==" in pin and not pin.startswith("#")), key=str.lower)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--upgrade", action="store_true", help="move every pin to the newest version"
    )
    args = parser.parse_args()

    names = members()
    workspace = {
        "members": [f'"{name}",' for name in names],
        "sources": [f"{name} = {{ workspace = true }}" for name in names],
    }
    # To upgrade, the old pins go first: nothing may hold uv to them.
    rewrite(**workspace, **({"pins": []} if args.upgrade else {}))
    pins = resolved_pins(args.upgrade)
    rewrite(pins=[f'"{pin}",' for pin in pins])
    print(f"{len(names)} members, {len(pins)} pins written to {PYPROJECT.name}")


if __name__ == "__main__":
    main()
