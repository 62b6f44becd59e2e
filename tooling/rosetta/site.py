"""`rosetta site OUT`: the implementations side by side as a static site.

Pages (every link relative, so the folder works from file:// and from any static host):

    index.html                         the matrix, the operations, the benchmark
    operations/<operation>.html        every implementation's handler; pick which, or two as a diff
    implementations/<name>.html        README, stack, handlers, modules, dependencies
    source/<name>/<module>.html        each module highlighted, lines anchored (#L42)
    static/                            CSS and the page's bit of plain JavaScript

Code is highlighted at build time (pygments); there is no JavaScript build. Everything
comes from the registry, the packages' files and the repository's README, contract, pins
and benchmark results, so a new implementation appears on every page by itself.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import formatters, highlight, lexers, util

from rosetta import handlers, registry
from rosetta.handlers import REPO_ROOT, Handler, Module, Package, Source

FILES = Path(__file__).parent / "site_files"
README = REPO_ROOT / "README.md"
CONTRACT = REPO_ROOT / "shared_contract" / "openapi.yaml"
PINS = REPO_ROOT / "pyproject.toml"
BENCH = REPO_ROOT / "bench" / "results"
MATRIX = ("<!-- matrix: begin -->", "<!-- matrix: end -->")
ROUND_TRIPS = "round trips (get/list/post/patch/delete)"  # the matrix column, lower-cased
PYGMENTS_STYLE = "default"
SCENARIOS = ("get", "list", "create", "mixed")


def run(args: argparse.Namespace) -> None:
    started = time.monotonic()
    pages = build(args.out, source_url=args.source_url)
    elapsed = time.monotonic() - started
    print(f"{len(pages)} pages in {args.out}/ ({elapsed:.1f} s); open {args.out / 'index.html'}")


# --- highlighting ---------------------------------------------------------------------


def highlighted_lines(code: str, lexer: str = "python") -> list[str]:
    """The code as HTML, one string per line (pygments closes its spans at each newline)."""
    try:
        lex = lexers.PythonLexer() if lexer == "python" else lexers.get_lexer_by_name(lexer)
    except util.ClassNotFound:
        return [html.escape(line) for line in code.splitlines()]
    out: str = highlight(code, lex, formatters.HtmlFormatter(nowrap=True))
    return out.rstrip("\n").split("\n")


def code_block(source: Source, anchors: bool = False) -> str:
    """A <pre> of the source, each line a span with its number (and an id with anchors)."""
    return numbered(highlighted_lines(source.code), source.start, anchors)


def numbered(lines: Sequence[str], start: int, anchors: bool) -> str:
    rows = []
    for number, line in enumerate(lines, start):
        ident = f' id="L{number}"' if anchors else ""
        link = f'<a class="ln" href="#L{number}">{number}</a>' if anchors else ""
        rows.append(f'<span class="line"{ident} data-n="{number}">{link}{line}</span>')
    return '<pre class="code"><code>' + "".join(rows) + "</code></pre>"


# --- what the pages show ------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    name: str  # create_user
    operation_id: str  # createUser
    method: str
    path: str
    summary: str


def operations() -> list[Operation]:
    """The contract's operations, in handlers.OPERATIONS order, with method and path."""
    document = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    found: dict[str, Operation] = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                name = handlers.snake_case(op["operationId"])
                summary = op.get("summary", "")
                found[name] = Operation(name, op["operationId"], method.upper(), path, summary)
    return [found[name] for name in handlers.OPERATIONS if name in found]


