"""Shared setup for the browser journeys: the seeded demo and a Chromium to drive it."""

from datetime import time

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from tests.e2e.browser_support import CHROMIUM_ARGS, close_the_tests_connections, recent_london


@pytest.fixture
def evening():
    """The server's clock at 21:30 London (ticking), inside the night's dosing window: the
    demo patient's card offers its one tap whatever the hour the suite runs at (past the
    window it asks "When did you take it?" instead). Ask for it before `browser`, so the
    demo is seeded at that time."""
    with time_machine.travel(recent_london(time(21, 30)), tick=True) as traveller:
        yield traveller


@pytest.fixture
def browser(chromium_path, monkeypatch, settings):
    """Chromium over a freshly seeded demo (Playwright's sync API runs an event loop)."""

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            close_the_tests_connections()
            browser.close()
