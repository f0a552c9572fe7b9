"""The Switch dosing time form names each dosing time's first night in that dosing time's
words. A morning doser's form said "Evening dosing: Today (5 Dec) or later" (exploratory
QA): the evening's first night was named under the plan's dosing time (morning)."""

import html
import re

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

# London is on GMT in December: UTC is the patient's wall clock.
MORNING_0923 = "2026-12-05T09:23:00Z"
EVENING_2100 = "2026-12-05T21:00:00Z"


def _help(client, patient) -> str:
    response = client.get(reverse("clinic:plan_dosing_time", args=[patient.pk]))
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(response.text)))
    return re.search(r"Evening dosing: .*? or later\. Morning dosing: .*? or later\.", text)[0]


@pytest.mark.parametrize(
    ("dosing_time", "now", "said"),
    [
        (
            "morning",
            EVENING_2100,
            "Evening dosing: Tonight (5 Dec) or later. Morning dosing: Today (5 Dec) or later.",
        ),
        (
            "morning",
            MORNING_0923,
            "Evening dosing: Tonight (5 Dec) or later. Morning dosing: Today (5 Dec) or later.",
        ),
        (
            "evening",
            EVENING_2100,
            # A switch to mornings starts after tonight's evening dose (first_switch_night).
            "Evening dosing: Tonight (5 Dec) or later. Morning dosing: 6 Dec or later.",
        ),
        (
            "evening",
            MORNING_0923,
            "Evening dosing: Last night (4 Dec) or later. Morning dosing: 6 Dec or later.",
        ),
    ],
)
def test_each_dosing_times_first_night_is_named_in_its_own_words(
    patient_a, clinician_a, dosing_time, now, said
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(now, tick=False):
        assert _help(client, patient_a) == said
