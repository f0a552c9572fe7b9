"""Browser journey at 390×844: the demo patient reports a bad reaction and sees the guidance;
the demo clinician sees the urgent flag first, acknowledges, and the patient sees the note."""

import pytest

from tests.e2e.browser_support import PHONE, SCREENSHOTS, sign_in

NOTE = "Thank you. Do not take tonight's dose; I will call you at 8 tomorrow."

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    return page, problems


def fits_the_phone(page):
    return (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def first_row_flags(page):
    return page.locator("table.patient-table tbody tr").first.inner_text()


def row_for(page, name):
    return page.locator("table.patient-table tbody tr", has_text=name)


def test_a_severe_reaction_reaches_the_clinician_who_acknowledges_and_the_patient_sees_it(
    browser, live_server
):
    # The patient, on a phone at night.
    patient, patient_problems = phone(browser)
    sign_in(patient, live_server, "patient@example.com")
    link = patient.get_by_role("link", name="I'm having a bad reaction")
    assert link.is_visible()
    link.scroll_into_view_if_needed()
    patient.screenshot(path=str(SCREENSHOTS / "urgent-home-link.png"))
    link.click()
    assert fits_the_phone(patient)
    patient.get_by_label("Racing heart").check()
    patient.get_by_label("Severe anxiety or panic").check()
    patient.get_by_label("Severe", exact=True).check()
    patient.get_by_label("Within the last hour").check()
    patient.get_by_label("Anything else your clinician should know").fill(
        "Heart pounding, can't calm down."
    )
    shot(patient, "urgent-form.png")
    patient.get_by_role("button", name="Send to my care team").click()
    patient.wait_for_load_state("networkidle")
    guidance = patient.locator(".urgent-guidance")
    assert guidance.is_visible()
    assert "If you feel in danger, call your local emergency number now" in guidance.inner_text()
    assert "Do not take your next dose until your clinician has answered" in (guidance.inner_text())
    assert patient.get_by_text("Your report was sent").is_visible()
    assert fits_the_phone(patient)
    shot(patient, "urgent-guidance.png")
    # (No ORM here: under Playwright's greenlet it would open a connection nobody closes.)
    report_url = patient.get_by_role("link", name="See your report").get_attribute("href")

    # The clinician: the urgent flag is at the very top.
    clinician, clinician_problems = phone(browser)
    sign_in(clinician, live_server, "clinician@example.com")
    assert "Urgent report" in first_row_flags(clinician)
    assert "Urgent report" in row_for(clinician, "Pat Jones").inner_text()
    clinician.set_viewport_size({"width": 1280, "height": 900})  # the dashboard's own size
    shot(clinician, "urgent-dashboard.png")
    clinician.set_viewport_size(PHONE)
    clinician.get_by_role("link", name="Urgent reports").first.click()
    clinician.get_by_role("link", name="Pat Jones").first.click()
    assert clinician.get_by_text("The last 14 nights").is_visible()
    assert clinician.get_by_text("Heart pounding, can't calm down.").is_visible()
    assert fits_the_phone(clinician)
    shot(clinician, "urgent-clinician-report.png")
    clinician.get_by_label("Note to the patient").fill(NOTE)
    clinician.get_by_role("button", name="Acknowledge").click()
    clinician.wait_for_load_state("networkidle")
    assert clinician.get_by_text("Acknowledged: the patient now sees your note").is_visible()
    clinician.goto(f"{live_server.url}/clinic/")
    assert "Urgent report" not in row_for(clinician, "Pat Jones").inner_text()

    # The patient sees the answer.
    patient.goto(f"{live_server.url}{report_url}")
    assert patient.get_by_text("Your clinician has seen this").is_visible()
    assert patient.get_by_text(NOTE).is_visible()
    assert fits_the_phone(patient)
    shot(patient, "urgent-patient-seen.png")
    for problems in (patient_problems, clinician_problems):
        assert not [p for p in problems if "Content Security Policy" in p], problems
