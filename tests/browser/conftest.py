"""Browser tests drive Debian's Chromium through Playwright. Nothing is ever downloaded:
without /usr/bin/chromium or the playwright package, these tests skip and say why, except
where BTL_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run instead."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

try:
    from playwright.sync_api import Browser, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """One Chromium per test module; module scope so its event loop is gone afterwards."""
    missing = None
    if sync_playwright is None:
        missing = "the playwright Python package is not installed"
    elif not CHROMIUM.exists():
        missing = f"no Chromium at {CHROMIUM} (Debian package 'chromium'); not downloading one"
    if missing:
        if os.environ.get("BTL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"BTL_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    # Playwright's sync API runs an asyncio event loop in the test thread, and Django
    # refuses ORM calls from a thread with a running loop unless told, for these tests only,
    # that they know what they do.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch() -> Iterator["Browser"]:
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
