"""A visit report over a period with no prescribed night says so: it read "— of prescribed
nights taken (0 of 0); 0 skipped." (read on a patient with no plan yet)."""

import re

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import NOW, TONIGHT, make_plan, sign_hold

pytestmark = pytest.mark.django_db


def _report_text(client, patient, **query):
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("clinic:report", args=[patient.pk]), query).text
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "No prescribed nights in this period."),
        ("de", "Keine verordneten Nächte in diesem Zeitraum."),
        ("es", "No hay noches prescritas en este periodo."),
    ],
)
def test_a_report_without_a_plan_says_there_was_no_prescribed_night(
    clinician_client, clinician_a, patient_a, language, says
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    text = _report_text(clinician_client, patient_a)
    assert says in text
    assert "(0 of 0)" not in text
    assert "(0 von 0)" not in text
    assert "(0 de 0)" not in text


def test_a_report_over_a_hold_says_there_was_no_prescribed_night(
    clinician_client, clinician_a, patient_a
):
    make_plan(patient_a, clinician_a)
    sign_hold(patient_a, clinician_a, TONIGHT, signed=NOW)
    text = _report_text(clinician_client, patient_a, start=TONIGHT.isoformat())
    assert "No prescribed nights in this period." in text


def test_a_report_with_prescribed_nights_counts_them(clinician_client, clinician_a, patient_a):
    make_plan(patient_a, clinician_a)
    text = _report_text(clinician_client, patient_a)
    assert "of prescribed nights taken (0 of " in text
    assert "No prescribed nights" not in text
