"""In Chromium at 390×844: a form kept on a shared phone for another account is not shown, or
sent, as the signed-in patient's.

Patient A logged tonight's dose offline and signed out before it was sent; patient B signed in
on the same phone. B's outbox listed A's entry as B's own, "Waiting to be sent", and because
it was an evening dose the tonight card hid B's own "Taken now" ("logged, on this phone"):
B could not log their dose. Each page load also posted A's form under B's session (the server
refused it: ReplayOwnerMiddleware). Now the list leaves it out, says one sentence about
entries kept for another account, B's card offers its one tap, and the outbox does not send it.
"""

import uuid

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect, sync_playwright

from patients.journal.offline import owner_mark
from patients.models import NightlyEntry
from tests.e2e.browser_support import (
    CHROMIUM_ARGS,
    PHONE,
    SCREENSHOTS,
    close_the_tests_connections,
    sideways_scroll,
)
from tests.patients.reminder_support import patient_on_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_form_kept_for_another_account_is_not_listed_or_sent_as_this_ones(
    evening, live_server, chromium_path, client, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    a, b = patient_on_plan(), patient_on_plan()
    kept_for_a = (
        f"csrfmiddlewaretoken={'a' * 64}&submission_id={uuid.uuid4()}&kept_by={owner_mark(a.user)}"
    )
    client.force_login(b.user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            context.add_cookies(
                [
                    {
                        "name": django_settings.SESSION_COOKIE_NAME,
                        "value": session,
                        "url": live_server.url,
                    }
                ]
            )
            page = context.new_page()
            page.set_default_timeout(10000)
            page.goto(live_server.url + "/journal/")
            page.wait_for_function("window.LdnOutbox !== undefined")
            page.evaluate("(body) => window.LdnOutbox.keep('/journal/taken/', body)", kept_for_a)

            page.reload()  # the page lists what is kept, and sends what is this account's
            outbox = page.locator("#outbox")
            expect(outbox).to_be_visible()
            expect(outbox.locator("[data-outbox-others]")).to_be_visible()
            expect(outbox.locator("[data-outbox-list] li")).to_have_count(0)
            expect(outbox.locator("[data-outbox-pending]")).to_be_hidden()
            assert "Dose taken" not in outbox.inner_text()
            expect(page.locator("[data-offline-saved]")).to_be_hidden()
            expect(page.get_by_role("button", name="Taken now")).to_be_visible()
            assert sideways_scroll(page) <= 0
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "phone-outbox-another-account.png"))

            outcome = page.evaluate("window.LdnOutbox.flush()")
            [record] = page.evaluate("window.LdnOutbox.all()")
            assert outcome["others"] == 1
            # Never posted: no refusal from the server was written on it.
            assert (record["state"], record["message"]) == ("waiting", "")
            assert not NightlyEntry.objects.exists()
        finally:
            close_the_tests_connections()
            browser.close()
