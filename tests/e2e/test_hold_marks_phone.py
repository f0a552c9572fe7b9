"""The demo patient on hold (patient3@, Jo: on hold from two nights ago, that night's dose
logged) on a 390×844 phone, in English, German and Spanish: each page that shows a held
night says so (the dose taken on it "Taken while your plan was on hold", the calendar's
"‖", the hold's sentence for the night, the home card's link to log a dose taken anyway and
the card once tonight's dose is logged through it)
and none scrolls sideways. Screenshots go to
var/docs/screenshots/ (phone-hold-*.png)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.models import NightlyEntry, Patient
from prescriptions import plans
from tests.e2e.browser_support import PHONE, SCREENSHOTS, sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ON_HOLD = "patient3@example.com"
TAKEN_ON_HOLD = {
    "en": "Taken while your plan was on hold.",
    "de": "Eingenommen, während Ihr Plan pausiert war.",
    "es": "Tomada mientras su plan estaba en pausa.",
}

TAKEN_ON_HOLD_TONIGHT = {
    "en": "Taken while your plan is on hold.",
    "de": "Eingenommen, während Ihr Plan pausiert ist.",
    "es": "Tomada mientras su plan está en pausa.",
}

# The card on hold offers to log a dose taken anyway, as an ended prescription's does.
LOG_ANYWAY = {
    "en": "Log a dose you took anyway",
    "de": "Eine trotzdem eingenommene Dosis eintragen",
    "es": "Registrar una dosis que tomó de todos modos",
}


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_held_nights_read_right_and_fit_a_phone(evening, browser, live_server, language):
    patient = Patient.objects.get(user__email=ON_HOLD)
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    tonight = plans.load(patient).tonight(patient.tz, timezone.now())
    held = NightlyEntry.objects.get(patient=patient, night=tonight - timedelta(days=2))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, ON_HOLD)
    pages = {
        "home": "/journal/",
        "calendar": "/journal/history/",
        "list": "/journal/history/list/",
        "entry": f"/journal/entry/{held.pk}/",
        "tonight": f"/journal/night/{tonight.isoformat()}/",
        "dose": f"/journal/night/{tonight.isoformat()}/dose/",
        "plan": "/journal/plan/",
    }
    seen = {}
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status < 400, (path, response.status)
        assert sideways_scroll(page) <= 0, f"{path} scrolls sideways in {language}"
        page.screenshot(path=str(SCREENSHOTS / f"phone-hold-{name}-{language}.png"), full_page=True)
        seen[name] = page.inner_text("main")
    # Tonight's dose logged anyway, through the card's link to the dose page's own form:
    # the home card says so.
    page.goto(live_server.url + pages["home"])
    page.get_by_role("link", name=LOG_ANYWAY[language]).click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_server.url + pages["dose"], page.url
    page.fill("#id_dose", "4.5")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_server.url + pages["home"], page.url
    assert sideways_scroll(page) <= 0, f"the home card after logging scrolls in {language}"
    # What follows the confirmation ("Add bedtime", the night's links) stands clear of its
    # border (it touched it).
    gap = page.evaluate(
        "() => { const box = document.querySelector('.confirmation');"
        " return box.nextElementSibling.getBoundingClientRect().top"
        " - box.getBoundingClientRect().bottom; }"
    )
    assert gap >= 8, f"{gap}px under the confirmation in {language}"
    page.screenshot(path=str(SCREENSHOTS / f"phone-hold-logged-{language}.png"), full_page=True)
    seen["logged"] = page.inner_text("main")
    context.close()
    assert TAKEN_ON_HOLD_TONIGHT[language] in seen["logged"]
    assert TAKEN_ON_HOLD[language] in seen["list"]
    assert TAKEN_ON_HOLD[language] in seen["entry"]
    assert "‖" in seen["calendar"]
