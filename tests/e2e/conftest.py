"""End-to-end fixtures: Debian's Chromium (Playwright sync API) against the live_server.

One browser for the e2e package, a fresh context (cookies, storage) per test. Every test
writes its screenshots to ``test-artifacts/e2e/<test>/``; the ones the user guides show are
also copied to ``docs/img/`` (not under CI; ``E2E_DOC_IMAGES=0``/``1`` decides explicitly).
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import IN_CI, require_real_service

from .support import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
DOC_IMAGES = REPO / "docs" / "img"
COPY_DOC_IMAGES = os.environ.get("E2E_DOC_IMAGES", "0" if IN_CI else "1") != "0"

expect.set_options(timeout=10_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item so fixtures can screenshot a failure."""
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def chromium():
    """Debian's Chromium, launched once for the e2e tests (browsers cannot be downloaded here).

    Playwright's sync API runs an asyncio loop in this thread, so Django would refuse the ORM
    calls of the tests, the live server's in-memory SQLite and the flush between tests:
    DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser is up. Package scope closes the loop
    (and restores the variable) before the rest of the suite runs.
    """
    require_real_service(CHROMIUM.exists(), f"Chromium ({CHROMIUM}; apt-get install chromium)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(request, chromium, live_server, transactional_db) -> Page:
    """A new browser context and page per test, pointed at the live server."""
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=VIEWPORT,
        locale="en-GB",
        timezone_id="Europe/Paris",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        folder = ARTIFACTS / re.sub(r"[^\w.-]", "_", request.node.name)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / "failure.png", full_page=True)
    context.close()


class Screenshots:
    """Numbered screenshots of one test's steps; ``doc=`` also copies one to docs/img/."""

    def __init__(self, page: Page, test_name: str):
        self.page = page
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]", "_", test_name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, step: str, *, doc: str | None = None, full_page: bool = False) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
        if doc and COPY_DOC_IMAGES:
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOC_IMAGES / f"{doc}.png")
        return path


@pytest.fixture
def shot(request, page) -> Screenshots:
    return Screenshots(page, request.node.name)


@pytest.fixture
def login(page):
    """Log in through the real login form (username + password) and land on the home page."""

    def log_in(user, *, then: str | None = None) -> Page:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1, name=re.compile(r"^Welcome"))).to_be_visible()
        if then:
            page.goto(then)
        return page

    return log_in
