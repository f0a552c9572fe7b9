"""Query budgets of the clinician's pages for one patient with a year of nights: each within
its budget, and the same whether the clinician's team has 5 patients or 500."""

import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldn_journal.accounts.models import User
from patients.models import CareTeamMembership, NightlyEntry, Patient
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan, severe_side_effect

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = (2026, 3, 30)

# Issue 18 added one query to every clinician page: the break-glass banner reads the
# clinician's active grants (not the session), so it shows in each of their sessions.
BUDGETS = {
    "clinic:patient": 14,  # 12, the navigation's count of open urgent reports, the banner
    "clinic:report": 15,
    "clinic:plan": 12,
    # Allauth's re-authentication check takes four of these; the download three a chunk of
    # 500 nights (nights, side effects, extra scores) while it streams; one finds where the
    # whole record starts (the default range, issue 17); FHIR also reads every prescription's
    # versions (ended ones too), one more.
    "clinic:export csv": 16,
    "clinic:export fhir": 18,
}


def _more_patients(clinician, n):
    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        User(email=f"q{i}-{tag}@example.org", display_name=f"Q {i}", password="!") for i in range(n)
    )
    patients = Patient.objects.bulk_create(Patient(user=user) for user in users)
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(patient=patient, clinician=clinician) for patient in patients
    )


def _queries(client, url, params):
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, response.get("Location")
    return len(queries)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("page", list(BUDGETS))
def test_each_patient_page_keeps_its_budget_whatever_the_team_size(
    clinician_client, clinician_a, settings, page
):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    tonight = date(*TONIGHT)
    patient = PatientFactory(clinicians=[clinician_a])
    give_plan(patient, clinician_a, tonight - timedelta(days=400))
    give_nights([patient], tonight, 365)
    severe_side_effect(NightlyEntry.objects.get(patient=patient, night=tonight))
    _more_patients(clinician_a, 4)
    name, _, fmt = page.partition(" ")
    if name == "clinic:plan":
        url = reverse(name, kwargs={"patient_id": patient.pk})
    else:
        url = reverse(name, args=[patient.pk, fmt] if fmt else [patient.pk])
    params = {"start": "2025-03-31", "end": "2026-03-30"} if fmt else None
    at_5 = _queries(clinician_client, url, params)
    _more_patients(clinician_a, 495)
    at_500 = _queries(clinician_client, url, params)
    assert at_5 == at_500 <= BUDGETS[page], at_5
