"""A moment from another year is written with its year on the lists that keep old items: the
clinician list's "Last reviewed", the urgent reports list and the patient's own reports. "Wed
25 Nov, 10:34" of a year ago read as this week (the kind of date the audit looked for)."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import attention
from patients.models import FlagReview, UrgentReport
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # London is on GMT
A_YEAR_AGO = datetime(2025, 11, 25, 10, 34, tzinfo=UTC)
THIS_MONTH = datetime(2026, 12, 1, 10, 34, tzinfo=UTC)


def _text(page):
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _acknowledged_report(patient, clinician, at):
    report = urgent_report(patient, at)
    UrgentReport.objects.filter(pk=report.pk).update(acknowledged_at=at, acknowledged_by=clinician)
    return report


@pytest.fixture
def on_plan(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2025, 10, 1))
    return patient_a


def test_the_patients_earlier_reports_say_the_year_of_an_old_one(
    patient_client, on_plan, clinician_a
):
    _acknowledged_report(on_plan, clinician_a, A_YEAR_AGO)
    _acknowledged_report(on_plan, clinician_a, THIS_MONTH)
    with time_machine.travel(NOW, tick=False):
        text = _text(patient_client.get(reverse("journal:history")).text)
    assert "Bad reaction reported Tue 25 Nov 2025, 10:34 GMT" in text
    assert "Bad reaction reported Tue 1 Dec, 10:34 GMT" in text


def test_the_urgent_reports_list_says_the_year_of_an_old_report(
    clinician_client, on_plan, clinician_a
):
    _acknowledged_report(on_plan, clinician_a, A_YEAR_AGO)
    with time_machine.travel(NOW, tick=False):
        text = _text(clinician_client.get(reverse("clinic:urgent_reports")).text)
    assert "Tue 25 Nov 2025, 10:34" in text
    assert "Tue 25 Nov, 10:34" not in text


def test_the_patient_list_says_the_year_of_a_review_made_last_year(
    clinician_client, on_plan, clinician_a
):
    FlagReview.objects.create(
        patient=on_plan, reviewed_through=date(2025, 11, 24), reviewed_by=clinician_a, at=A_YEAR_AGO
    )
    with time_machine.travel(NOW, tick=False):
        attention.rebuild(NOW)
        text = _text(clinician_client.get(reverse("clinic:patients")).text)
    assert "25 Nov 2025, 10:34 GMT" in text
