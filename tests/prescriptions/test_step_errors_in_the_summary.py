"""A refused step row is named in the "Please check this form" summary at the top of every
page with step rows, linking to the row's field, as a refused field of the main form is.

Exploratory QA: on "Change the plan" a bad dose in a row, with the reason filled in, was
told only inline far down the page; nothing said at the top why nothing was saved."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanTemplate, PlanVersion, Prescription
from tests.prescriptions.factories import make_prescription, new_prescription_data, steps_data

START = date(2026, 3, 1)
TONIGHT = date(2026, 3, 10)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


@pytest.fixture
def prescription(patient_a, clinician_a):
    return make_prescription(patient_a, clinician_a, START)


def change_data(steps):
    return {
        "based_on": "1",
        "effective_night": str(TONIGHT),
        "start_date": str(TONIGHT),
        "reason": "Vivid dreams since the step up",
        "patient_note": "",
        **steps_data(steps),
    }


def summary_of(response):
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="error-summary"') == 1
    start = page.index('class="error-summary"')
    return page[start : page.index("</div>", start)]


def test_a_change_refused_only_for_a_bad_dose_in_a_row_says_so_in_the_summary(
    clinician_client, patient_a, prescription
):
    response = clinician_client.post(
        reverse("clinic:plan_change", args=[patient_a.pk]),
        change_data([("1.5", "7"), ("abc", "")]),
    )
    summary = summary_of(response)
    assert "Please check this form" in summary
    assert '<a href="#id_steps-1-dose_mg">Step 2 dose (mg) — Enter a dose between 1' in summary
    assert PlanVersion.objects.count() == 1


def test_a_change_refused_only_for_a_bad_length_in_a_row_names_the_rows_nights(
    clinician_client, patient_a, prescription
):
    response = clinician_client.post(
        reverse("clinic:plan_change", args=[patient_a.pk]),
        change_data([("1.5", "two weeks"), ("3.0", "")]),
    )
    summary = summary_of(response)
    assert '<a href="#id_steps-0-days">Step 1 nights — “two weeks” is not a number' in summary
    assert PlanVersion.objects.count() == 1


def test_a_change_refused_for_an_open_ended_first_step_links_the_summary_to_its_length(
    clinician_client, patient_a, prescription
):
    response = clinician_client.post(
        reverse("clinic:plan_change", args=[patient_a.pk]),
        change_data([("1.5", ""), ("3.0", "14")]),
    )
    summary = summary_of(response)
    # A step's problem links to the field it is about (beside which it is said), a problem
    # of the steps as a whole to the steps (test_step_errors_said_once).
    assert (
        '<a href="#id_steps-0-days">Step 1 nights — Step 1: only the last step may be '
        "open-ended" in summary
    )
    assert PlanVersion.objects.count() == 1


def test_a_new_prescription_refused_only_for_a_bad_row_shows_one_summary_naming_it(
    clinician_client, patient_a
):
    data = new_prescription_data(TONIGHT, [("1.5", "14"), ("9", "")])
    response = clinician_client.post(reverse("clinic:prescription_new", args=[patient_a.pk]), data)
    assert '<a href="#id_steps-1-dose_mg">Step 2 dose (mg) — ' in summary_of(response)
    assert not Prescription.objects.exists()


def test_a_template_refused_only_for_a_bad_row_says_so_in_the_summary(clinician_client):
    data = {"name": "Slow", "description": "", **steps_data([("1.5", "0"), ("4.5", "")])}
    response = clinician_client.post(reverse("clinic:template_new"), data)
    assert "Step 1 days — Step 1: 0 days is not a valid length" in summary_of(response)
    assert not PlanTemplate.objects.filter(name="Slow").exists()
