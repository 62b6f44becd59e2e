"""`rosetta site`: the static site: every relative link lands on a file (and
line) that exists, and in a real browser (Debian's Chromium, headless, driven by
Playwright, over file://) each operation page shows every implementation's handler and
a two-column diff of two of them."""

import dataclasses
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from rosetta import handlers, registry, site

# The first test of a worker builds the site (4 s on a quiet machine) or starts Chromium:
# over the suite's 120 s beside the starters' test runs on CI's 2 cores.
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# This machine's closed network refuses Chromium's background connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Links(HTMLParser):
    """The href and src values of a page, and its element ids."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            elif name == "id" and value:
                self.ids.add(value)


def parsed(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once (its build time is measured by `rosetta site`, not asserted)."""
    path = tmp_path_factory.mktemp("site") / "site-out"
    site.build(path)
    return path


def test_site_has_a_page_per_operation_and_per_implementation(out: Path) -> None:
    assert (out / "index.html").is_file()
    assert sorted(p.stem for p in (out / "operations").glob("*.html")) == sorted(
        handlers.OPERATIONS
    )
    assert sorted(p.stem for p in (out / "implementations").glob("*.html")) == registry.names()
    for name in registry.names():
        modules = handlers.package(name).modules
        assert sorted(p.stem for p in (out / "source" / name).glob("*.html")) == sorted(modules)


def test_every_relative_link_lands_on_a_file_and_anchor_that_exist(out: Path) -> None:
    """What makes the site work from file:// and from any static host."""
    checked = 0
    pages = {path: parsed(path) for path in out.rglob("*.html")}
    for page, links in pages.items():
        for link in links.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("#"):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.exists(), f"{page.relative_to(out)}: {link} is missing"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in pages[target].ids, f"{page.relative_to(out)}: {link}"
            checked += 1
    assert checked > 1000


def test_index_shows_every_implementation_with_the_readmes_conformance(out: Path) -> None:
    text = (out / "index.html").read_text(encoding="utf-8")
    matrix = site.readme_matrix((ROOT / "README.md").read_text(encoding="utf-8"))
    for name in registry.names():
        assert f'href="implementations/{name}.html">{name}</a>' in text
        assert matrix[name]["conformance"] in text
    if (ROOT / "bench" / "results" / "latest.svg").exists():
        assert (out / "bench" / "latest.svg").is_file()
        assert 'src="bench/latest.svg"' in text


def test_readme_matrix_reads_the_block_between_the_markers() -> None:
    text = (
        "| impl | framework | conformance |\n|---|---|---|\n<!-- matrix: begin -->\n"
        "| [flask](implementations/flask/) | Flask | all pass |\n<!-- matrix: end -->\n"
        "| [outside](x) | X | no |\n"
    )
    assert site.readme_matrix(text) == {
        "flask": {
            "impl": "[flask](implementations/flask/)",
            "framework": "Flask",
            "conformance": "all pass",
        }
    }


def test_implementation_page_pins_every_direct_dependency(out: Path) -> None:
    for name in registry.names():
        text = (out / "implementations" / f"{name}.html").read_text(encoding="utf-8")
        dependencies = site.dependencies(handlers.package(name))
        assert dependencies
        for dependency in dependencies:
            assert dependency.version, f"{name}: {dependency.name} is not pinned"
            assert f"<code>{dependency.version}</code>" in text


def test_source_url_links_each_pane_to_the_file_and_lines_there(tmp_path: Path) -> None:
    base = "https://github.com/example/rosetta/blob/0123abc"
    site.build(tmp_path / "site-out", source_url=base)
    text = (tmp_path / "site-out" / "operations" / "get_user.html").read_text(encoding="utf-8")
    source = handlers.package("flask").handler("get_user").source
    assert (
        f'href="{base}/{handlers.display_path(source.path)}#L{source.start}-L{source.end}"' in text
    )


def test_a_new_implementation_appears_on_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing in the site names an implementation: one more package, and every page has it."""
    member = tmp_path / "implementations" / "newframework"
    folder = member / "rosetta_newframework"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text('"""The users service on New."""\n')
    (folder / "routes.py").write_text(
        "".join(f"@route\ndef {op}() -> None:\n    pass\n\n\n" for op in handlers.OPERATIONS)
    )
    (member / "README.md").write_text("# rosetta-newframework\n\nIt is *new*.\n")
    (member / "pyproject.toml").write_text('[project]\ndependencies = ["httpx"]\n')
    impl = dataclasses.replace(registry.get("fastapi"), name="newframework", framework="New")
    new = handlers.Package(impl, "rosetta_newframework", folder)
    known = handlers.packages()
    monkeypatch.setattr(handlers, "packages", lambda: [*known, new])
    out = tmp_path / "site-out"
    site.build(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="implementations/newframework.html">newframework</a>' in index
    for position, op in enumerate(handlers.OPERATIONS):
        text = (out / "operations" / f"{op}.html").read_text(encoding="utf-8")
        assert 'data-impl="newframework"' in text
        assert f'href="../source/newframework/routes.html#L{1 + 5 * position}"' in text
    page = (out / "implementations" / "newframework.html").read_text(encoding="utf-8")
    assert "<em>new</em>" in page
    assert f"<code>{site.pins()['httpx']}</code>" in page
    assert (out / "source" / "newframework" / "routes.html").is_file()


# --- in the browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = (
            f"Chromium is not installed at {CHROMIUM} (set CHROMIUM to its path): install"
            " Debian's package with `apt-get update && apt-get install -y chromium`."
            " Playwright's own browser download (`playwright install`) cannot work here."
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def pane_lines(pane: Locator) -> list[tuple[str, bool]]:
    """Each handler line's text (whitespace collapsed) and whether the diff marked it."""
    return [
        (" ".join(text.split()), marked)
        for text, marked in pane.locator(".handler .line").evaluate_all(
            "ls => ls.map(l => [l.textContent, l.matches('.del, .add')])"
        )
    ]


