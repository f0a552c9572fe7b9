"""In Chromium, on a server with a VAPID key: a browser without PushManager is told on the
settings page that it cannot receive push notifications (the devices section said only "No
devices yet." and the button never came, with nothing saying why); one with it is offered
the button and not told so."""

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser_support import (
    CHROMIUM_ARGS,
    close_the_tests_connections,
    phone_with_session,
)
from tests.patients.reminder_support import patient_on_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNSUPPORTED = "This browser cannot receive push notifications."


@pytest.mark.parametrize("push_manager", [False, True])
def test_a_browser_without_push_manager_is_told_it_cannot_receive_push(
    live_server, chromium_path, client, monkeypatch, vapid_keys, push_manager
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    patient = patient_on_plan()
    client.force_login(patient.user)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            context = phone_with_session(browser, live_server, client)
            if not push_manager:
                context.add_init_script("delete window.PushManager;")
            page = context.new_page()
            page.set_default_timeout(10000)
            page.goto(live_server.url + "/journal/settings/")
            page.wait_for_load_state("load")
            unsupported = page.locator("#push-unsupported")
            button = page.locator("#push-subscribe")
            if push_manager:
                button.wait_for(state="visible")
                assert not unsupported.is_visible()
            else:
                unsupported.wait_for(state="visible")
                assert UNSUPPORTED in unsupported.inner_text()
                assert not button.is_visible()
            # No horizontal scroll on the phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            close_the_tests_connections()
            browser.close()
