"""The visit report counts its range by the dosing time of the range's own nights, not
today's: a patient switched from evening to morning dosing on 10 Nov had a report of
October said in "days" (and "of prescribed days taken", "first vs last 14 days"), and one
across the switch said all of it in days, its evenings too."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from patients.clinic.report import counted_in
from prescriptions import plans
from tests.patients.journal_support import make_plan, switch_dosing_time

pytestmark = pytest.mark.django_db
AT_09 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SWITCH = date(2026, 11, 10)


@pytest.fixture
def switched_to_mornings(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, start=date(2026, 10, 1))
    switch_dosing_time(
        patient_a,
        clinician_a,
        "morning",
        SWITCH,
        signed=datetime(2026, 11, 8, 12, 0, tzinfo=UTC),
    )
    return patient_a


def report(client, patient, start, end):
    with time_machine.travel(AT_09, tick=False):
        response = client.get(
            reverse("clinic:report", args=[patient.pk]), {"start": start, "end": end}
        )
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize(
    ("start", "end", "said"),
    [
        ("2026-10-01", "2026-10-31", "nights"),
        ("2026-10-01", "2026-11-09", "nights"),
        ("2026-11-10", "2026-11-24", "days"),
        ("2026-11-09", "2026-11-10", "both"),
        ("2026-10-01", "2026-11-24", "both"),
    ],
)
def test_the_range_is_counted_by_its_own_nights_dosing_time(switched_to_mornings, start, end, said):
    versions = plans.load(switched_to_mornings).versions
    assert counted_in(versions, date.fromisoformat(start), date.fromisoformat(end)) == said


def test_a_report_of_the_evenings_before_a_switch_to_mornings_counts_nights(
    clinician_client, switched_to_mornings
):
    page = report(clinician_client, switched_to_mornings, "2026-10-01", "2026-10-31")
    assert "1 Oct 2026 to 31 Oct 2026 (31 nights)" in page
    assert "of prescribed nights taken" in page
    assert re.search(r"Symptoms: first vs last \d+ nights<", page)
    assert "(31 days)" not in page
    assert "of prescribed days taken" not in page


def test_a_report_across_the_switch_says_nights_and_days(clinician_client, switched_to_mornings):
    page = report(clinician_client, switched_to_mornings, "2026-10-26", "2026-11-24")
    assert "26 Oct 2026 to 24 Nov 2026 (30 nights and days: evening and morning dosing)" in page
    assert "of prescribed nights and days taken" in page
    assert "Symptoms: first vs last 14 nights or days" in page
    assert "(30 days)" not in page
    assert "of prescribed days taken" not in page


def test_a_report_of_the_mornings_after_the_switch_counts_days(
    clinician_client, switched_to_mornings
):
    page = report(clinician_client, switched_to_mornings, "2026-11-10", "2026-11-24")
    assert "10 Nov 2026 to 24 Nov 2026 (15 days)" in page


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "(30 Nächte und Tage: Einnahme abends und morgens)"),
        ("es", "(30 noches y días: toma por la noche y por la mañana)"),
    ],
)
def test_the_words_across_the_switch_are_translated(
    clinician_client, clinician_a, switched_to_mornings, language, said
):
    clinician_a.language = language
    clinician_a.save()
    with translation.override(language):
        page = report(clinician_client, switched_to_mornings, "2026-10-26", "2026-11-24")
    assert said in page
