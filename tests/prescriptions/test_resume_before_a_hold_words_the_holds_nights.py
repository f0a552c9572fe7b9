"""A restart before a hold that has not begun is refused in the words of the hold's own
first night: an evening hold from 8 Dec, with mornings signed from 20 Dec after it, was
refused as starting "on the day of 8 Dec" (the newest version's dosing time)."""

from datetime import date

import pytest

from prescriptions import plans, titration
from prescriptions.changes import PlanChangeError, resume_change
from tests.patients.journal_support import sign_hold, switch_dosing_time
from tests.prescriptions.conftest import SWITCHES_SIGNED

pytestmark = pytest.mark.django_db

DEC = {day: date(2026, 12, day) for day in range(1, 32)}


def test_a_restart_before_an_evening_hold_is_refused_in_nights_with_mornings_signed_after_it(
    patient_on_2mg, clinician
):
    sign_hold(patient_on_2mg, clinician, DEC[8], DEC[10], signed=SWITCHES_SIGNED)
    switch_dosing_time(
        patient_on_2mg, clinician, titration.MORNING, DEC[20], signed=SWITCHES_SIGNED
    )
    plan = plans.load(patient_on_2mg)
    with pytest.raises(PlanChangeError) as refused:
        resume_change(
            plan.latest,
            tonight_night=DEC[2],
            resume_on=DEC[5],
            step_index=0,
            reason="Surgery moved",
            versions=plan.versions,
            first_night=DEC[2],
        )
    assert "it starts on the night of 8 Dec 2026" in str(refused.value)
    assert "restart after its last night" in str(refused.value)
