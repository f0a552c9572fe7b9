"""The clinician's dashboard reads the plan as every other surface does: the patient's
tonight under their dosing time, and the one plan panel with its suggestions."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import dashboard
from patients.models import NightlyEntry
from tests.factories import ClinicianFactory, PatientFactory
from tests.prescriptions.factories import make_prescription
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db

TEN_AM = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # 10:00 in London


@pytest.fixture
def clinician():
    return ClinicianFactory()


def test_the_patient_list_puts_a_morning_doser_at_ten_am_in_todays_night(clinician):
    patient = PatientFactory(clinicians=[clinician])
    make_prescription(patient, clinician, date(2026, 1, 1), dosing_time="morning")
    (row,) = dashboard.patient_rows(clinician, TEN_AM)
    assert row.today == date(2026, 1, 15)  # an evening doser would still be in 14 Jan


def test_the_patient_page_puts_a_morning_doser_at_ten_am_in_todays_night(clinician):
    patient = PatientFactory(clinicians=[clinician])
    make_prescription(patient, clinician, date(2026, 1, 1), dosing_time="morning")
    assert dashboard.patient_page(patient, [clinician], TEN_AM).today == date(2026, 1, 15)


def test_the_patient_page_plan_panel_shows_the_open_suggestions(client, clinician):
    patient = PatientFactory(clinicians=[clinician])
    make_prescription(patient, clinician, date(2026, 1, 1), steps=(("1.5", 7), ("3.0", None)))
    for day in (8, 9, 10):
        NightlyEntry.objects.create(
            patient=patient,
            night=date(2026, 1, day),
            status=NightlyEntry.Status.TAKEN,
            dose_mg=Decimal("3.0"),
            taken_at=datetime(2026, 1, day, 22, tzinfo=UTC),
            dreams="vivid",
            dream_intensity=8,
        )
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    with time_machine.travel(datetime(2026, 1, 11, 14, tzinfo=UTC), tick=False):
        response = client.get(reverse("clinic:patient", args=[patient.pk]))
    assert "Suggestion — your decision" in response.content.decode()
    assert "Consider returning to the previous dose (1.5 mg)" in response.content.decode()
