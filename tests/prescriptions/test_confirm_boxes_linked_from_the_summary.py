"""A refused plan save that asks for a confirmation box links its message in the error
summary to that box, as a field's error links to its field (exploratory QA: the item was
plain text while the box sat at the bottom of the form, after the reason and the note).
The start box is left as it is (its message may ask for the increase box too)."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import sign_hold
from tests.prescriptions.factories import steps_data
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


def _post(clinician, patient, name, data):
    client = signed_in_reauthenticated(clinician)
    data = {"based_on": str(plans.load(patient).latest.number), **data}
    with time_machine.travel(NOW, tick=False):
        return client.post(reverse(name, args=[patient.pk]), data)


def _summary(response):
    assert response.status_code == 200
    page = response.content.decode()
    (summary,) = re.findall(r'<div class="error-summary".*?</div>', page, flags=re.DOTALL)
    return page, summary


def _linked_to_its_box(response, box_id):
    page, summary = _summary(response)
    assert re.search(rf'<li><a href="#{box_id}">[^<]*nothing was saved', summary)
    assert page.count(f'id="{box_id}"') == 1


def test_the_hold_forms_restart_question_links_to_the_restart_box(patient_on_2mg, clinician):
    sign_hold(patient_on_2mg, clinician, DEC[3], None, signed=NOW, reason="Urgent report")
    data = {
        "reason": "Procedure",
        "hold_reason": "other",
        "hold_from": "2026-12-10",
        "hold_until": "2026-12-12",
    }
    response = _post(clinician, patient_on_2mg, "clinic:plan_hold", data)
    _linked_to_its_box(response, "id_confirm_restart")


def test_the_resume_forms_cancel_question_links_to_the_cancel_box(patient_on_2mg, clinician):
    sign_hold(patient_on_2mg, clinician, DEC[10], DEC[12], signed=NOW, reason="Dental")
    sign_hold(patient_on_2mg, clinician, DEC[13], DEC[15], signed=NOW, reason="Knee")
    data = {"resume_on": "2026-12-13", "step": "0", "reason": "Dental surgery over"}
    response = _post(clinician, patient_on_2mg, "clinic:plan_resume", data)
    _linked_to_its_box(response, "id_confirm_cancel")


def _change(start, dose):
    return {
        "effective_night": "2026-12-02",
        "start_date": start,
        "reason": "Faster",
        **steps_data([(dose, "")]),
    }


def test_a_changes_increase_question_links_to_the_increase_box(patient_on_2mg, clinician):
    response = _post(clinician, patient_on_2mg, "clinic:plan_change", _change("2026-12-02", "4.5"))
    _linked_to_its_box(response, "id_confirm_increase")


def test_a_changes_gap_question_links_to_the_gap_box(patient_on_2mg, clinician):
    response = _post(clinician, patient_on_2mg, "clinic:plan_change", _change("2027-01-01", "2"))
    _linked_to_its_box(response, "id_confirm_gap")


def test_an_error_that_asks_for_no_box_links_to_none(patient_on_2mg, clinician):
    """A hold that ends before it starts: told beside its field, and no box is drawn."""
    data = {
        "reason": "Procedure",
        "hold_reason": "other",
        "hold_from": "2026-12-10",
        "hold_until": "2026-12-08",
    }
    page, summary = _summary(_post(clinician, patient_on_2mg, "clinic:plan_hold", data))
    assert "confirm_restart" not in page
    assert re.findall(r'href="#([^"]+)"', summary) == ["id_hold_until"]
