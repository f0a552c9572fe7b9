"""The tonight card kept on the phone is forgotten when the session ends on the server.

The service worker keeps /journal/ (the tonight card: the prescribed dose) to show it offline,
and forgot it only when this phone's Sign out button was used. A session ended elsewhere
(signed out on another device, a password change, a deactivation or closure) left it: offline,
whoever held the phone next opened the app and read the last patient's card (found by an
adversarial pass over what stays on a shared phone). Now a kept page answered with a redirect
(to the sign-in page) is dropped from the cache."""

import pytest
from django.contrib.sessions.models import Session

from tests.e2e.browser_support import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = "ldn-pages-v1"
_KEPT = """() => caches.open("ldn-pages-v1")
  .then((opened) => opened.match("/journal/", { ignoreVary: true }))
  .then((kept) => kept !== undefined)"""


def _wait(page, wanted, seconds=15):
    for _ in range(seconds * 5):
        if page.evaluate(_KEPT) is wanted:
            return True
        page.wait_for_timeout(200)
    return False


def test_a_session_ended_on_the_server_forgets_the_kept_tonight_card(evening, browser, live_server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, live_server, "patient@example.com")
        page.goto(f"{live_server.url}/journal/")
        page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
        page.reload()
        assert _wait(page, True), "the tonight card was not kept"

        Session.objects.all().delete()  # signed out everywhere, from another device
        page.goto(f"{live_server.url}/journal/")
        assert "/accounts/login/" in page.url
        assert _wait(page, False), "the last patient's tonight card is still kept on the phone"
    finally:
        context.close()
