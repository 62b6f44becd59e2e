"""The HTMX page at /ui in a real browser: Chromium, headless, driven by Playwright, against
the app under uvicorn on a database of its own (`database_url`, see conftest.py). The API
checks what the page did.

The browser is the file CHROMIUM names (default /usr/bin/chromium, Debian's package), or
else Playwright's own build where `playwright install chromium` could download it. Without
one the tests are skipped, and fail where CI is set."""

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from rosetta_fasthtml.app import create_app
from rosetta_fasthtml.settings import Settings

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


def missing_browser(where: Path) -> None:
    """Skip, or fail where CI is set: the page's test cannot run without a browser."""
    reason = (
        f"no Chromium at {where}: install Debian's (`apt-get install -y chromium`), or"
        " Playwright's where it can be downloaded (`playwright install chromium`), or set"
        " CHROMIUM to a Chromium binary"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if "CHROMIUM" in os.environ and not chromium.exists():
        missing_browser(chromium)
    with sync_playwright() as playwright:
        if not chromium.exists():  # the default is missing: Playwright's own, if installed
            chromium = Path(playwright.chromium.executable_path)
            if not chromium.exists():
                missing_browser(Path("/usr/bin/chromium"))
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    """The app as `uvicorn --factory` serves it, in a thread, on a free loopback port."""
    app = create_app(Settings(database_url=database_url, database_pool_size=2))
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


@pytest.fixture
def api(server: str, database_url: str) -> Iterator[httpx.Client]:
    """The JSON API of the same server, the users table empty."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM users")
    with httpx.Client(base_url=server, timeout=10) as client:
        yield client


@pytest.fixture
def page(browser: Browser, server: str, api: httpx.Client) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1000, "height": 600})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the delete button's hx-confirm
    page.goto("/ui")
    # htmx is served by the app itself; without it nothing below would be swapped in.
    page.wait_for_function("() => window.htmx !== undefined")
    yield page
    context.close()


def create(api: httpx.Client, email: str, name: str) -> dict[str, Any]:
    response = api.post("/users", json={"email": email, "name": name})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def test_page_lists_the_users(page: Page, api: httpx.Client) -> None:
    create(api, "ada@example.com", "Ada Lovelace")
    create(api, "grace@example.com", "Grace Hopper")
    page.reload()
    rows = page.locator("#users tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("ada@example.com")
    expect(rows.nth(0).get_by_role("textbox")).to_have_value("Ada Lovelace")
    expect(rows.nth(1)).to_contain_text("grace@example.com")


def test_page_creates_a_user(page: Page, api: httpx.Client) -> None:
    page.get_by_label("Email", exact=True).fill("ada@example.com")
    page.get_by_label("Name", exact=True).fill("Ada Lovelace")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("status")).to_have_text("Created ada@example.com.")
    row = page.locator("#users tr", has_text="ada@example.com")
    expect(row.get_by_role("textbox")).to_have_value("Ada Lovelace")
    expect(page.get_by_label("Email", exact=True)).to_have_value("")
    users = api.get("/users", params={"email": "ada@example.com"}).json()["items"]
    assert [(user["email"], user["name"]) for user in users] == [
        ("ada@example.com", "Ada Lovelace")
    ]


def test_page_shows_the_409_of_a_duplicate_email(
    page: Page, api: httpx.Client, pytestconfig: pytest.Config
) -> None:
    create(api, "ada@example.com", "Ada Lovelace")
    page.reload()
    page.get_by_label("Email", exact=True).fill("ADA@example.com")
    page.get_by_label("Name", exact=True).fill("Another Ada")
    page.get_by_role("button", name="Create").click()
    email = page.get_by_label("Email", exact=True)
    expect(email).to_have_accessible_description(
        "Email already taken. Another user already has this email address."
    )
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("ADA@example.com")  # what was typed is kept
    expect(page.locator("#users tr")).to_have_count(1)
    assert api.get("/users").json()["total"] == 1
    screenshot = pytestconfig.rootpath / "artifacts" / "fasthtml-page.png"
    screenshot.parent.mkdir(exist_ok=True)
    page.screenshot(path=screenshot, full_page=True)


def test_page_shows_the_messages_of_the_apis_rules(page: Page, api: httpx.Client) -> None:
    """The page's messages are the 422 messages of the API for the same values."""
    values = {"email": "not-an-email", "name": "   "}
    problem = api.post("/users", json=values).json()
    messages = {error["field"]: error["message"] for error in problem["errors"]}
    page.get_by_label("Email", exact=True).fill(values["email"])
    page.get_by_label("Name", exact=True).fill(values["name"])
    page.get_by_role("button", name="Create").click()
    for field in ("email", "name"):
        expect(page.get_by_label(field.capitalize(), exact=True)).to_have_accessible_description(
            f"{field.capitalize()} {messages[field]}."
        )
    expect(page.locator("#users tr")).to_have_count(0)
    assert api.get("/users").json()["total"] == 0


def test_page_renames_a_user(page: Page, api: httpx.Client) -> None:
    user = create(api, "grace@example.com", "Grace")
    page.reload()
    row = page.locator("#users tr", has_text="grace@example.com")
    row.get_by_role("textbox").fill("Grace Hopper")
    # The typed value is there before the PATCH is answered: wait for the answer itself.
    with page.expect_response(f"**/ui/users/{user['id']}"):
        row.get_by_role("button", name="Rename").click()
    expect(row.get_by_role("textbox")).to_have_value("Grace Hopper")
    expect(row.get_by_role("textbox")).not_to_have_attribute("aria-invalid", "true")
    assert api.get(f"/users/{user['id']}").json()["name"] == "Grace Hopper"


def test_page_refuses_a_blank_name(page: Page, api: httpx.Client) -> None:
    user = create(api, "grace@example.com", "Grace")
    page.reload()
    row = page.locator("#users tr", has_text="grace@example.com")
    row.get_by_role("textbox").fill(" ")
    row.get_by_role("button", name="Rename").click()
    expect(row.get_by_role("textbox")).to_have_accessible_description(
        "Name must contain a character that is not whitespace."
    )
    assert api.get(f"/users/{user['id']}").json()["name"] == "Grace"


def test_page_deletes_a_user(page: Page, api: httpx.Client) -> None:
    gone, kept = create(api, "ada@example.com", "Ada"), create(api, "grace@example.com", "Grace")
    page.reload()
    page.locator("#users tr", has_text="ada@example.com").get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.locator("#users tr")).to_have_count(1)
    expect(page.locator("#users tr")).to_contain_text("grace@example.com")
    assert api.get(f"/users/{gone['id']}").status_code == 404
    assert api.get(f"/users/{kept['id']}").status_code == 200
