"""Browser journey: the demo clinician applies the vivid-dreams suggestion; the patient's
tonight card then shows the lower dose. Screenshots of the plan panel and "My plan"."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from ldn_journal.accounts.models import User
from ldn_journal.demo import DEMO_PASSWORD
from patients.models import NightlyEntry, Patient, UrgentReport
from patients.urgent import reports as urgent
from prescriptions import titration
from prescriptions.demo import journal_hints
from prescriptions.panel import plan_state
from tests.e2e.browser_support import CHROMIUM_ARGS, SCREENSHOTS, close_the_tests_connections

DESKTOP = {"width": 1280, "height": 800}


def _ensure_vivid_dreams(patient):
    """The journal seeding supplies these nights; make sure they exist either way."""
    state = plan_state(patient, timezone.now())
    for night, values in journal_hints(patient.user.email, state["tonight"]).items():
        dose = titration.prescribed_dose(state["plain_versions"], night)
        NightlyEntry.objects.update_or_create(
            patient=patient,
            night=night,
            defaults={"status": "taken", "dose_mg": dose, **values},
        )
    return state


def _sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clinician_applies_the_vivid_dreams_suggestion_and_the_tonight_card_follows(
    live_server, chromium_path, settings, monkeypatch
):

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.DEBUG = True
    settings.LDN_REQUIRE_STAFF_MFA = False
    call_command("seed_demo")
    patient = Patient.objects.get(user__email="patient2@example.com")
    # The demo's open urgent report pauses this patient's card (patients.rules.pause): the
    # clinician answers it, "continue as planned", before changing the plan.
    for report in UrgentReport.objects.open().filter(patient=patient):
        urgent.acknowledge(
            report, User.objects.get(email="clinician@example.com"), "Seen.", timezone.now()
        )
    state = _ensure_vivid_dreams(patient)
    assert state["position"].dose_mg == Decimal("4.5")  # stepped up five nights ago
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        clinician = browser.new_context(viewport=DESKTOP).new_page()
        _sign_in(clinician, live_server.url, "clinician@example.com")
        clinician.goto(f"{live_server.url}/clinic/patients/{patient.pk}/plan/")
        suggestion = clinician.locator("article.suggestion", has_text="previous dose")
        expect(suggestion).to_contain_text("Suggestion — your decision")
        expect(suggestion).to_contain_text("Intensity")
        clinician.screenshot(path=str(SCREENSHOTS / "plan-panel.png"), full_page=True)

        suggestion.get_by_role("link", name="Apply").click()
        expect(clinician.locator("input[name='steps-0-dose_mg']")).to_have_value("3.00")
        clinician.fill("textarea[name=reason]", "Vivid dreams since the step up to 4.5 mg")
        clinician.fill("textarea[name=patient_note]", "Back to 3 mg for two weeks, then we retry.")
        clinician.get_by_role("button", name="Sign and save new version").click()
        expect(clinician.locator(".messages")).to_contain_text("Plan version 2 saved")
        expect(clinician.locator(".plan-summary")).to_contain_text("3 mg")

        patient_page = browser.new_context(viewport=DESKTOP).new_page()
        _sign_in(patient_page, live_server.url, "patient2@example.com")
        patient_page.goto(f"{live_server.url}/journal/")
        card = patient_page.locator(".card-tonight")
        expect(card.locator(".dose-figure")).to_contain_text("3")
        expect(card.locator(".dose-figure")).not_to_contain_text("4.5")
        patient_page.goto(f"{live_server.url}/journal/plan/")
        expect(patient_page.locator(".dose-figure")).to_contain_text("3")
        expect(patient_page.locator("main")).to_contain_text("Back to 3 mg for two weeks")
        expect(patient_page.locator("main")).not_to_contain_text("Vivid dreams since the step")
        patient_page.screenshot(path=str(SCREENSHOTS / "plan-my-plan.png"), full_page=True)
        patient_page.set_viewport_size({"width": 390, "height": 844})
        patient_page.screenshot(path=str(SCREENSHOTS / "plan-my-plan-mobile.png"), full_page=True)
        close_the_tests_connections()
        browser.close()
