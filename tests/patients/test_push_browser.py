"""In Chromium: the manifest and service worker are served and registered; a push delivered
through the DevTools protocol shows the notification, and its click opens the tonight card.

Headless Chromium cannot subscribe to a real push service (no internet, no FCM) and has no
notification UI to click, so the push arrives via `ServiceWorker.deliverPushMessage` and the
click is simulated by dispatching a `notificationclick` event inside the service worker.
"""

import json
import time

import pytest
from playwright.sync_api import sync_playwright
from py_vapid import Vapid

from tests.e2e.browser_support import (
    CHROMIUM_ARGS,
    SCREENSHOTS,
    close_the_tests_connections,
    phone_with_session,
)
from tests.patients.reminder_support import patient_on_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_until(check, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_pushed_reminder_shows_a_notification_that_opens_the_tonight_card(
    live_server, chromium_path, client, monkeypatch, settings
):

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    key = Vapid()
    key.generate_keys()
    settings.VAPID_PRIVATE_KEY = key.private_pem().decode()
    patient = patient_on_plan()
    client.force_login(patient.user)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            context = phone_with_session(browser, live_server, client)
            context.grant_permissions(["notifications"], origin=live_server.url)
            page = context.new_page()
            page.set_default_timeout(10000)
            messages = []
            page.on("console", lambda message: messages.append(message.text))
            cdp = context.new_cdp_session(page)
            registrations = []
            cdp.on(
                "ServiceWorker.workerRegistrationUpdated",
                lambda event: registrations.extend(event["registrations"]),
            )
            cdp.send("ServiceWorker.enable")

            page.goto(live_server.url + "/journal/reminders/")
            manifest_href = page.locator("link[rel=manifest]").get_attribute("href")
            manifest = page.request.get(live_server.url + manifest_href)
            assert manifest.ok
            assert manifest.json()["start_url"] == "/journal/"
            sw = page.request.get(live_server.url + "/sw.js")
            assert sw.headers["service-worker-allowed"] == "/"
            scope = page.evaluate(
                "Promise.race([navigator.serviceWorker.ready.then(r => r.scope),"
                " new Promise(r => setTimeout(() => r('not ready'), 8000))])"
            )
            assert scope == live_server.url + "/"
            assert page.locator("#push-subscribe").is_visible()  # the button appears with JS

            registration_id = wait_until(
                lambda: next(
                    (r["registrationId"] for r in registrations if r["scopeURL"] == scope), None
                )
            )
            payload = {
                "title": "Time for tonight's dose",
                "body": "Tap to log tonight's dose.",
                "url": "/journal/#tonight-title",
                "tag": "ldn-evening-test",
            }
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": live_server.url,
                    "registrationId": registration_id,
                    "data": json.dumps(payload),
                },
            )
            notifications = wait_until(
                lambda: page.evaluate(
                    "navigator.serviceWorker.ready.then(r => r.getNotifications())"
                    ".then(ns => ns.map(n => ({title: n.title, body: n.body, url: n.data.url})))"
                )
            )
            assert notifications == [
                {"title": payload["title"], "body": payload["body"], "url": payload["url"]}
            ]

            [worker] = wait_until(lambda: context.service_workers)
            worker.evaluate(
                "self.registration.getNotifications().then(ns => self.dispatchEvent("
                "new NotificationEvent('notificationclick', {notification: ns[0]})))"
            )
            page.wait_for_url("**/journal/#tonight-title", timeout=15000)
            assert page.locator("#tonight-title").is_visible()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "reminder-push-opened-tonight.png"))
        finally:
            close_the_tests_connections()
            browser.close()
