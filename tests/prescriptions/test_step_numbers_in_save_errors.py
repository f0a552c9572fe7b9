"""A change's steps refused at its save are named as the plan numbers them: a hold over a
plan restarted at step 2, whose 4.5 mg capsules are no longer on hand, said "Step 1: 4.5 mg
is not an available capsule strength" (found in review)."""

import pytest
import time_machine

from prescriptions.changes import PlanChangeError
from prescriptions.models import Prescription
from tests.patients.journal_support import sign_hold
from tests.prescriptions.step_numbers_support import DEC_6


def test_a_hold_over_a_restarted_plan_names_the_refused_step_by_its_plan_number(
    restarted_at_step_2, clinician_a
):
    patient = restarted_at_step_2
    Prescription.objects.filter(patient=patient).update(strengths=["1.5", "3"])
    with time_machine.travel(DEC_6, tick=False), pytest.raises(PlanChangeError) as refused:
        sign_hold(patient, clinician_a, DEC_6.date(), signed=DEC_6)
    assert "Step 2: 4.5 mg is not an available capsule strength" in str(refused.value)
    assert "Step 1:" not in str(refused.value)
