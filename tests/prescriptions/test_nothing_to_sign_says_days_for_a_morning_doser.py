"""The save's other refusals name a morning doser's dates as days, as the forms they answer
do: "Nothing to sign: ... (the same dose on the same nights)", "Give the hold a last night"
and "the nights between would have no dose and no hold" were said to a morning doser under
labels reading "the day of" (changes._nothing_to_sign and _check_no_gap_after_hold now read
changes.words_dosing_time, as the form does)."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import make_plan, sign_hold
from tests.prescriptions.factories import steps_data
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # London: tonight (today) is 3 Dec
HOLD_SIGNED = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


def _post(clinician, patient, name, data):
    with time_machine.travel(NOW, tick=False):
        response = signed_in_reauthenticated(clinician).post(
            reverse(name, args=[patient.pk]),
            {"based_on": str(plans.load(patient).latest.number), "reason": "Review", **data},
        )
    assert response.status_code == 200
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _same_steps(patient, clinician):
    return _post(
        clinician,
        patient,
        "clinic:plan_change",
        {
            "effective_night": "2026-12-03",
            "start_date": "2026-11-01",
            **steps_data([("1.5", "60"), ("3", "14"), ("4.5", "")]),
        },
    )


def _same_hold(patient, clinician):
    sign_hold(patient, clinician, date(2026, 12, 5), signed=HOLD_SIGNED)
    return _post(
        clinician,
        patient,
        "clinic:plan_hold",
        {"hold_reason": "other", "hold_from": "2026-12-05", "hold_until": ""},
    )


def _hold_ending_before_the_restart(patient, clinician):
    sign_hold(
        patient, clinician, date(2026, 12, 2), signed=HOLD_SIGNED, restart_on=date(2026, 12, 10)
    )
    return _post(
        clinician,
        patient,
        "clinic:plan_hold",
        {"hold_reason": "other", "hold_from": "2026-12-04", "hold_until": "2026-12-05"},
    )


CASES = {
    "same steps": (_same_steps, "(the same dose on the same {unit}s)"),
    "same hold": (_same_hold, "Give the hold a last {unit}, or go back."),
    "hold ending before the restart": (
        _hold_ending_before_the_restart,
        "the {unit}s between would have no dose and no hold",
    ),
}
UNIT = {"evening": "night", "morning": "day"}


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_saves_refusal_names_the_dates_as_the_form_does(
    patient_a, clinician_a, dosing_time, case
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    post, expected = CASES[case]
    text = post(patient_a, clinician_a)
    other = "morning" if dosing_time == "evening" else "evening"
    assert expected.format(unit=UNIT[dosing_time]) in text
    assert expected.format(unit=UNIT[other]) not in text
