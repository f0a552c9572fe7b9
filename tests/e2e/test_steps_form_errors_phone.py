"""A refused step on a phone, in each language: the step table keeps its Nights column in view.

Found by an exploratory pass in German at 390 px: a dose refused in the step table put its
message ("... mit höchstens zwei Nachkommastellen ...") in the dose cell, whose longest word
widened the column, so the table scrolled sideways inside its box and hid the Nights inputs the
clinician was correcting beside it."""

import pytest

from ldn_journal.accounts.models import User
from patients.models import Patient
from tests.e2e.browser_support import PHONE, sideways_scroll, sign_in, words_broken_across_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["de", "es", "en"])
def test_a_refused_step_keeps_the_step_table_within_a_phone_screen(browser, live_server, language):
    patient = Patient.objects.get(user__email="patient@example.com")
    User.objects.filter(email="clinician@example.com").update(language=language)
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, live_server, "clinician@example.com")
    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/plan/change/")
    page.fill("input[name='steps-1-dose_mg']", "6")
    page.fill("textarea[name=reason]", "Refused on purpose")
    page.locator("main form button[type=submit].btn-primary").click()
    page.wait_for_load_state()

    table = page.locator(".steps-formset .table-wrap")
    assert table.locator(".errorlist").count() == 1  # the refused dose's message
    assert table.evaluate("(box) => box.scrollWidth - box.clientWidth") <= 0
    nights = page.locator("input[name='steps-1-days']").bounding_box()
    assert nights["x"] + nights["width"] <= PHONE["width"]
    assert words_broken_across_lines(page, ".steps-formset .errorlist") == []
    assert sideways_scroll(page) <= 0
