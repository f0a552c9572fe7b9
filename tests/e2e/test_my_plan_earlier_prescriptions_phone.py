"""My plan with an earlier prescription, on a 390×844 phone with JavaScript off, in English,
German and Spanish: "Earlier prescriptions (1)" is folded, opens with a tap (a <details>),
and the page neither scrolls sideways nor breaks a word across lines. Screenshots go to
var/docs/screenshots/ (phone-my-plan-earlier-*.png)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import NightlyEntry, Patient
from prescriptions import plans
from prescriptions.changes import create_prescription, end_change, save_version, steps_change
from prescriptions.models import Formulation, Prescription
from tests.e2e.browser_support import (
    PHONE,
    SCREENSHOTS,
    sideways_scroll,
    sign_in,
    words_broken_across_lines,
)
from tests.prescriptions.factories import plan_steps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENT = "patient@example.com"
EARLIER = {
    "en": "Earlier prescriptions (1)",
    "de": "Frühere Verordnungen (1)",
    "es": "Prescripciones anteriores (1)",
}


def _ended_and_prescribed_again(patient):
    """The demo patient's prescription ended from tonight, a liquid one from tomorrow, both
    signed now by their prescriber."""
    plan = plans.load(patient)
    tonight = plan.tonight(patient.tz, timezone.now())
    NightlyEntry.objects.filter(patient=patient, night__gte=tonight).delete()
    prescriber = plan.prescription.prescriber
    save_version(
        prescription_id=plan.prescription.pk,
        author=prescriber,
        based_on=plan.latest.number,
        change=end_change(
            plan.latest,
            tonight_night=tonight,
            reason="Switch to liquid",
            patient_note="From tomorrow you take the liquid.",
            versions=tuple(plan.versions),
        ),
        now=timezone.now(),
    )
    tomorrow = tonight + timedelta(days=1)
    create_prescription(
        patient_id=patient.pk,
        prescriber=prescriber,
        prescription=Prescription(
            formulation=Formulation.LIQUID, concentration_mg_per_ml=Decimal("1")
        ),
        change=steps_change(
            None,
            effective_night=tomorrow,
            start_date=tomorrow,
            steps=plan_steps((("4.5", None),)),
            reason="Liquid",
        ),
        now=timezone.now(),
        confirmed_increase=True,
    )


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_my_plan_folds_the_earlier_prescription_and_fits_a_phone_without_javascript(
    evening, browser, live_server, language
):
    patient = Patient.objects.get(user__email=PATIENT)
    _ended_and_prescribed_again(patient)
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    response = page.goto(f"{live_server.url}/journal/plan/")
    assert response.status == 200
    details = page.locator("details.earlier-prescriptions")
    summary = details.locator("summary")
    expect(summary).to_have_text(EARLIER[language])
    earlier = details.locator(".earlier-prescription")
    expect(earlier).to_be_hidden()
    assert sideways_scroll(page) <= 0, f"My plan scrolls sideways in {language}"
    summary.click()
    expect(earlier).to_be_visible()
    expect(earlier).to_contain_text("From tomorrow you take the liquid.")
    expect(earlier).not_to_contain_text("Switch to liquid")
    assert sideways_scroll(page) <= 0, f"the opened section scrolls sideways in {language}"
    assert words_broken_across_lines(page, "main h2, main h3, main summary, main li p") == []
    page.screenshot(path=str(SCREENSHOTS / f"phone-my-plan-earlier-{language}.png"), full_page=True)
