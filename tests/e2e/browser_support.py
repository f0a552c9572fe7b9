"""Helpers for the browser journeys (the `browser` fixture is in conftest.py)."""

import os
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections

from ldn_journal.demo import DEMO_PASSWORD

# A test run writes its screenshots and PDFs under var/ so it leaves the checkout clean;
# `make screenshots` points this at docs/ to refresh the pictures the README shows.
DOCS = Path(os.environ.get("LDN_DOCS_DIR") or Path(settings.VAR_DIR) / "docs")
SCREENSHOTS = DOCS / "screenshots"
PHONE = {"width": 390, "height": 844}


def close_the_tests_connections():
    """Close the database connections a browser test's own code opened, before leaving
    Playwright's `sync_playwright()` block.

    Django keeps connections context-locally (asgiref), and the queries a test makes while
    Playwright's sync API runs use connections the test-database teardown does not see: each
    was left idle, and PostgreSQL then refused to drop the test database at the end of the run
    ("being accessed by other users"; seen with tests/e2e/test_account_closure.py alone, and
    gone when the connections are closed here, inside the block)."""
    connections.close_all()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in(page, live_server, email):
    """Sign a demo account in through the real form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state("networkidle")


def sideways_scroll(page) -> int:
    """How many CSS pixels the page scrolls sideways (0 when it fits its viewport).

    Waits for the page to finish loading first: measured while a click's navigation is
    still under way, the old document may already be gone (documentElement is null)."""
    page.wait_for_load_state("load")
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


LONDON = ZoneInfo("Europe/London")


def recent_london(at: time) -> datetime:
    """The most recent moment at ``at`` London time: within a day of the real clock, so the
    browser's cookies (which follow the real clock) stay valid when the server's is moved."""
    now = datetime.now(LONDON)
    moment = datetime.combine(now.date(), at, LONDON)
    return moment if moment <= now else moment - timedelta(days=1)
