"""In Chromium at 390×844: signing out takes this phone's push device off the account.

The sign-out form names the browser's push endpoint (static/js/journal.js), which the server
removes (patients.notifications.devices), and the browser's own subscription is ended: the next
person to use the phone gets none of this patient's reminders. Headless Chromium cannot
subscribe to a real push service, so the browser's subscription is a stand-in with the same
two members the page uses (endpoint, unsubscribe).
"""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import sync_playwright

from patients.models import PushSubscription
from tests.e2e.browser_support import (
    CHROMIUM_ARGS,
    PHONE,
    close_the_tests_connections,
    wait_for_promise,
)
from tests.patients.reminder_support import patient_on_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENDPOINT = "https://fcm.googleapis.com/fcm/send/shared-phone"
STAND_IN = """
PushManager.prototype.getSubscription = function () {
  return Promise.resolve({
    endpoint: "ENDPOINT",
    unsubscribe: function () {
      sessionStorage.setItem("ldn-test-unsubscribed", "yes");
      return Promise.resolve(true);
    }
  });
};
""".replace("ENDPOINT", ENDPOINT)


def test_signing_out_on_the_phone_removes_its_push_device_from_the_account(
    live_server, chromium_path, client, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    patient = patient_on_plan()
    # Subscribed in an earlier sign-in: only the endpoint the page sends names this phone.
    PushSubscription.objects.create(
        user=patient.user, endpoint=ENDPOINT, p256dh="k", auth="a", session_mark="earlier"
    )
    other = PushSubscription.objects.create(
        user=patient.user,
        endpoint="https://fcm.googleapis.com/fcm/send/a-laptop",
        p256dh="k",
        auth="a",
        created_at=timezone.now(),
    )
    client.force_login(patient.user)
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
            context.add_init_script(STAND_IN)
            page = context.new_page()
            page.set_default_timeout(10000)
            page.goto(live_server.url + "/accounts/logout/")
            wait_for_promise(
                page, "() => navigator.serviceWorker.getRegistration('/').then(r => Boolean(r))"
            )
            with page.expect_navigation(url="**/accounts/login/"):
                page.get_by_role("button", name="Sign Out").click()

            assert list(PushSubscription.objects.filter(user=patient.user)) == [other]
            assert page.evaluate("sessionStorage.getItem('ldn-test-unsubscribed')") == "yes"
            assert "This device will no longer get your reminders." in page.content()
        finally:
            close_the_tests_connections()
            browser.close()
