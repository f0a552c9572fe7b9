"""The Resume page's default "Restart at" step after a hold (found by QA): it was the step
index the patient was on the night before the hold, of the version then in effect (3 steps,
the third), while the choices are the newest version's (2 steps), so no choice was checked.
Now the default is a step of the list shown: the one at the dose the patient was on before
the hold, else the nearest lower dose, else the first (titration.restart_step_index)."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from prescriptions import changes
from prescriptions.titration import restart_step_index
from tests.patients.journal_support import make_plan, sign_change, sign_hold
from tests.prescriptions.factories import plan_steps
from tests.prescriptions.test_hold_until_a_signed_restart import NOW
from tests.security.reauth import mark_reauthenticated

SIGNED = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _checked_steps(html):
    inputs = re.findall(r'<input[^>]*name="step"[^>]*>', html)
    return [re.search(r'value="(\d+)"', tag).group(1) for tag in inputs if "checked" in tag]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("newest_steps", "expected"),
    [
        ((("3", 14), ("4.5", None)), "1"),  # 4.5 mg before the hold: the same dose
        ((("1.5", 14), ("3", None)), "1"),  # no 4.5 mg step: the nearest lower, 3 mg
    ],
)
def test_the_default_restart_step_is_one_of_the_steps_offered(
    patient_a, clinician_a, newest_steps, expected
):
    # Version 1: three steps, the patient on the third (4.5 mg) by December.
    make_plan(patient_a, clinician_a, steps=(("1.5", 10), ("3", 10), ("4.5", None)))
    # Version 2: two steps, from 10 Dec; version 3: an open-ended hold from 3 Dec before it.
    sign_change(
        patient_a,
        clinician_a,
        lambda plan: changes.steps_change(
            plan.latest,
            effective_night=date(2026, 12, 10),
            start_date=date(2026, 12, 10),
            steps=plan_steps(newest_steps),
            reason="Shorter plan",
        ),
        SIGNED,
    )
    sign_hold(patient_a, clinician_a, date(2026, 12, 3), signed=SIGNED, reason="Urgent report")
    client = Client()
    client.force_login(clinician_a)
    mark_reauthenticated(client, clinician_a)
    with time_machine.travel(NOW, tick=False):
        html = client.get(reverse("clinic:plan_resume", args=[patient_a.pk])).content.decode()
    assert len(re.findall(r'<input[^>]*name="step"', html)) == 2
    assert _checked_steps(html) == [expected]


def test_restart_step_index():
    steps = plan_steps((("1.5", 14), ("3", 14), ("3", 7), ("4.5", None)))
    assert restart_step_index(steps, D("3")) == 1
    assert restart_step_index(steps, D("4")) == 1
    assert restart_step_index(steps, D("6")) == 3
    assert restart_step_index(steps, D("1")) == 0
    assert restart_step_index(steps, None) == 0
