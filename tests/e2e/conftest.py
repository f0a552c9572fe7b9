"""Shared setup for the browser journeys: the seeded demo and a Chromium to drive it.

Modules that still define their own `browser` fixture override this one.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from tests.e2e.browser_support import CHROMIUM_ARGS


@pytest.fixture
def browser(chromium_path, monkeypatch, settings):
    """Chromium over a freshly seeded demo (Playwright's sync API runs an event loop)."""

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
