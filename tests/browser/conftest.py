"""Playwright fixtures: Debian's Chromium, headless, against the local stack (issue 5).

The browser is the system one (``/usr/bin/chromium``; ``.ci/run`` installs it), not a
Playwright download. Without it the browser tests skip, except under ``CI=true`` where a
missing browser is a failure. Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

CHROMIUM = Path(os.environ.get("MOMENTS_CHROMIUM", "/usr/bin/chromium"))
# Flags for a quiet, deterministic headless run in a container (no sandbox as root, no GPU,
# no background traffic to Google services).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The Chromium binary; skip (or fail under CI=true) when it is not installed."""
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator:
    """One headless Chromium for the session.

    ``expect`` waits up to 15 s, as the pages' own default timeout does, instead of
    Playwright's 5 s: a page that needs a Lambda cold start or two on a loaded 2-core CI
    machine took longer than 5 s to show its heading (a reload test failed so).
    """
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def web_origin(local_stack) -> str:
    """The app's origin as the stack reports it (``web_url`` of ``/_local/health``):
    ``http://localhost:<api port>``, the passkey relying party's host and the one origin the
    photo bucket's CORS rule allows (the API answers a page asked on 127.0.0.1 with a
    redirect there). It is also a registered redirect URI, so the hosted-UI round trip
    comes back to it.
    """
    origin = local_stack.health["web_url"].rstrip("/")
    config = requests.get(f"{local_stack.api_url}/auth/config", timeout=30).json()
    assert f"{origin}/" in config["redirect_uris"], (origin, config["redirect_uris"])
    return origin


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh browser context (no cookies, empty storage) and page, desktop-sized."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for the screens shown in the closing note (created on demand)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
