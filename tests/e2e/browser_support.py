"""Helpers for the browser journeys (the `browser` fixture is in conftest.py)."""

import json
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
# A small phone (iPhone SE 1st generation, many Android phones at large display size).
SMALL_PHONE = {"width": 320, "height": 640}


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


def phone_with_session(browser, live_server, client):
    """A 390x844 browser context signed in as the Django test ``client``'s user (after its
    force_login), through the client's session cookie rather than the sign-in form."""
    context = browser.new_context(viewport=PHONE)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return context


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


# Each word of the matching elements' text, as the line boxes it was laid out on: a word on
# two lines was broken by the layout (a table may scroll inside its box; its words stay
# whole). A word may wrap after its hyphen ("open-" / "ended"), as text does: each part
# counts as a word.
_WORDS_BROKEN_ACROSS_LINES = """(selector) => {
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const boxes = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        if (new Set(boxes.map((r) => Math.round(r.top))).size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


def words_broken_across_lines(page, selector: str) -> list[str]:
    """The words of the elements `selector` matches that the layout broke across lines."""
    return page.evaluate(_WORDS_BROKEN_ACROSS_LINES, selector)


def pages_too_wide(page, live_server, paths) -> list[tuple[str, int]]:
    """(path, pixels) for each page of `paths` that scrolls sideways; each must answer."""
    too_wide = []
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status < 400, (path, response.status)
        if (overflow := sideways_scroll(page)) > 0:
            too_wide.append((path, overflow))
    return too_wide


def wait_for_promise(page, check: str, polling: int = 200):
    """Wait until the page's async `check` (the source of a JS function returning a Promise)
    resolves to a truthy value.

    `page.wait_for_function` does not wait for a Promise: the Promise object is truthy, so a
    predicate like `() => caches.open(...).then(...)` returned at once, whatever it resolved
    to. Here each poll starts the check when none is running and reports the last result."""
    page.wait_for_function(
        """([key, source]) => {
          const checks = (window.__ldnTestChecks = window.__ldnTestChecks || {});
          const check = (checks[key] = checks[key] || { running: false, value: false });
          if (!check.running) {
            check.running = true;
            Promise.resolve()
              .then(() => CHECKS[key]())
              .then(
                (value) => { check.value = value; check.running = false; },
                () => { check.running = false; },
              );
          }
          return check.value;
        }""".replace("CHECKS[key]", f"({check})"),
        arg=[json.dumps(check), check],
        polling=polling,
    )
