"""A steps change that leaves a dosing patient without LDN before step 1 asks to confirm
the gap (found by QA): on maintenance 4.5 mg, a change from tonight whose step 1 started
on 1 Jan was saved without a word, and the patient read "No LDN — from 4 Dec to 31 Dec".
Now the save (changes.nights_without_ldn) refuses it until "I confirm the nights without
LDN" is ticked, saying how many nights and which; the version records the confirmation."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans, titration
from tests.patients.journal_support import make_plan, visible_text
from tests.prescriptions.factories import steps_data
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # London: tonight is 3 Dec
GAP = "without LDN for 29 nights, from 3 Dec 2026 to 31 Dec 2026"


def _post(client, patient, start, **extra):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("clinic:plan_change", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "effective_night": "2026-12-03",
                "start_date": start,
                "reason": "New year restart",
                **steps_data([("4.5", "")]),
                **extra,
            },
        )


@pytest.fixture
def client(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("4.5", None),))
    return signed_in_reauthenticated(clinician_a)


def test_a_change_leaving_nights_without_ldn_is_not_saved_until_confirmed(client, patient_a):
    response = _post(client, patient_a, "2027-01-01")
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert GAP in text
    assert "before step 1 starts on the night of 1 Jan 2027" in text
    assert "nothing was saved" in text
    assert 'name="confirm_gap"' in response.content.decode()
    assert plans.load(patient_a).latest.number == 1


def test_the_confirmed_gap_is_saved_and_recorded(client, patient_a):
    response = _post(client, patient_a, "2027-01-01", confirm_gap="on")
    assert response.status_code == 302
    view = plans.load(patient_a)
    assert view.latest.number == 2
    assert view.status_on(date(2026, 12, 10)) == titration.NOT_STARTED
    assert GAP in view.latest_row.confirmed_safety_warning


def test_a_change_whose_step_1_starts_on_its_first_night_asks_nothing(client, patient_a):
    response = _post(client, patient_a, "2026-12-03")
    assert response.status_code == 302
    assert plans.load(patient_a).latest_row.confirmed_safety_warning == ""
