"""A refused export range is said once, beside the picker it came from: QA reported "The
start date is after the end date…" twice on the clinician's patient page after the export
sent them back. The export adds no message of its own for the page to show as well (the
picker re-reads the range and says what is wrong); the patient's own export page, which has
no form to put it in, says it once as a message."""

import html
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)
BACKWARDS = {"start": "2026-03-30", "end": "2026-03-01"}
SAID = "The start date is after the end date: choose a start on or before the end."


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=40))
    give_nights([patient_a], TONIGHT, 30, dose="4.5")
    return patient_a


def _followed(client, response):
    assert response.status_code == 302
    return html.unescape(client.get(response["Location"].split("#")[0]).text)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_the_clinicians_patient_page_says_a_backwards_range_once(clinician_client, journal, fmt):
    url = reverse("clinic:export", args=[journal.pk, fmt])
    page = _followed(clinician_client, clinician_client.get(url, BACKWARDS))
    assert page.count(SAID) == 1
    picker = page[page.index('id="export"') : page.index("</form>", page.index('id="export"'))]
    assert SAID in picker


@time_machine.travel(NOW, tick=False)
def test_the_patients_export_page_says_a_backwards_range_once(patient_client, journal):
    url = reverse("journal:export_format", args=["csv"])
    page = _followed(patient_client, patient_client.get(url, BACKWARDS))
    assert page.count(SAID) == 1
