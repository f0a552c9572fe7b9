"""A new prescription on a day whose dose is already logged (found by QA: a prescription
ended after tonight's dose, which then ends from tomorrow night, could not be followed by a
new one until the next day). The new plan was always signed to take effect tonight, so every
start date was refused with "Tonight's dose is already logged and stands", and the page
opened on "Tonight (5 Dec)", itself refused. It now takes effect from the first night a
change can take effect (changes.first_changeable_night, the rule every plan form reads), and
the page opens on that night, named as the patient page's header names it."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans, titration
from prescriptions.models import PlanVersion, Prescription
from tests.prescriptions.factories import new_prescription_data
from tests.prescriptions.logged_dose_support import (
    DEC_5,
    DEC_6,
    EVENING_NOW,
    ended_after_the_logged_dose,
    log,
)
from tests.prescriptions.skipped_steps_support import text

pytestmark = pytest.mark.django_db

DEC_7 = date(2026, 12, 7)
MORNING_NOW = "2026-12-05 10:00Z"
STANDS = "already logged and stands"


@pytest.fixture
def ended_tonight(patient_a, clinician_a):
    return ended_after_the_logged_dose(patient_a, clinician_a)


@pytest.fixture
def logged_without_a_plan(patient_a):
    """No prescription ever, and a dose logged for tonight (the journal keeps what was
    taken, with nothing prescribed)."""
    log(patient_a, prescribed=None)
    return patient_a


def url(patient):
    return reverse("clinic:prescription_new", args=[patient.pk])


def post(client, patient, start, at=EVENING_NOW, **overrides):
    data = new_prescription_data(
        start, [("1.5", "14"), ("3.0", "")], reason="Back on LDN", **overrides
    )
    with time_machine.travel(at, tick=False):
        return client.post(url(patient), data)


def first_version(patient):
    """Version 1 of the patient's newest prescription."""
    return (
        PlanVersion.objects.filter(prescription__patient=patient, number=1)
        .order_by("-prescription_id")
        .first()
    )


@pytest.mark.parametrize("start", [DEC_6, DEC_7])
def test_a_new_prescription_after_an_ending_signed_after_tonights_dose_is_saved(
    clinician_client, ended_tonight, start
):
    tonight_before = plans.load(ended_tonight).on(DEC_5)
    response = post(clinician_client, ended_tonight, start)
    assert response.status_code == 302, text(response)
    assert Prescription.objects.filter(patient=ended_tonight).count() == 2
    version = first_version(ended_tonight)
    assert (version.effective_night, version.start_date) == (DEC_6, start)
    # Tonight's logged dose is still judged by the plan it was taken under.
    assert plans.load(ended_tonight).on(DEC_5) == tonight_before


def test_a_first_prescription_after_a_dose_logged_without_a_plan_is_saved(
    clinician_client, logged_without_a_plan
):
    response = post(clinician_client, logged_without_a_plan, DEC_6)
    assert response.status_code == 302, text(response)
    assert first_version(logged_without_a_plan).effective_night == DEC_6


@pytest.mark.parametrize("fixture", ["ended_tonight", "logged_without_a_plan"])
def test_the_page_opens_on_the_first_night_a_change_can_take_effect(
    clinician_client, request, fixture
):
    patient = request.getfixturevalue(fixture)
    with time_machine.travel(EVENING_NOW, tick=False):
        response = clinician_client.get(url(patient))
    page = response.content.decode()
    assert 'name="start_date" value="2026-12-06"' in page
    said = text(response)
    # Why not tonight first, as the End page says it.
    assert (
        "Tonight’s dose is already logged and stands: a change made now takes effect from the "
        "night of 6 Dec 2026. First night of the prescription: 6 Dec." in said
    )
    assert "Tonight (5 Dec)" not in said


def test_a_morning_dosers_new_prescription_after_todays_logged_dose(
    clinician_client, patient_a, clinician_a
):
    """A morning doser's dose of today (5 Dec) is logged at 08:00 and the prescription ended
    at 09:00: a new morning prescription takes effect from tomorrow, and the page opens on
    it, in a morning doser's words."""
    ended_after_the_logged_dose(
        patient_a,
        clinician_a,
        dosing_time=titration.MORNING,
        at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
    )
    client = clinician_client
    with time_machine.travel(MORNING_NOW, tick=False):
        response = client.post(url(patient_a), {"add_step": "1", "dosing_time": "morning"})
    assert (
        "Today’s dose is already logged and stands: a change made now takes effect on 6 Dec "
        "2026. First day of the prescription: 6 Dec." in text(response)
    )
    with time_machine.travel(MORNING_NOW, tick=False):
        page = client.get(url(patient_a)).content.decode()
    assert 'name="start_date" value="2026-12-06"' in page
    response = post(client, patient_a, DEC_6, at=MORNING_NOW, dosing_time="morning")
    assert response.status_code == 302, text(response)
    version = first_version(patient_a)
    assert (version.effective_night, version.dosing_time) == (DEC_6, titration.MORNING)


def test_an_evening_dosers_ending_followed_by_morning_dosing_from_tomorrow(
    clinician_client, ended_tonight
):
    response = post(clinician_client, ended_tonight, DEC_6, dosing_time="morning")
    assert response.status_code == 302, text(response)
    version = first_version(ended_tonight)
    assert (version.effective_night, version.dosing_time) == (DEC_6, titration.MORNING)


def test_before_tonights_dose_is_logged_a_new_prescription_still_starts_tonight(
    clinician_client, patient_a
):
    with time_machine.travel(EVENING_NOW, tick=False):
        page = clinician_client.get(url(patient_a)).content.decode()
    assert 'name="start_date" value="2026-12-05"' in page
    assert STANDS not in page
    response = post(clinician_client, patient_a, DEC_5)
    assert response.status_code == 302, text(response)
    assert first_version(patient_a).effective_night == DEC_5
