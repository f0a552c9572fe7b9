"""The increase question reaches the first dose after a hold: a steps change whose last
step began inside a hold (2 mg, held 6-8 Dec, then 4.5 mg on 9 Dec: +2.5 mg) was saved
without it, since the check stopped at the last step's first night, a held one (found by
QA). New steps, a restart and a switch of dosing time ask through the one check
(safety.increase_warnings)."""

from datetime import UTC, date, datetime

import pytest

from prescriptions import plans
from prescriptions.changes import NeedsConfirmation, dosing_time_change, steps_change
from tests.patients.journal_support import make_plan, sign_change, sign_hold
from tests.prescriptions.factories import plan_steps

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 14:00 in London: tonight is 5 Dec
DEC_4, DEC_6, DEC_7, DEC_8 = (date(2026, 12, day) for day in (4, 6, 7, 8))


def test_new_steps_whose_last_step_begins_inside_a_hold_ask_the_increase_after_it(
    patient_on_2mg, clinician
):
    sign_hold(patient_on_2mg, clinician, DEC_6, DEC_8, signed=SIGNED)

    def change(plan):
        return steps_change(
            plan.latest,
            effective_night=DEC_6,
            start_date=DEC_4,
            steps=plan_steps((("4", 2), ("4.5", None))),
            reason="Faster",
            versions=tuple(plan.versions),
        )

    with pytest.raises(NeedsConfirmation) as asked:
        sign_change(patient_on_2mg, clinician, change, SIGNED, confirmed_start=(DEC_6, 2))
    assert "4.5 mg on the night of 9 Dec 2026 after 2 mg" in str(asked.value)
    assert "an increase of 2.5 mg" in str(asked.value)
    assert plans.load(patient_on_2mg).latest.number == 2


def test_a_switch_of_dosing_time_inside_a_hold_asks_the_increase_after_it(patient_a, clinician_a):
    """2 mg until 5 Dec, 3 mg on 6-7 Dec, then 4 mg: held 6-9 Dec, the patient goes from 2
    to 4 mg on 10 Dec; a switch to mornings from 7 Dec signs those nights again."""
    make_plan(
        patient_a,
        clinician_a,
        steps=(("2", 35), ("3", 2), ("4", None)),
        formulation="other",
    )
    # The hold over the whole 3 mg step asks (and is confirmed) for 2 then 4 mg itself.
    sign_hold(
        patient_a, clinician_a, DEC_6, date(2026, 12, 9), signed=SIGNED, confirmed_increase=True
    )

    def switch(plan):
        return dosing_time_change(
            plan.latest,
            dosing_time="morning",
            effective_night=DEC_7,
            reason="Insomnia",
            versions=tuple(plan.versions),
        )

    with pytest.raises(NeedsConfirmation) as asked:
        sign_change(patient_a, clinician_a, switch, SIGNED)
    assert "4 mg on the night of 10 Dec 2026 after 2 mg" in str(asked.value)


def test_a_later_hold_the_change_signs_again_is_judged_as_the_plan_doses(patient_on_2mg, clinician):
    """Held 6-8 and 12-14 Dec; new steps from 5 Dec: 1.5 mg, 2.5 mg from 6 Dec, 3.5 mg from
    13 Dec, 4.25 mg from 15 Dec. The second hold, signed again after the change, hides the
    3.5 mg step: 2.5 mg on 11 Dec, then 4.25 mg on 15 Dec (+1.75 mg)."""
    sign_hold(patient_on_2mg, clinician, DEC_6, DEC_8, signed=SIGNED)
    sign_hold(patient_on_2mg, clinician, date(2026, 12, 12), date(2026, 12, 14), signed=SIGNED)

    def change(plan):
        return steps_change(
            plan.latest,
            effective_night=date(2026, 12, 5),
            start_date=date(2026, 12, 5),
            steps=plan_steps((("1.5", 1), ("2.5", 7), ("3.5", 2), ("4.25", None))),
            reason="Slower",
            versions=tuple(plan.versions),
        )

    with pytest.raises(NeedsConfirmation) as asked:
        sign_change(patient_on_2mg, clinician, change, SIGNED)
    assert "4.25 mg on the night of 15 Dec 2026 after 2.5 mg" in str(asked.value)
