"""Reopening Resume after a restart is signed (found by QA): on hold 5-7 Dec, a restart
signed at step 10 for 8 Dec, not begun. The page opened on step 9 (the default, the dose
before the hold), so changing only the reason and saving re-signed the restart at step 9.
It now opens on the signed restart's step and night."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.models import Formulation
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan, sign_hold, visible_text
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

DEC = {day: date(2026, 12, day) for day in range(1, 32)}
# 15 steps of 3 nights from 10 Nov, 1 mg then up by 0.25 mg: step 9 (3 mg) runs 4-6 Dec.
STEPS = tuple((str(Decimal("1.00") + Decimal("0.25") * index), 3) for index in range(14))
STEPS += (("4.50", None),)
DEC_5_EVENING = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # the night of 5 Dec in London


@pytest.fixture
def patient(clinician):
    """On hold 5-7 Dec (the night before: step 9), restarted at step 10 on 8 Dec."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(
        patient, clinician, steps=STEPS, start=date(2026, 11, 10), formulation=Formulation.OTHER
    )
    sign_hold(
        patient,
        clinician,
        DEC[5],
        DEC[7],
        signed=datetime(2026, 12, 4, 20, 0, tzinfo=UTC),
        restart_on=DEC[8],
        restart_step=9,
        restart_signed=DEC_5_EVENING,
    )
    latest = plans.load(patient).latest
    assert (latest.restarts, latest.start_date, latest.steps_before) == (True, DEC[8], 9)
    return patient


def _opened(client, patient) -> tuple[str, str]:
    """The restart night and the step (its value) the page opens on."""
    with time_machine.travel(DEC_5_EVENING, tick=False):
        response = client.get(reverse("clinic:plan_resume", args=[patient.pk]))
    assert response.status_code == 200
    page = unescape(response.content.decode())
    [checked] = [
        tag for tag in re.findall(r'<input[^>]*name="step"[^>]*>', page) if "checked" in tag
    ]
    [night] = re.findall(r'<input[^>]*name="resume_on"[^>]*value="([^"]*)"', page)
    return night, re.search(r'value="(\d+)"', checked).group(1)


def test_reopened_resume_opens_on_the_signed_restarts_step_and_night(patient, clinician):
    client = signed_in_reauthenticated(clinician)
    assert _opened(client, patient) == ("2026-12-08", "9")  # step 10, 8 Dec


def test_reopened_resume_saved_as_it_opened_keeps_the_restarts_step(patient, clinician):
    """Only the reason changed: nothing to sign (it re-signed the restart at step 9)."""
    client = signed_in_reauthenticated(clinician)
    night, step = _opened(client, patient)
    signed = plans.load(patient).latest.number
    with time_machine.travel(DEC_5_EVENING, tick=False):
        response = client.post(
            reverse("clinic:plan_resume", args=[patient.pk]),
            {
                "based_on": str(signed),
                "resume_on": night,
                "step": step,
                "reason": "Healed sooner than expected",
            },
        )
    assert "Nothing to sign" in visible_text(response.content.decode())
    restart = plans.load(patient).latest
    assert (restart.number, restart.restarts) == (signed, True)
    assert (restart.start_date, restart.steps_before) == (DEC[8], 9)
    assert restart.steps[0].dose_mg == Decimal("3.25")
