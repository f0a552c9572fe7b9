"""Browser journey: the clinician ends a prescription; the patient's phone says so.
Screenshots of the end page and of the patient's tonight card afterwards."""

import pytest
from playwright.sync_api import expect

from ldn_journal.demo import DEMO_PASSWORD
from patients.models import Patient
from prescriptions import plans
from tests.e2e.browser_support import PHONE, SCREENSHOTS, sideways_scroll, sign_in

DESKTOP = {"width": 1280, "height": 800}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_clinician_ends_a_prescription_and_the_patient_is_told_not_to_take_ldn(
    browser, live_server, settings
):

    settings.LDN_REQUIRE_STAFF_MFA = False
    patient = Patient.objects.get(user__email="patient3@example.com")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    clinician = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(clinician, live_server, "clinician@example.com")
    clinician.goto(f"{live_server.url}/clinic/patients/{patient.pk}/plan/")
    clinician.get_by_role("link", name="End the prescription").click()
    # Ending asks for the password again, as a hold does.
    expect(clinician.locator("h1")).to_have_text("Confirm Access")
    clinician.get_by_label("Password").fill(DEMO_PASSWORD)
    clinician.locator("main form button[type=submit]").first.click()
    expect(clinician.locator("h1")).to_have_text("End the prescription")
    clinician.screenshot(path=str(SCREENSHOTS / "plan-end.png"), full_page=True)
    # Signing without the confirmation is refused with a message, and nothing changes.
    clinician.get_by_label("Reason for the change (care team only)").fill("No benefit at 6 months")
    clinician.get_by_role("button", name="Sign and end").click()
    expect(clinician.locator("main")).to_contain_text("Tick the box to confirm")
    assert not plans.load(patient).has_ended
    clinician.get_by_label("Note to the patient").fill("Please stop LDN; we will talk on Monday.")
    clinician.get_by_label("I am ending this prescription").check()
    clinician.get_by_role("button", name="Sign and end").click()
    expect(clinician.locator(".messages")).to_contain_text("Change: Prescription ended.")
    expect(clinician.locator(".plan-panel")).to_contain_text("The last prescription was ended")
    expect(clinician.locator(".plan-panel")).to_contain_text("No dose from the night of ")

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, live_server, "patient3@example.com")
    phone.goto(f"{live_server.url}/journal/")
    card = phone.locator(".card-tonight")
    expect(card).to_contain_text("Your clinician ended your LDN prescription")
    expect(card).to_contain_text("Please stop LDN; we will talk on Monday.")
    expect(card).not_to_contain_text("No benefit at 6 months")
    expect(card.get_by_role("button", name="Taken now")).to_have_count(0)
    overflow = sideways_scroll(phone)
    assert overflow <= 0, f"{overflow}px of horizontal scroll at 390 px"
    phone.screenshot(path=str(SCREENSHOTS / "journal-prescription-ended.png"), full_page=True)