def readme_matrix(text: str) -> dict[str, dict[str, str]]:
    """The README's implementation matrix (between its markers): name -> column -> cell."""
    if MATRIX[0] not in text:
        return {}
    before, _, rest = text.partition(MATRIX[0])
    body = rest.partition(MATRIX[1])[0]
    header_lines = [
        line for line in before.splitlines() if line.startswith("|") and "---" not in line
    ]
    if not header_lines:
        return {}
    header = [cell.strip().lower() for cell in header_lines[-1].strip("|").split("|")]
    rows: dict[str, dict[str, str]] = {}
    for line in body.splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        name = re.sub(r"\[([^]]*)\].*", r"\1", cells[0])
        rows[name] = dict(zip(header, cells, strict=False))
    return rows


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def pins() -> dict[str, str]:
    """Exact versions from the root pyproject's `[tool.uv] constraint-dependencies`."""
    data = tomllib.loads(PINS.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for spec in data.get("tool", {}).get("uv", {}).get("constraint-dependencies", []):
        match = re.match(r"\s*([A-Za-z0-9._-]+)\s*==\s*([^\s;]+)", spec)
        if match:
            found.setdefault(normalize(match[1]), match[2])
    return found


@dataclass(frozen=True)
class Dependency:
    name: str
    extras: str
    version: str | None


def dependencies(package: Package) -> list[Dependency]:
    """The member's direct dependencies (its pyproject.toml), with the pinned versions."""
    data = tomllib.loads((package.member_folder / "pyproject.toml").read_text(encoding="utf-8"))
    result = []
    for spec in data.get("project", {}).get("dependencies", []):
        match = re.match(r"\s*([A-Za-z0-9._-]+)\s*(\[[^]]*\])?", spec)
        if match:
            name = match[1]
            result.append(Dependency(name, match[2] or "", pins().get(normalize(name))))
    return result


@dataclass
class Bench:
    date: str
    command: str
    chart: bool
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # impl -> target, per scenario


def bench(impls: Sequence[registry.Implementation]) -> Bench | None:
    """From bench/results/latest.json: per implementation, its recommended server's target
    (the first it declares, else any measured), requests/s and the ratio to the ceiling."""
    path = BENCH / "latest.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    result = Bench(data.get("date", ""), data.get("command", ""), (BENCH / "latest.svg").exists())
    by_target: dict[str, dict[str, dict[str, Any]]] = {}
    for row in data.get("results", []):
        by_target.setdefault(row["target"], {})[row["scenario"]] = row
    measured = [t["id"] for t in data.get("targets", [])]
    for impl in impls:
        preferred = f"{impl.name}@{impl.servers[0]}"
        candidates = [preferred] + [t for t in measured if t.split("@")[0] == impl.name]
        target = next((t for t in candidates if t in by_target), None)
        if target is None:
            continue
        cells = {}
        for scenario in SCENARIOS:
            row = by_target[target].get(scenario)
            if row:
                ratio = (row.get("vs_ceiling") or {}).get("rps")
                cells[scenario] = {"rps": row["rps"]["median"], "ratio": ratio}
        result.rows[impl.name] = {"target": target, "cells": cells}
    return result


# --- the build ------------------------------------------------------------------------


def relative(link: str, page: str) -> str:
    """A site-relative link (`source/flask/routes.html#L3`) as seen from `page`; links
    elsewhere (`https://...`) as they are."""
    return link if "://" in link else "../" * page.count("/") + link


class Site:
    def __init__(self, out: Path, source_url: str | None) -> None:
        self.out = out
        self.source_url = source_url.rstrip("/") if source_url else None
        self.packages = handlers.packages()
        self.operations = operations()
        self.env = Environment(
            loader=FileSystemLoader(FILES / "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(site=self, operations=self.operations)
        self.env.filters["href"] = pass_context(lambda ctx, link: relative(link, ctx["page"]))
        self.pages: list[Path] = []
        self.module_pages = {
            module.path: self.source_page(package, module)
            for package in self.packages
            for module in package.modules.values()
        }
        self.markdown = MarkdownIt("commonmark", {"highlight": self._fence}).enable("table")

    # Links, relative to the site's root (the `href` filter makes them relative to a page).

    def source_page(self, package: Package, module: Module) -> str:
        return f"source/{package.impl.name}/{module.name}.html"

    def source_link(self, source: Source) -> str:
        """The site's own page of the file, at the source's first line."""
        if source.path in self.module_pages:
            return f"{self.module_pages[source.path]}#L{source.start}"
        return self.repository_link(source.path)

    def upstream(self, source: Source) -> str | None:
        """The file at the configured base (GitHub), lines highlighted, if there is one."""
        if not self.source_url:
            return None
        return (
            f"{self.source_url}/{handlers.display_path(source.path)}#L{source.start}-L{source.end}"
        )

    def repository_link(self, path: Path) -> str:
        """A repository file outside the packages: at the base if given, else the file
        itself, relative to the site's folder (for a site built inside the checkout)."""
        if self.source_url and path.is_relative_to(REPO_ROOT):
            return f"{self.source_url}/{path.relative_to(REPO_ROOT)}"
        return Path(os.path.relpath(path, self.out)).as_posix()

    def write(self, page: str, template: str, **context: Any) -> None:
        path = self.out / page
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.env.get_template(template).render(page=page, **context)
        path.write_text(text, encoding="utf-8")
        self.pages.append(path)

    # README rendering: fences highlighted, relative links pointed at the site's pages.

    def _fence(self, code: str, lang: str, attrs: str) -> str:
        lines = highlighted_lines(code.rstrip("\n"), lang or "text")
        return '<pre class="code"><code>' + "\n".join(lines) + "</code></pre>"

    def render_markdown(self, text: str, base: Path, page: str) -> str:
        tokens = self.markdown.parse(text)
        for token in tokens:
            for child in token.children or []:
                self._relink(child, base, page)
        rendered: str = self.markdown.renderer.render(tokens, self.markdown.options, {})
        return rendered

    def _relink(self, token: Token, base: Path, page: str) -> None:
        attribute = {"link_open": "href", "image": "src"}.get(token.type)
        if attribute is None:
            return
        href = str(token.attrGet(attribute) or "")
        if not href or re.match(r"^[a-z][a-z0-9+.-]*:|^#", href):
            return
        path, _, fragment = href.partition("#")
        link = relative(self.link_to((base.parent / path).resolve()), page)
        token.attrSet(attribute, f"{link}#{fragment}" if fragment else link)

    def link_to(self, target: Path) -> str:
        """A repository path as a page of the site where there is one."""
        if target == README:
            return "index.html"
        for package in self.packages:
            folder = package.member_folder
            if target in (folder, folder / "README.md"):
                return f"implementations/{package.impl.name}.html"
        return self.module_pages.get(target) or self.repository_link(target)

    # Pages.

    def build(self) -> list[Path]:
        if self.out.exists():
            shutil.rmtree(self.out)
        static = self.out / "static"
        shutil.copytree(FILES / "static", static)
        # types-pygments leaves get_style_defs unannotated.
        style: str = formatters.HtmlFormatter(style=PYGMENTS_STYLE).get_style_defs(".code")  # type: ignore[no-untyped-call]
        (static / "pygments.css").write_text(style, encoding="utf-8")
        handler_of: dict[tuple[str, str], Handler | None] = {}
        missing: list[str] = []
        for package in self.packages:
            for op in self.operations:
                try:
                    handler_of[package.impl.name, op.name] = package.handler(op.name)
                except handlers.HandlerError as exc:
                    handler_of[package.impl.name, op.name] = None
                    missing.append(str(exc))
        for op in self.operations:
            panes = [self.pane(p, handler_of[p.impl.name, op.name]) for p in self.packages]
            self.write(f"operations/{op.name}.html", "operation.html", op=op, panes=panes)
        for package in self.packages:
            self.implementation_page(package, handler_of)
        self.index_page(missing)
        return self.pages

    def pane(self, package: Package, handler: Handler | None) -> dict[str, Any]:
        pane: dict[str, Any] = {"impl": package.impl, "handler": handler}
        if handler is None:
            return pane
        pane["code"] = code_block(handler.source)
        pane["link"] = self.source_link(handler.source)
        pane["upstream"] = self.upstream(handler.source)
        pane["layers"] = [
            {
                "layer": layer,
                "source": source,
                "code": code_block(source),
                "link": self.source_link(source),
            }
            for layer in handlers.LAYERS
            for source in handlers.follow(handler, layer)
        ]
        return pane

    def implementation_page(
        self, package: Package, handler_of: dict[tuple[str, str], Handler | None]
    ) -> None:
        name = package.impl.name
        readme_path = package.member_folder / "README.md"
        page = f"implementations/{name}.html"
        readme = (
            self.render_markdown(readme_path.read_text(encoding="utf-8"), readme_path, page)
            if readme_path.exists()
            else ""
        )
        modules = list(package.modules.values())
        for module in modules:
            self.write(
                self.source_page(package, module),
                "source.html",
                package=package,
                module=module,
                code=numbered(highlighted_lines(module.text), 1, anchors=True),
                upstream=(
                    f"{self.source_url}/{handlers.display_path(module.path)}"
                    if self.source_url
                    else None
                ),
            )
        self.write(
            page,
            "implementation.html",
            package=package,
            readme=readme,
            modules=modules,
            lines_of_code=sum(m.lines_of_code for m in modules),
            dependencies=dependencies(package),
            handlers=[(op, handler_of[name, op.name]) for op in self.operations],
        )

    def index_page(self, missing: list[str]) -> None:
        matrix = readme_matrix(README.read_text(encoding="utf-8")) if README.exists() else {}
        rows = []
        for package in self.packages:
            impl = package.impl
            rows.append(
                {
                    "package": package,
                    "impl": impl,
                    "conformance": matrix.get(impl.name, {}).get(
                        "conformance", "not in the README"
                    ),
                    # counted by conformance/test_round_trips.py
                    "round_trips": matrix.get(impl.name, {}).get(ROUND_TRIPS, ""),
                    "lines_of_code": sum(m.lines_of_code for m in package.modules.values()),
                    "dependencies": len(dependencies(package)),
                }
            )
        results = bench([p.impl for p in self.packages])
        if results and results.chart:
            (self.out / "bench").mkdir(exist_ok=True)
            shutil.copy2(BENCH / "latest.svg", self.out / "bench" / "latest.svg")
        self.write(
            "index.html",
            "index.html",
            rows=rows,
            bench=results,
            scenarios=SCENARIOS,
            missing=missing,
            bench_link=self.repository_link(BENCH / "latest.md"),
        )


def build(out: Path, source_url: str | None = None) -> list[Path]:
    """Write the site into `out` (emptied first); the pages written."""
    return Site(out.resolve(), source_url).build()
