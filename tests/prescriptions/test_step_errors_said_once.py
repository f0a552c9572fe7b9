"""A step's problem is said once beside its row's field, and linked to it once from the
summary at the top: exploratory QA saw "Step 1: 2 mg is not an available capsule strength"
on Change steps and on a new prescription in the summary, linked only to the steps as a
whole, and again at the top of the steps, far from the row it was about (step 9 of 15 was
a screen further down). A problem of the plan as a whole keeps its place at the top of the
steps, linked from the summary."""

import html
import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanTemplate, PlanVersion, Prescription
from tests.prescriptions.factories import make_prescription, new_prescription_data, steps_data

START = date(2026, 3, 1)
TONIGHT = date(2026, 3, 10)
STRENGTH = "Step 1: 2 mg is not an available capsule strength (1.5, 3, 4.5 mg)."

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


def _change(client, patient, steps):
    data = {
        "based_on": "1",
        "effective_night": str(TONIGHT),
        "start_date": str(TONIGHT),
        "reason": "Vivid dreams since the step up",
        "patient_note": "",
        **steps_data(steps),
    }
    response = client.post(reverse("clinic:plan_change", args=[patient.pk]), data)
    assert response.status_code == 200
    assert PlanVersion.objects.count() == 1
    return html.unescape(response.content.decode())


def _new_prescription(client, patient, steps):
    data = new_prescription_data(TONIGHT, steps)
    response = client.post(reverse("clinic:prescription_new", args=[patient.pk]), data)
    assert response.status_code == 200
    assert not Prescription.objects.exists()
    return html.unescape(response.content.decode())


def _beside(page, field_id):
    """The messages of the field ``field_id``: the list its aria-describedby names, in the
    row under its step's inputs (as wide as both: in the dose cell a German message's
    longest word pushed the Nights column out of a phone's view)."""
    assert re.search(rf'aria-describedby="[^"]*{field_id}_error[^"]*" id="{field_id}"', page)
    match = re.search(
        rf'<tr class="step-errors">(?:(?!</tr>).)*<ul class="errorlist" id="{field_id}_error">'
        r"(?:(?!</ul>).)*</ul>",
        page,
        re.S,
    )
    assert match, field_id
    return match.group(0)


def _said_once_beside_and_linked(page, message, field_id, label):
    assert page.count(message) == 2, page.count(message)
    assert f'<a href="#{field_id}">{label} — {message}</a>' in page  # the summary's link
    assert message in _beside(page, field_id)  # the inline copy, beside its field
    assert '<ul class="errorlist nonform">' not in page  # not again at the top of the steps


def test_change_steps_says_a_capsule_strength_beside_the_rows_dose_once(
    clinician_client, patient_a, clinician_a
):
    make_prescription(patient_a, clinician_a, START)
    page = _change(clinician_client, patient_a, [("2", "7"), ("3.0", "")])
    _said_once_beside_and_linked(page, STRENGTH, "id_steps-0-dose_mg", "Step 1 dose (mg)")


def test_new_prescription_says_a_capsule_strength_beside_the_rows_dose_once(
    clinician_client, patient_a
):
    page = _new_prescription(clinician_client, patient_a, [("2", "14"), ("4.5", "")])
    _said_once_beside_and_linked(page, STRENGTH, "id_steps-0-dose_mg", "Step 1 dose (mg)")


def test_a_bad_length_far_down_the_steps_is_said_beside_that_row_once(
    clinician_client, patient_a, clinician_a
):
    make_prescription(patient_a, clinician_a, START)
    steps = [("1.5", "7")] * 8 + [("3.0", "-3"), ("4.5", "")]
    page = _change(clinician_client, patient_a, steps)
    message = "Step 9: -3 nights is not a valid length: use 1 to 365 nights."
    _said_once_beside_and_linked(page, message, "id_steps-8-days", "Step 9 nights")


def test_a_row_with_nights_but_no_dose_is_said_beside_its_dose_once(
    clinician_client, patient_a, clinician_a
):
    make_prescription(patient_a, clinician_a, START)
    page = _change(clinician_client, patient_a, [("1.5", "7"), ("", "14"), ("4.5", "")])
    message = "Step 2: give a dose in mg for this step."
    _said_once_beside_and_linked(page, message, "id_steps-1-dose_mg", "Step 2 dose (mg)")


def test_a_template_says_a_rows_length_beside_it_once(clinician_client):
    data = {"name": "Slow", "description": "", **steps_data([("1.5", "0"), ("4.5", "")])}
    response = clinician_client.post(reverse("clinic:template_new"), data)
    page = html.unescape(response.content.decode())
    message = "Step 1: 0 days is not a valid length: use 1 to 365 days."
    _said_once_beside_and_linked(page, message, "id_steps-0-days", "Step 1 days")
    assert not PlanTemplate.objects.filter(name="Slow").exists()


def test_a_problem_of_the_whole_plan_stays_at_the_top_of_the_steps_linked_once(
    clinician_client, patient_a, clinician_a
):
    make_prescription(patient_a, clinician_a, START)
    page = _change(clinician_client, patient_a, [("", ""), ("", "")])
    message = "A plan needs at least one step"
    assert page.count(message) == 2  # the summary's link to the steps, and the steps' own
    assert f'<a href="#steps-rows">Steps — {message}' in page
    assert '<ul class="errorlist nonform">' in page
