"""Times typed on the "Different dose or time" form in the hour a daylight-saving change
repeats or skips. They mean what they mean everywhere else (patients/rules/nights.py): a time
that occurs twice is its first occurrence, a skipped time is the instant of the jump. Django's
own DateTimeField refused both, so such a dose could not be entered, and the form refused its
own prefilled "now" in the repeated hour."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

# (zone, night, the wall time typed, the instant it means). Fall-back: the first occurrence
# (summer time); spring-forward: the instant the clocks jump.
CASES = [
    pytest.param(
        "Europe/London",
        date(2027, 10, 30),
        "2027-10-31T01:20",
        datetime(2027, 10, 31, 0, 20, tzinfo=UTC),
        id="london-fall-back-0120-bst",
    ),
    pytest.param(
        "Europe/London",
        date(2027, 3, 27),
        "2027-03-28T01:30",
        datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
        id="london-spring-forward-0130-is-0200-bst",
    ),
    pytest.param(
        "Europe/Berlin",
        date(2027, 10, 30),
        "2027-10-31T02:30",
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
        id="berlin-fall-back-0230-cest",
    ),
    pytest.param(
        "Europe/Berlin",
        date(2027, 3, 27),
        "2027-03-28T02:30",
        datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
        id="berlin-spring-forward-0230-is-0300-cest",
    ),
    pytest.param(
        "America/New_York",
        date(2027, 11, 6),
        "2027-11-07T01:30",
        datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
        id="new-york-fall-back-0130-edt",
    ),
    pytest.param(
        "America/New_York",
        date(2027, 3, 13),
        "2027-03-14T02:30",
        datetime(2027, 3, 14, 7, 0, tzinfo=UTC),
        id="new-york-spring-forward-0230-is-0300-edt",
    ),
]


def _patient(clinician, zone, night):
    patient = PatientFactory(time_zone=zone, clinicians=[clinician])
    make_plan(patient, clinician, steps=(("1.5", None),), start=night - timedelta(days=7))
    return patient


@pytest.mark.parametrize(("zone", "night", "typed", "instant"), CASES)
def test_a_dose_time_in_a_repeated_or_skipped_hour_is_stored_by_the_nights_rule(
    client, clinician_a, zone, night, typed, instant
):
    patient = _patient(clinician_a, zone, night)
    with time_machine.travel(instant + timedelta(hours=2), tick=False):
        client.force_login(patient.user)
        response = client.post(
            reverse("journal:evening", args=[night]),
            {"submission_id": str(uuid.uuid4()), "dose": "1.5", "taken_at": typed},
        )
    assert response.status_code == 302, response.content.decode()
    entry = NightlyEntry.objects.get(patient=patient)
    assert entry.night == night
    assert entry.taken_at == instant


@pytest.mark.parametrize(("zone", "night", "typed", "instant"), CASES)
def test_a_bedtime_in_a_repeated_or_skipped_hour_is_stored_by_the_nights_rule(
    client, clinician_a, zone, night, typed, instant
):
    patient = _patient(clinician_a, zone, night)
    taken = f"{night.isoformat()}T22:00"
    with time_machine.travel(instant + timedelta(hours=2), tick=False):
        client.force_login(patient.user)
        response = client.post(
            reverse("journal:evening", args=[night]),
            {
                "submission_id": str(uuid.uuid4()),
                "dose": "1.5",
                "taken_at": taken,
                "bedtime": typed,
            },
        )
    assert response.status_code == 302, response.content.decode()
    assert NightlyEntry.objects.get(patient=patient).bedtime == instant


def _input_value(page, name):
    found = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert len(found) == 1, found
    value = re.search(r'value="([^"]*)"', found[0])
    return value.group(1) if value else ""


def test_the_prefilled_form_in_the_repeated_hour_is_stored_when_posted_back(client, clinician_a):
    night = date(2027, 10, 30)
    now = datetime(2027, 10, 31, 0, 20, tzinfo=UTC)  # 01:20 BST, the first 01:20 in London
    patient = _patient(clinician_a, "Europe/London", night)
    url = reverse("journal:evening", args=[night])
    with time_machine.travel(now, tick=False):
        client.force_login(patient.user)
        page = client.get(url).content.decode()
        data = {name: _input_value(page, name) for name in ("submission_id", "dose", "taken_at")}
        assert data["taken_at"] == "2027-10-31T01:20"
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    entry = NightlyEntry.objects.get(patient=patient)
    assert (entry.night, entry.taken_at, entry.dose_mg) == (night, now, Decimal("1.50"))
