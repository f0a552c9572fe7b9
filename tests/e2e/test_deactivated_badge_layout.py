"""The "Account deactivated — no reminders, cannot sign in" badge on the clinician's list row
and the patient page's header, in each language: no page scrolls sideways on a 390 px phone,
and at 1280 px the list's table still fits its box (the badge wraps between its words)."""

import pytest

from ldn_journal.accounts.accounts_admin import set_user_active
from ldn_journal.accounts.models import User
from patients.models import Patient
from tests.e2e.browser_support import PHONE, sideways_scroll, sign_in

DESKTOP = {"width": 1280, "height": 800}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_the_deactivated_badge_fits_a_phone_and_the_desktop_list(browser, live_server, language):
    patient = Patient.objects.select_related("user").get(user__email="patient@example.com")
    set_user_active(patient.user, False)
    User.objects.filter(email="clinician@example.com").update(language=language)
    wide, badges = {}, {}
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        sign_in(page, live_server, "clinician@example.com")
        for path in ("/clinic/", f"/clinic/patients/{patient.pk}/"):
            page.goto(live_server.url + path)
            badges[viewport["width"], path] = page.locator(".badge-sentence").count()
            overflow = sideways_scroll(page)
            if overflow > 0:
                wide[viewport["width"], path] = overflow
        page.goto(live_server.url + "/clinic/")
        boxes = page.evaluate(
            """Array.from(document.querySelectorAll(".table-wrap"))
                 .map((box) => box.scrollWidth - box.clientWidth)"""
        )
        if viewport is DESKTOP and max(boxes) > 0:
            wide["table", viewport["width"]] = max(boxes)
        context.close()
    assert set(badges.values()) == {1}, badges
    assert wide == {}
