"""Browser fixtures: the session app served on a real port, driven by headless Chromium.

The live server shares the session database with the rest of the suite, and the autouse
per-test cleanup in tests/conftest.py empties the tables after every test, so each test
creates its own people (``make_user``) and imports the course (``course``).

Playwright's own browsers are never downloaded: Debian's Chromium is launched instead.
"""

from __future__ import annotations

import gc
import os
import threading
import warnings
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import _unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(pytest.mark.browser)
            # The browser may drop a video stream half-way (it navigates on); werkzeug's development
            # server then leaves that file to the garbage collector. That is the test server's habit,
            # not the app's (production hands media to nginx or gunicorn), so it is not an error here.
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"))


@pytest.fixture(autouse=True)
def _collect_dropped_streams():
    """After each browser test, close any media file whose stream the browser dropped (see above)."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with warnings.catch_warnings():  # collect any stream the browser dropped, here and quietly
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - the dev requirements install it
        _unavailable(f"playwright is not installed: {error}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _new_page(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    context, new_page = _new_page(browser, viewport={"width": 1280, "height": 800})
    yield new_page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context, new_page = _new_page(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=3
    )
    yield new_page
    context.close()


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form, as a person would, and wait for the page that follows."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/login" not in page.url, f"sign-in failed for {email}: still on {page.url}"
