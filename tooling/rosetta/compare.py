"""`rosetta compare`: one operation's handler from each implementation, side by side in the
terminal (rich), or two implementations module by module as a side-by-side diff."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from itertools import zip_longest

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from rosetta import handlers, registry
from rosetta.handlers import Handler, Module, Package, Source

MIN_COLUMN = 80  # narrower than this, panels are stacked one above the other
THEME = "monokai"
CONTEXT = 3  # equal lines kept around each change in --modules
REMOVED = "on #4b1818"
ADDED = "on #173f1a"
# The order of the skeleton (implementations/README.md), for --modules.
SKELETON = ("__init__", "app", "routes", "schemas", "db", "problems", "settings")


class UsageError(Exception):
    """An unknown operation, layer or implementation: one line, exit status 2."""


def run(args: argparse.Namespace) -> None:
    """Mistakes in the arguments are one line on stderr and exit status 2; a handler that
    cannot be found is reported after the others are printed, with exit status 1."""
    console = Console(highlight=False)
    try:
        if args.modules:
            if args.operation:
                raise UsageError("give either an operation or --modules A B, not both")
            a, b = (handlers.package(registry.get(name).name) for name in args.modules)
        else:
            if not args.operation:
                raise UsageError(f"name an operation: {', '.join(handlers.OPERATIONS)}")
            name = handlers.operation(args.operation)
            layers = [handlers.layer_name(x) for arg in args.layers for x in arg.split(",") if x]
            selected = [handlers.package(impl.name) for impl in registry.select(args.impl)]
            if not selected:
                raise UsageError(f"no implementation selected: {', '.join(registry.names())}")
    except (handlers.HandlerError, registry.UnknownImplementationError, UsageError) as exc:
        print(f"rosetta compare: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.modules:
        console.print(modules_diff(a, b))
        return
    found: list[Handler] = []
    missing: list[str] = []
    for package in selected:
        try:
            found.append(package.handler(name))
        except handlers.HandlerError as exc:
            missing.append(str(exc))
    console.print(handler_grid(found, layers, console.width))
    if missing:
        print("\n".join(f"rosetta compare: {line}" for line in missing), file=sys.stderr)
        raise SystemExit(1)


def code(source: Source) -> Syntax:
    return Syntax(
        source.code,
        "python",
        theme=THEME,
        line_numbers=True,
        start_line=source.start,
        word_wrap=True,
    )


def handler_panel(handler: Handler, layers: Sequence[str]) -> Panel:
    """The handler headed by implementation, framework and file:line; then, per layer,
    what it uses there."""
    parts: list[RenderableType] = [code(handler.source)]
    for layer in layers:
        used = handlers.follow(handler, layer)
        if not used:
            names = ", ".join(f"{m.name}.py" for m in handler.package.layer_modules(layer))
            parts.append(
                Rule(f"{layer}: nothing named in {names or 'no such module'}", style="dim")
            )
        for source in used:
            parts.append(Rule(f"{layer}: {source.qualname}  {source.location}", style="cyan"))
            parts.append(code(source))
    title = Text.assemble(
        (handler.impl.name, "bold"),
        " · ",
        handler.impl.framework,
        " · ",
        (handler.source.location, "cyan"),
    )
    return Panel(Group(*parts), title=title, title_align="left", padding=(0, 1))


def handler_grid(found: Sequence[Handler], layers: Sequence[str], width: int) -> RenderableType:
    """As many columns as fit (at least MIN_COLUMN wide each), stacked when one is all."""
    columns = max(1, min(len(found), width // MIN_COLUMN))
    grid = Table.grid(expand=True, padding=(0, 1))
    for _ in range(columns):
        grid.add_column(ratio=1)
    panels = [handler_panel(h, layers) for h in found]
    for row in range(0, len(panels), columns):
        cells: list[RenderableType] = list(panels[row : row + columns])
        grid.add_row(*cells, *[""] * (columns - len(cells)))
    return grid


def role(module: str) -> str:
    """The skeleton's name for a module: views.py and api.py are routes, models.py db, ..."""
    if module in handlers.HANDLER_MODULES:
        return "routes"
    for layer, names in handlers.LAYERS.items():
        if module in names:
            return layer
    return module


