"""Playwright driving Debian's Chromium against the running shop (CONVENTIONS: executable_path, no download).

Screenshots of the pages go to .retail/artifacts/screenshots (git-ignored). Every page's console
errors and uncaught exceptions are collected; a test fails when its pages logged any.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid

import pytest

from retail_dev.paths import RETAIL_DIR

SCREENSHOTS = RETAIL_DIR / "artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Shop-Til-You-Drop-7"


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        message = "Chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: browser tests must run in CI", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class Shop:
    """One shopper's browser tab, with the shop's address and the errors its pages logged."""

    def __init__(self, page, base_url: str, stack):
        self.page = page
        self.base_url = base_url
        self.stack = stack
        self.errors: list[str] = []
        self.expected: list[str] = []  # console lines a test provokes on purpose (an error page's own status)
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def go(self, path: str):
        return self.page.goto(self.base_url + path)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def register(self, first_name: str = "Grace") -> str:
        email = f"browser-{uuid.uuid4().hex[:10]}@retail.test"
        self.go("/register/")
        self.page.get_by_label("First name").fill(first_name)
        self.page.get_by_label("Last name").fill("Hopper")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password", exact=True).fill(PASSWORD)
        self.page.get_by_label("Repeat password").fill(PASSWORD)
        self.page.get_by_role("button", name="Create account").click()
        self.page.wait_for_url(self.base_url + "/")
        return email

    def sign_in(self, email: str, password: str) -> None:
        self.go("/login/")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(re.compile(r".*/$"))

    def add_to_cart(self, slug: str, quantity: int = 1) -> None:
        self.go(f"/products/{slug}/")
        self.page.get_by_label("Quantity").fill(str(quantity))
        self.page.get_by_role("button", name="Add to cart").click()
        self.page.wait_for_url(self.base_url + "/cart/")

    def fill_address(self, card: str = "4242 4242 4242 4242") -> None:
        page = self.page
        page.get_by_label("Full name").fill("Grace Hopper")
        page.get_by_label("Address", exact=True).fill("1 Market St")
        page.get_by_label("City").fill("Springfield")
        page.get_by_label("Postal code").fill("12345")
        page.get_by_label("Card number").fill(card)

    def order_status(self) -> str:
        return self.page.locator("#order-status h2 .status").inner_text()

    def wait_for_status(self, label: str) -> None:
        """The status box refreshes itself (no reload here): wait until it shows `label`."""
        self.page.locator("#order-status h2 .status", has_text=label).wait_for(timeout=60_000)


@pytest.fixture
def shop(browser, stack, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    tab = Shop(page, stack.urls["storefront"], stack)
    yield tab
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        tab.shot(f"failed-{request.node.name}")
    context.close()
    unexpected = [e for e in tab.errors if not any(x in e for x in tab.expected)]
    assert unexpected == [], f"the pages logged errors: {unexpected}"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
