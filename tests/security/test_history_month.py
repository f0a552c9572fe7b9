"""Finding 8: the history calendar's ?month= never answers 500. A month outside the patient's
journal shows the nearest month that has one, and says so."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import NOW, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def journal_since_october(patient_a, clinician_a):
    """Patient A (joined now, November 2026) with nights logged back to October 2026."""
    make_plan(patient_a, clinician_a)
    night = NOW.date().replace(month=10, day=20)
    NightlyEntry.objects.create(patient=patient_a, night=night, status="skipped")
    return night


def history(client, month):
    return client.get(reverse("journal:history"), {"month": month})


@pytest.mark.parametrize(
    "month", ["0001-01", "0001-02", "0000-01", "9999-12", "99999-01", "-1-01", "2026-00", "1-1"]
)
def test_an_extreme_month_never_answers_500(patient_client, journal_since_october, month):
    response = history(patient_client, month)
    assert response.status_code == 200


def test_a_month_before_the_journal_shows_its_first_month_and_says_so(
    patient_client, journal_since_october
):
    page = history(patient_client, "0001-01").content.decode()
    assert "October 2026" in page
    assert "Your journal starts in October 2026" in page
    assert "?month=2026-09" not in page  # no link further back than the journal


def test_a_month_after_tonight_shows_this_month(patient_client, journal_since_october):
    page = history(patient_client, "9999-12").content.decode()
    assert "November 2026" in page
    assert "?month=2026-12" not in page


def test_a_journal_with_no_nights_starts_in_the_month_the_patient_joined(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    patient_a.created_at = NOW - timedelta(days=60)  # late September
    patient_a.save(update_fields=["created_at"])
    page = history(patient_client, "2020-01").content.decode()
    assert "Your journal starts in September 2026" in page
