"""Fixtures of the browser tests: one real `ponte` server, one Debian Chromium driven by
Playwright, and a fresh page per test that may load nothing but the server under test."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, sync_playwright

from ponte_server import Ponte, serve

# What keeps Chromium quiet on a closed network (no update checks, no sync, no QUIC probes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The accessibility rules the pages are held to: WCAG 2.0 and 2.1, levels A and AA.
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(scope="session")
def ponte(tmp_path_factory: pytest.TempPathFactory):
    """The server every walk uses."""
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; Playwright's own browser downloads are never used."""
    executable = os.environ.get("PONTE_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Walk:
    """A person's walk through the pages: the page, the server, what the page asked other
    hosts for (which fails the test), and the accessibility check of each page seen."""

    def __init__(self, page: Page, ponte: Ponte, shots: Path):
        self.page = page
        self.ponte = ponte
        self.shots = shots
        self.foreign: list[str] = []
        self.axe = Axe()
        origin = urlsplit(ponte.base_url).netloc
        page.route("**/*", lambda route: self._guard(route, origin))
        page.on("console", self._console)
        self.console_errors: list[str] = []

    def _guard(self, route, origin: str) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.netloc == origin:
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def open(self, path: str) -> None:
        """Opens a page of the server, as typed in the address bar."""
        response = self.page.goto(self.ponte.base_url + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        self.check()

    def check(self) -> None:
        """The page now shown breaks no WCAG 2.1 AA rule axe can test."""
        results = self.axe.run(self.page, options=WCAG_21_AA)
        assert results.violations_count == 0, (
            f"{self.page.url}: {results.violations_count} accessibility violations\n"
            + results.generate_report()
        )

    def shot(self, name: str) -> None:
        """A screenshot of the whole page, for docs/screenshots."""
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def shots() -> Path:
    where = os.environ.get("PONTE_SCREENSHOTS_DIR")
    path = Path(where) if where else Path(tempfile.mkdtemp(prefix="ponte-shots-"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def walk(browser, ponte: Ponte, shots: Path):
    """A fresh browser context (no cookies) and page, in English unless the walk switches."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    walk = Walk(page, ponte, shots)
    yield walk
    context.close()
    assert not walk.foreign, f"pages asked other hosts for {walk.foreign}"
    assert not walk.console_errors, f"the browser reported errors: {walk.console_errors}"
