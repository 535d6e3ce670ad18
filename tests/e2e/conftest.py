"""Browser journeys: Playwright (sync API) driving Debian's headless Chromium against
pytest-django's live server.

- Test modules here are marked `browser` and skip when /usr/bin/chromium is missing:
  `uv run pytest -m browser` runs only them, `-m "not browser"` leaves them out.
- Playwright's sync API keeps an event loop in the test thread, which makes Django refuse
  ORM calls there ("async-unsafe"); the tests build their data and check the database from
  that thread, so DJANGO_ALLOW_ASYNC_UNSAFE is set while a module of this folder runs
  (and Playwright is stopped at the end of each module).
- Screenshots (1366x768) go to $PARINDEX_SCREENSHOTS, else to the test's tmp_path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright() -> Iterator[None]:
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="module")
def browser(_allow_orm_beside_playwright: None) -> Iterator:
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        pw.stop()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PARINDEX_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _console(page, msg) -> None:
    """Record console errors (script errors, CSP violations, failed requests), except the
    browser's own request for /favicon.ico (the site has none)."""
    if msg.type != "error":
        return
    if "favicon.ico" in (msg.location or {}).get("url", ""):
        return
    page.errors.append(f"{msg.text} ({(msg.location or {}).get('url', '')})")


@pytest.fixture
def new_page(browser, live_server):
    """new_page() -> a page in a fresh browser context (one person, own cookies), 1366x768,
    that accepts confirm dialogs and records console errors in page.errors."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("dialog", lambda d: d.accept())
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("console", lambda msg: _console(page, msg))
        return page

    yield make
    for context in contexts:
        context.close()
