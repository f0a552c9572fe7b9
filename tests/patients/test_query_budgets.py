"""Query budgets of the clinician's pages for one patient: each within its budget, and the same
whether the patient has 30 nights or a year of them, and whether the clinician's team has 5
patients or 500."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ldn_journal.accounts.models import User
from patients.models import CareTeamMembership, NightlyEntry, Patient
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan, severe_side_effect
from tests.patients.query_budgets_support import BUDGETS, _queries
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = (2026, 3, 30)


def _more_patients(clinician, n):
    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        User(email=f"q{i}-{tag}@example.org", display_name=f"Q {i}", password="!") for i in range(n)
    )
    patients = Patient.objects.bulk_create(Patient(user=user) for user in users)
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(patient=patient, clinician=clinician) for patient in patients
    )


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("page", list(BUDGETS))
def test_each_patient_page_keeps_its_budget_whatever_the_team_size(
    clinician_client, clinician_a, settings, page
):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    tonight = date(*TONIGHT)
    name, _, fmt = page.partition(" ")
    params = {"start": "2025-03-31", "end": "2026-03-30"} if fmt else None

    def url_of(patient):
        if name == "clinic:plan":
            return reverse(name, kwargs={"patient_id": patient.pk})
        return reverse(name, args=[patient.pk, fmt] if fmt else [patient.pk])

    year, month = (PatientFactory(clinicians=[clinician_a]) for _ in range(2))
    for patient, nights in ((year, 365), (month, 30)):
        give_plan(patient, clinician_a, tonight - timedelta(days=400))
        give_nights([patient], tonight, nights)
        severe_side_effect(NightlyEntry.objects.get(patient=patient, night=tonight))
    _more_patients(clinician_a, 3)
    at_30_nights = _queries(clinician_client, url_of(month), params)
    at_5 = _queries(clinician_client, url_of(year), params)
    _more_patients(clinician_a, 495)
    at_500 = _queries(clinician_client, url_of(year), params)
    assert at_30_nights == at_5 == at_500 <= BUDGETS[page], (at_30_nights, at_5, at_500)


@time_machine.travel(NOW, tick=False)
def test_an_open_urgent_report_and_its_pause_note_cost_the_patient_page_no_query(
    clinician_client, clinician_a, settings
):
    """The pause beside tonight's dose is read from the gate's columns of open reports
    (dashboard.urgent_pause), not from a query of its own."""
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    tonight = date(*TONIGHT)
    patient = PatientFactory(clinicians=[clinician_a])
    give_plan(patient, clinician_a, tonight - timedelta(days=400))
    give_nights([patient], tonight, 30)
    url = reverse("clinic:patient", args=[patient.pk])
    without = _queries(clinician_client, url, None)
    urgent_report(patient, datetime(2026, 3, 31, 8, 30, tzinfo=UTC))
    with_report = _queries(clinician_client, url, None)
    assert "Paused: an urgent report is open" in clinician_client.get(url).content.decode()
    assert with_report == without <= BUDGETS["clinic:patient"], (with_report, without)


@time_machine.travel(NOW, tick=False)
def test_an_open_urgent_report_and_its_pause_note_cost_the_plan_page_no_query_more(
    clinician_client, clinician_a, settings
):
    """The plan page reads the open reports in one query whether there are any or not."""
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    tonight = date(*TONIGHT)
    patient = PatientFactory(clinicians=[clinician_a])
    give_plan(patient, clinician_a, tonight - timedelta(days=400))
    give_nights([patient], tonight, 30)
    url = reverse("clinic:plan", args=[patient.pk])
    without = _queries(clinician_client, url, None)
    urgent_report(patient, datetime(2026, 3, 31, 8, 30, tzinfo=UTC))
    with_report = _queries(clinician_client, url, None)
    assert "Paused: an urgent report is open" in clinician_client.get(url).content.decode()
    assert with_report == without <= BUDGETS["clinic:plan"], (with_report, without)
