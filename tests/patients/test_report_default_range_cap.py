"""The visit report's default range is capped at two years, as the export's is: the range a
report with no dates shows is the one a CSV or FHIR export with no dates holds, and a range
refused (a bad date, a start after the end) falls back to that same range.

For a patient with four years of record, the report with no dates (the link from the
patient page) covered all 1,501 nights with no notice, while "?start=&end=" was cut to 731
with one and the export with no dates held the last two years; a bad date showed the
whole record too (found by exploratory QA).
"""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.clinic.forms import MAX_RANGE_DAYS
from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
TONIGHT = date(2026, 3, 30)
LAST_TWO_YEARS = (TONIGHT - timedelta(days=MAX_RANGE_DAYS - 1), TONIGHT)


@pytest.fixture
def four_years(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=1500))
    give_nights([patient_a], TONIGHT, 30)
    return patient_a


def report_range(client, patient, params):
    response = client.get(reverse("clinic:report", args=[patient.pk]), params)
    assert response.status_code == 200
    report = response.context["report"]
    return (report["start"], report["end"]), response.text


def export_range(client, patient):
    response = client.get(reverse("clinic:export", args=[patient.pk, "csv"]))
    found = re.search(r"ldn-journal-patient-\d+-(\S+)_(\S+)\.csv", response["Content-Disposition"])
    return tuple(date.fromisoformat(day) for day in found.groups())


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
@pytest.mark.parametrize("params", [{}, {"notes": "1"}, {"start": "", "end": ""}])
def test_a_report_with_no_dates_covers_the_last_two_years_as_the_export_does(
    clinician_client, four_years, params
):
    shown, text = report_range(clinician_client, four_years, params)
    assert shown == LAST_TWO_YEARS == export_range(clinician_client, four_years)
    assert "Ranges are limited to 731 days (two years)" in text


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
@pytest.mark.parametrize(
    "params",
    [{"start": "2026-02-30"}, {"start": "2026-03-30", "end": "2026-03-01"}, {"end": "soon"}],
)
def test_a_refused_range_shows_the_default_range_not_the_whole_record(
    clinician_client, four_years, params
):
    shown, text = report_range(clinician_client, four_years, params)
    assert shown == LAST_TWO_YEARS
    assert "Please check this form" in text
