"""My plan under a hold with a restart signed lists the restart's steps, from its first
night: it listed the held version's ("1.5 mg from 1 Nov to 30 Dec, 3 mg from 31 Dec
onwards") beside "From Thursday 10 December: 3 mg" (found by exploratory QA)."""

import pytest

from tests.patients.journal_support import your_steps
from tests.prescriptions.test_hold_until_a_signed_restart import NOW, _held_from_dec_2, _resume

pytestmark = pytest.mark.django_db


def test_a_signed_restart_is_the_steps_the_patient_will_follow(patient_a, clinician_a):
    _held_from_dec_2(patient_a, clinician_a)
    # No restart yet: no dated step (no night follows one until a restart is signed; the
    # held version's dates were listed, test_steps_ahead_holds_and_restarts).
    assert your_steps(patient_a, NOW) == [
        "On hold, no LDN — from 2 Dec until your clinician restarts your plan"
    ]
    _resume(patient_a, clinician_a)  # at step 2 (3 mg) on the 10th
    assert your_steps(patient_a, NOW) == [
        "On hold, no LDN — from 2 Dec to 9 Dec",
        "3 mg — from 10 Dec onwards",
    ]
