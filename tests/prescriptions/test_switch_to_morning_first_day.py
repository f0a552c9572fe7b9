"""A switch to morning dosing starts on a day whose morning is still ahead (found by QA):
at 11:05 on 3 Dec in Chicago an evening doser's current night is still 2 Dec (until noon),
and a switch to mornings from 2 Dec was signed: the night of 2 Dec, whose evening window
had closed, became "Day of Wednesday 2 December" with nothing logged, and the patient's
card jumped to 3 Dec. A change never alters how an earlier night is judged (DESIGN §4):
the switch is refused with the first day allowed (changes.first_switch_night), and the
form opens on that day."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

# 11:05 CST on Thursday 3 Dec 2026: the evening night of 2 Dec is current until noon.
MID_MORNING = datetime(2026, 12, 3, 17, 5, tzinfo=UTC)
# 23:00 CST on Wednesday 2 Dec: the night of 2 Dec, its morning long gone.
LATE_EVENING = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)


def _setup(patient, clinician):
    patient.time_zone = "America/Chicago"
    patient.save()
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)))
    return signed_in_reauthenticated(clinician)


def _post(client, patient, night, now):
    with time_machine.travel(now, tick=False):
        return client.post(
            reverse("clinic:plan_dosing_time", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "dosing_time": "morning",
                "effective_night": str(night),
                "reason": "Poor sleep",
            },
        )


@pytest.mark.parametrize(
    ("now", "night", "first"),
    [
        (MID_MORNING, date(2026, 12, 2), "4 Dec 2026"),
        (MID_MORNING, date(2026, 12, 3), "4 Dec 2026"),
        (LATE_EVENING, date(2026, 12, 2), "3 Dec 2026"),
    ],
)
def test_a_switch_to_mornings_on_a_day_already_begun_is_refused_naming_the_first_day(
    patient_a, clinician_a, now, night, first
):
    client = _setup(patient_a, clinician_a)
    response = _post(client, patient_a, night, now)
    assert response.status_code == 200
    html = response.content.decode()
    assert first in html
    assert "nothing was saved" in html.lower() or "earliest" in html.lower()
    view = plans.load(patient_a)
    assert view.latest.number == 1
    assert view.dosing_time_on(date(2026, 12, 2)) == "evening"


def test_a_switch_to_mornings_from_the_first_day_allowed_is_signed(patient_a, clinician_a):
    client = _setup(patient_a, clinician_a)
    response = _post(client, patient_a, date(2026, 12, 4), MID_MORNING)
    assert response.status_code == 302
    view = plans.load(patient_a)
    assert view.dosing_time_on(date(2026, 12, 3)) == "evening"
    assert view.dosing_time_on(date(2026, 12, 4)) == "morning"


def test_the_switch_form_opens_on_the_first_day_allowed(patient_a, clinician_a):
    client = _setup(patient_a, clinician_a)
    with time_machine.travel(MID_MORNING, tick=False):
        html = client.get(reverse("clinic:plan_dosing_time", args=[patient_a.pk])).content
    value = re.search(rb'name="effective_night"[^>]*value="([^"]+)"', html)[1].decode()
    assert value == "2026-12-04"
