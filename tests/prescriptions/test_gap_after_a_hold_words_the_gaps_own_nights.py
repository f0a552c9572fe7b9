"""A dated hold that would leave nights with neither a hold nor a dose before the restart
(or the steps) signed after it is refused in the words of those nights' dosing time, not
tonight's (found by review).

On 2 mg each evening tonight (2 Dec), mornings signed from 10 Dec. The refusal of a hold
ending on 11 Dec, before a restart signed for 15 Dec, said "the nights between" of 12-14 Dec,
mornings: the Hold form and every other gap message (gap_dosing_time) say "days" there.
"""

from datetime import UTC, date, datetime

import pytest

from prescriptions import changes, plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import sign_change, sign_hold
from tests.prescriptions.factories import plan_steps

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


def _versions(patient):
    return PlanVersion.objects.filter(prescription__patient=patient).count()


def _refusal(patient, clinician, first, last):
    before = _versions(patient)
    with pytest.raises(changes.PlanChangeError) as refused:
        sign_hold(patient, clinician, DEC[first], DEC[last], signed=NOW)
    assert _versions(patient) == before
    return str(refused.value)


def test_a_hold_ending_before_the_signed_restart_speaks_of_the_days_between(
    morning_switch_pending, clinician
):
    patient = morning_switch_pending
    sign_hold(patient, clinician, DEC[5], signed=NOW, restart_on=DEC[15])
    assert plans.load(patient).dosing_time_on(DEC[12]) == "morning"
    assert _refusal(patient, clinician, 5, 11) == (
        "This hold would end on 11 Dec 2026, but the restart signed for the plan begins on "
        "15 Dec 2026: the days between would have no dose and no hold. End the hold on "
        "14 Dec 2026, or sign the restart again after the hold."
    )


def test_a_hold_ending_before_steps_that_carry_the_hold_names_the_day_to_resume_on(
    morning_switch_pending, clinician
):
    """Held until resumed from 3 Dec; steps signed from 25 Dec carry the hold on."""
    patient = morning_switch_pending
    sign_hold(patient, clinician, DEC[3], signed=NOW)
    sign_change(
        patient,
        clinician,
        lambda plan: changes.steps_change(
            plan.latest,
            effective_night=DEC[25],
            start_date=DEC[25],
            steps=plan_steps((("3", None),)),
            reason="Review",
            versions=tuple(plan.versions),
        ),
        NOW,
    )
    assert _refusal(patient, clinician, 10, 12) == (
        "This hold would end on 12 Dec 2026, but no restart is signed: the steps signed from "
        "25 Dec 2026 would begin only then, and the days between would have no dose and no "
        "hold. To restart LDN after this hold, use Resume with the day of 13 Dec 2026; or "
        "end the hold on 24 Dec 2026."
    )
