"""The HTMX page at /ui in a real browser: Debian's Chromium, headless, driven by Playwright,
against the app under uvicorn on a fresh database. The API checks what the page did."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from rosetta import registry
from rosetta.database import free_port
from rosetta.servers import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
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
SCREENSHOT = Path(__file__).resolve().parents[3] / "artifacts" / "fasthtml-page.png"


@pytest.fixture(scope="module")
def server(schema_url: str) -> Iterator[LiveServer]:
    impl = registry.get("fasthtml")
    with LiveServer(impl, "uvicorn", free_port(), {"DATABASE_URL": schema_url}) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: install Debian's package with"
            " `apt-get update && apt-get install -y chromium` (.ci/run does)."
            " Playwright's own browser download (`playwright install`) cannot work here."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def api(server: LiveServer, users_db: psycopg.Connection[Any]) -> Iterator[httpx.Client]:
    """The JSON API of the same server, the users table empty."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def page(browser: Browser, server: LiveServer, api: httpx.Client) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1000, "height": 600})
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


def test_page_shows_the_409_of_a_duplicate_email(page: Page, api: httpx.Client) -> None:
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
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)


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