def common_length(a: list[str], b: list[str]) -> int:
    """The length of a longest common subsequence of two lists of lines."""
    row = [0] * (len(b) + 1)
    for x in a:
        previous, row = row, [0]
        for j, y in enumerate(b):
            row.append(previous[j] + 1 if x == y else max(previous[j + 1], row[j]))
    return row[-1]


def visible_panes(page: Page) -> list[str]:
    names: list[str] = page.locator(".pane:visible").evaluate_all(
        "ps => ps.map(p => p.dataset.impl)"
    )
    return names


@pytest.mark.parametrize("operation", [pytest.param(op, id=op) for op in handlers.OPERATIONS])
def test_operation_page_shows_every_implementations_handler(
    page: Page, out: Path, operation: str
) -> None:
    page.goto((out / "operations" / f"{operation}.html").as_uri())
    assert visible_panes(page) == registry.names()
    for name in registry.names():
        handler = handlers.package(name).handler(operation)
        pane = page.locator(f'.pane[data-impl="{name}"]')
        lines = pane.locator(".handler .line")
        expect(lines).to_have_count(handler.source.end - handler.source.start + 1)
        expect(pane.locator(".handler")).to_contain_text(f"def {handler.source.name}(")
        expect(pane.locator("a.loc")).to_have_text(handler.source.location)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"site-{operation}.png")


def test_operation_page_diffs_two_implementations_side_by_side(page: Page, out: Path) -> None:
    page.goto((out / "operations" / "update_user.html").as_uri())
    page.get_by_label("Diff of two").check()
    page.get_by_label("Left").select_option("flask")
    page.get_by_label("Right").select_option("quart")
    assert visible_panes(page) == ["flask", "quart"]
    left, right = (page.locator(f'.pane[data-impl="{n}"]') for n in ("flask", "quart"))
    left_box, right_box = left.bounding_box(), right.bounding_box()
    assert left_box is not None
    assert right_box is not None
    assert left_box["y"] == right_box["y"]  # one row, two columns
    assert left_box["x"] < right_box["x"]
    # What stays unmarked on each side is the same sequence of lines, as long as any common
    # to both (a longest common subsequence); the rest is marked on its side.
    texts = [pane_lines(p) for p in (left, right)]
    kept = [[text for text, marked in side if not marked] for side in texts]
    assert kept[0] == kept[1]
    assert len(kept[0]) == common_length(*([text for text, _ in side] for side in texts))
    assert 0 < len(kept[0]) < min(len(side) for side in texts)
    expect(left.locator(".line.add")).to_have_count(0)
    expect(right.locator(".line.del")).to_have_count(0)
    assert page.evaluate("location.hash") == "#diff=flask,quart"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "site-update_user-diff.png")
    # The view can be linked to: the hash brings it back.
    page.goto((out / "operations" / "update_user.html").as_uri() + "#diff=drf,ninja")
    assert visible_panes(page) == ["drf", "ninja"]


def test_operation_page_shows_only_the_chosen_implementations(page: Page, out: Path) -> None:
    page.goto((out / "operations" / "get_user.html").as_uri())
    page.get_by_role("button", name="None").click()
    assert visible_panes(page) == []
    page.get_by_role("checkbox", name="starlette").check()
    page.get_by_role("checkbox", name="django", exact=True).check()
    assert visible_panes(page) == ["django", "starlette"]
    page.get_by_role("button", name="All").click()
    assert visible_panes(page) == registry.names()


def test_operation_page_shows_what_each_handler_uses_on_request(page: Page, out: Path) -> None:
    page.goto((out / "operations" / "update_user.html").as_uri())
    used = page.locator('.pane[data-impl="flask"] .layers details')
    expect(used.first).to_be_hidden()
    page.get_by_label("with what each uses").check()
    expect(used.first).to_be_visible()
    expect(page.locator('.pane[data-impl="flask"] .layers')).to_contain_text("db: update_user")


def test_source_page_anchors_the_handlers_line(page: Page, out: Path) -> None:
    handler = handlers.package("fastapi").handler("create_user")
    start = handler.source.start
    page.goto((out / "operations" / "create_user.html").as_uri())
    page.locator('.pane[data-impl="fastapi"] a.loc').click()
    assert re.search(rf"/source/fastapi/{handler.module.name}\.html#L{start}$", page.url)
    expect(page.locator(f"#L{start}")).to_be_in_viewport()
