"""My plan under a hold with a restart signed lists the restart's steps, from its first
night: it listed the held version's ("1.5 mg from 1 Nov to 30 Dec, 3 mg from 31 Dec
onwards") beside "From Thursday 10 December: 3 mg" (found by exploratory QA)."""

import pytest

from prescriptions import panel, plans
from tests.patients.journal_support import panel_steps_table, visible_text, your_steps
from tests.prescriptions.signed_restart_support import NOW, _held_from_dec_2, _resume

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


def test_my_plan_and_the_panel_list_the_same_stretches_under_a_running_hold(patient_a, clinician_a):
    """On hold tonight, the restart signed for a later night: both surfaces list the hold to
    the night before the restart, then the restart's step (one list: PlanView.steps_ahead),
    not the version in effect tonight."""
    _held_from_dec_2(patient_a, clinician_a)
    _resume(patient_a, clinician_a)
    view = plans.load(patient_a)
    state = panel.plan_state(patient_a, NOW, view)
    assert panel.panel_context(patient_a, state)["schedule"] == view.steps_ahead(state["tonight"])
    table = visible_text(panel_steps_table(patient_a, clinician_a, NOW))
    assert "— now On hold 2 Dec 2026 – 9 Dec 2026 8 nights" in table, table
    # Restarted at step 2 (3 mg) of the plan: step 2, as the Resume page named it.
    assert "2 3 mg 10 Dec 2026 – onwards open-ended" in table, table
    assert your_steps(patient_a, NOW) == [
        "On hold, no LDN — from 2 Dec to 9 Dec",
        "3 mg — from 10 Dec onwards",
    ]
