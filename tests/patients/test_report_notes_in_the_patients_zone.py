"""The visit report picks the notes of its range by their date in the patient's zone, the
zone it shows them in, not the viewing clinician's.

For a patient in Adak (UTC-10) read by a clinician in London, a report of 1 to 30 Mar listed
a note the page dated 28 Feb and left out one written on the evening of 31 Mar, the day
after the last night (which the range keeps): two clinicians in two zones printed two
different reports of one range (found by exploratory QA).
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.models import ClinicianNote
from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_adak(patient_a, clinician_a):
    patient_a.time_zone = "America/Adak"
    patient_a.save()
    give_plan(patient_a, clinician_a, date(2026, 2, 1))
    give_nights([patient_a], date(2026, 3, 30), 40)
    for text, at in [
        ("Before the range", datetime(2026, 3, 1, 5, 0, tzinfo=UTC)),  # 28 Feb, 19:00 in Adak
        ("Morning after", datetime(2026, 4, 1, 5, 0, tzinfo=UTC)),  # 31 Mar, 19:00 in Adak
        ("Inside", datetime(2026, 3, 15, 22, 0, tzinfo=UTC)),
    ]:
        ClinicianNote.objects.create(
            patient=patient_a, author=clinician_a, text=text, created_at=at
        )
    return patient_a


@time_machine.travel("2026-04-02T09:00:00Z", tick=False)
def test_the_reports_notes_are_those_of_its_range_in_the_patients_zone(clinician_client, in_adak):
    page = clinician_client.get(
        reverse("clinic:report", args=[in_adak.pk]),
        {"start": "2026-03-01", "end": "2026-03-30", "notes": "1"},
    ).text
    assert "Inside" in page
    assert "Morning after" in page
    assert "Before the range" not in page
    assert "28 Feb 2026" not in page