def module_pairs(a: Package, b: Package) -> list[tuple[Module | None, Module | None]]:
    """Modules of the same name side by side, then the rest by their role in the skeleton
    (flask's routes.py beside django's views.py), then what only one of them has."""
    left, right = dict(a.modules), dict(b.modules)
    pairs: list[tuple[Module | None, Module | None]] = []
    for name in [n for n in left if n in right]:
        pairs.append((left.pop(name), right.pop(name)))
    for name in list(left):
        match = next((n for n in right if role(n) == role(name)), None)
        if match is not None:
            pairs.append((left.pop(name), right.pop(match)))
    pairs += [(m, None) for m in left.values()] + [(None, m) for m in right.values()]

    def order(pair: tuple[Module | None, Module | None]) -> tuple[int, str]:
        name = next(m.name for m in pair if m is not None)
        r = role(name)
        return (SKELETON.index(r) if r in SKELETON else len(SKELETON), name)

    return sorted(pairs, key=order)


def highlighted_lines(module: Module | None) -> list[Text]:
    if module is None:
        return []
    syntax = Syntax("", "python", theme=THEME)
    text = syntax.highlight(module.text)
    text.rstrip()
    return list(text.split("\n", allow_blank=True))


def modules_diff(a: Package, b: Package) -> RenderableType:
    """Every module pair as a two-column diff: changed lines on red and green, runs of
    equal lines shortened to CONTEXT lines around each change."""
    parts: list[RenderableType] = [
        Text.assemble(
            ("rosetta compare --modules ", "dim"),
            (f"{a.impl.name} ({a.impl.framework})", "bold"),
            " ↔ ",
            (f"{b.impl.name} ({b.impl.framework})", "bold"),
        )
    ]
    for left, right in module_pairs(a, b):
        label_a = handlers.display_path(left.path) if left else "—"
        label_b = handlers.display_path(right.path) if right else "—"
        parts.append(Rule(f"{label_a}  ↔  {label_b}", style="cyan"))
        parts.append(diff_table(left, right))
    return Group(*parts)


def diff_table(left: Module | None, right: Module | None) -> Table:
    table = Table.grid(expand=True, padding=(0, 1))
    for _side in ("left", "right"):
        table.add_column(justify="right", style="dim", no_wrap=True)  # the line numbers
        table.add_column(ratio=1, overflow="fold")
    a_lines, b_lines = highlighted_lines(left), highlighted_lines(right)
    matcher = difflib.SequenceMatcher(
        None, [t.plain.rstrip() for t in a_lines], [t.plain.rstrip() for t in b_lines], False
    )

    def cells(index: int | None, lines: list[Text], style: str | None) -> list[RenderableType]:
        if index is None:
            return ["", ""]
        line = lines[index].copy()
        if style:
            line.stylize(style)
        return [str(index + 1), line]

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            run = i2 - i1
            kept = list(range(run))
            if run > 2 * CONTEXT + 1:  # -1: the row that says how many are left out
                kept = [*range(CONTEXT), -1, *range(run - CONTEXT, run)]
            for k in kept:
                if k < 0:
                    hidden = Text(f"⋯ {run - 2 * CONTEXT} equal lines", style="dim")
                    table.add_row("", hidden, "", "")
                else:
                    table.add_row(*cells(i1 + k, a_lines, None), *cells(j1 + k, b_lines, None))
            continue
        for i, j in zip_longest(range(i1, i2), range(j1, j2)):
            table.add_row(*cells(i, a_lines, REMOVED), *cells(j, b_lines, ADDED))
    return table
