"""The clinician's acknowledgement form names the logged night as the patient's own pages do
(nights.relative_night through changes.logged_dose_stands_message): at 08:00 the next morning
an evening doser's card says "Last night", and the form said "Tonight’s dose is already
logged"."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from patients.journal import entries as journal
from prescriptions.changes import logged_dose_stands_message
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

LORD_HOWE = "Australia/Lord_Howe"  # +11:00 in December
DOSE = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)  # 22:00 on Wed 2 Dec on Lord Howe
NEXT_MORNING = datetime(2026, 12, 2, 21, 0, tzinfo=UTC)  # 08:00 on Thu 3 Dec


@pytest.fixture
def report(patient_a, clinician_a):
    patient_a.time_zone = LORD_HOWE
    patient_a.save(update_fields=["time_zone"])
    make_plan(patient_a, clinician_a, dosing_time="evening", start=date(2026, 11, 1))
    with time_machine.travel(DOSE, tick=False):
        journal.log_taken_now(patient_a, DOSE, uuid.uuid4())
    return urgent_report(
        patient_a, DOSE + timedelta(minutes=40), symptoms=["severe_headache"], since="since_dose"
    )


def _form_text(client, report, at, **headers):
    with time_machine.travel(at, tick=False):
        response = client.get(reverse("clinic:urgent_report", args=[report.pk]), **headers)
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "’").replace("'", "’")


def test_the_next_morning_the_form_says_last_nights_dose(clinician_client, report):
    text = _form_text(clinician_client, report, NEXT_MORNING)
    assert "Last night’s dose is already logged and stands" in text
    assert "Tonight’s dose is already logged" not in text


def test_the_same_evening_the_form_still_says_tonights_dose(clinician_client, report):
    text = _form_text(clinician_client, report, DOSE + timedelta(hours=1))
    assert "Tonight’s dose is already logged and stands" in text


def test_the_next_morning_in_german_and_spanish(clinician_client, report):
    german = _form_text(clinician_client, report, NEXT_MORNING, HTTP_ACCEPT_LANGUAGE="de")
    assert "Die Dosis von gestern Abend ist bereits eingetragen" in german
    spanish = _form_text(clinician_client, report, NEXT_MORNING, HTTP_ACCEPT_LANGUAGE="es")
    assert "La dosis de anoche ya está registrada" in spanish


def test_a_night_with_no_word_is_named_by_its_date():
    with translation.override("en"):
        text = logged_dose_stands_message(
            date(2026, 12, 4),
            tonight=date(2026, 12, 3),
            dosing_time="evening",
            local_today=date(2026, 12, 10),
        )
    assert text.startswith("The dose of ")
    assert "Tonight" not in text
    assert "Last night" not in text


@pytest.mark.parametrize("page", ["clinic:plan_hold", "clinic:plan_change"])
def test_the_plan_change_pages_name_the_logged_night_as_the_patient_does(
    clinician_client, report, patient_a, page
):
    # The plan-change forms say why a change starts tomorrow through the same message: the
    # next morning it is last night's dose that stands, not "tonight's".
    with time_machine.travel(NEXT_MORNING, tick=False):
        response = clinician_client.get(reverse(page, args=[patient_a.pk]))
    assert response.status_code == 200
    text = response.content.decode().replace("&#x27;", "’").replace("'", "’")
    assert "Last night’s dose is already logged and stands" in text
    assert "Tonight’s dose is already logged" not in text
