"""The edges of the calendar in every date range a page takes (visit report, CSV and FHIR
exports, the patient page's export picker, the patient's own export): never a 500.

A start of 1 Jan 0001 was a 500 on the visit report (the night before it is no date); a start
before 1 Jan 1900 is refused now with a message that says what is allowed."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from patients.clinic.forms import DateRangeForm
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)
EARLIEST = "The earliest start date is 1 Jan 1900"

RANGES = [
    {"start": "0001-01-01", "end": "0001-01-05"},
    {"start": "0001-01-01", "end": "0001-01-01"},
    {"start": "0001-01-01", "end": "2026-03-01"},
    {"start": "1899-12-31", "end": "1900-01-05"},
    {"start": "0001-01-01"},
    {"end": "0001-01-01"},
    {"start": "9999-12-31", "end": "9999-12-31"},
    {"start": "2026-03-01", "end": "9999-12-31"},
    {"start": "0001-01-01", "end": "9999-12-31"},
    {"end": "9999-12-31"},
]
IDS = ["&".join(f"{k}={v}" for k, v in r.items()) for r in RANGES]


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=40))
    give_nights([patient_a], TONIGHT, 30, dose="4.5")
    return patient_a


def clinic_urls(patient):
    return [
        reverse("clinic:report", args=[patient.pk]),
        reverse("clinic:export", args=[patient.pk, "csv"]),
        reverse("clinic:export", args=[patient.pk, "fhir"]),
        reverse("clinic:patient", args=[patient.pk]),
    ]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("query", RANGES, ids=IDS)
def test_no_page_taking_a_range_answers_500_at_the_calendars_edges(
    clinician_client, journal, query
):
    patient_client = Client()  # the clinician's fixture client is the `client` fixture
    patient_client.force_login(journal.user)
    mark_reauthenticated(patient_client, journal.user)
    for url in clinic_urls(journal):
        response = clinician_client.get(url, query)
        assert response.status_code in (200, 302), (url, response.status_code)
        if response.status_code == 302:
            assert clinician_client.get(response["Location"].split("#")[0]).status_code == 200
    for fmt in ("csv", "fhir"):
        response = patient_client.get(reverse("journal:export_format", args=[fmt]), query)
        assert response.status_code in (200, 302), (fmt, response.status_code)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("start", ["0001-01-01", "1899-12-31"])
def test_the_visit_report_refuses_a_start_before_1900_saying_what_is_allowed(
    clinician_client, journal, start
):
    url = reverse("clinic:report", args=[journal.pk])
    page = clinician_client.get(url, {"start": start, "end": "0001-01-05"})
    assert page.status_code == 200
    assert EARLIEST in page.text


@time_machine.travel(NOW, tick=False)
def test_a_refused_export_start_comes_back_to_the_picker_with_the_message(
    clinician_client, journal
):
    url = reverse("clinic:export", args=[journal.pk, "csv"])
    response = clinician_client.get(url, {"start": "0001-01-01", "end": "0001-01-05"})
    assert response.status_code == 302
    page = clinician_client.get(response["Location"].split("#")[0]).text
    assert EARLIEST in page


@pytest.mark.parametrize(
    ("start", "valid"),
    [("0001-01-01", False), ("1899-12-31", False), ("1900-01-01", True), ("1900-01-02", True)],
)
def test_the_range_form_takes_a_start_from_1900_on(start, valid):
    form = DateRangeForm(
        {"start": start, "end": "1900-01-05"},
        default_start=date(2026, 1, 1),
        default_end=TONIGHT,
    )
    assert form.is_valid() is valid
    if not valid:
        assert EARLIEST in " ".join(form.errors["start"])


@time_machine.travel(NOW, tick=False)
def test_the_patients_own_export_refuses_a_range_longer_than_two_years_and_says_only_that(
    journal,
):
    """A ten-year range was cut with a message left for a later page, where it stood beside
    the next refusal ("limited to 731 days: showing ..." and "the earliest start is ...";
    exploratory testing). Refused, on the export page, with only its own reason."""
    patient_client = Client()
    patient_client.force_login(journal.user)
    mark_reauthenticated(patient_client, journal.user)
    url = reverse("journal:export_format", args=["csv"])
    response = patient_client.get(url, {"start": "2016-01-01"}, follow=True)
    assert not response.streaming
    page = response.content.decode()
    assert "An export covers at most 731 days (two years)" in page
    assert "Ranges are limited" not in page
    response = patient_client.get(url, {"start": "0001-01-01"}, follow=True)
    page = response.content.decode()
    assert EARLIEST in page
    assert "731 days" not in page


@time_machine.travel(NOW, tick=False)
def test_the_patients_refused_export_keeps_the_dates_typed(journal):
    """A refused range came back to an empty picker: the patient typed both dates again
    (found by QA, h3). They are back in their fields, with the reason."""
    patient_client = Client()
    patient_client.force_login(journal.user)
    mark_reauthenticated(patient_client, journal.user)
    url = reverse("journal:export_format", args=["fhir"])
    response = patient_client.get(url, {"start": "2016-01-01", "end": "2026-01-05"})
    assert response.status_code == 302
    page = patient_client.get(response["Location"]).content.decode()
    assert "An export covers at most 731 days (two years)" in page
    assert 'name="start" value="2016-01-01"' in page
    assert 'name="end" value="2026-01-05"' in page
    # What is typed is shown, escaped, never run.
    response = patient_client.get(url, {"start": '"><script>x</script>'})
    page = patient_client.get(response["Location"]).content.decode()
    assert "<script>x" not in page
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
