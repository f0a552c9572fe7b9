"""My plan's "Your steps" and the clinician's plan panel read one step list with dates,
PlanView.steps_ahead (titration.plan_ahead), every version and hold taken into account.

My plan listed one version's steps: a hold and restart signed for later nights were ignored
("2 mg from 22 Nov to 12 Dec" through a hold from 6 to 9 Dec, with another step-up night
than the panel's), and under an open-ended hold it (and the panel) listed dated steps that
no night follows, copied by the hold from a restart it replaced (found by QA)."""

from datetime import UTC, date, datetime

import pytest

from prescriptions import panel, plans, titration
from prescriptions.models import Formulation
from tests.patients.journal_support import make_plan, panel_steps_table, sign_hold, your_steps

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of 2 Dec
DEC_2 = date(2026, 12, 2)


def _panel_table(patient, clinician, now=NOW):
    return " ".join(panel_steps_table(patient, clinician, now).split())


def _two_mg_plan_held_and_restarted(patient, clinician):
    # 2 mg from 22 Nov for 21 nights, then 2.5 mg: active on the night of 2 Dec. Signed that
    # night: a hold from 6 to 9 Dec, and a restart at the first step on 12 Dec.
    make_plan(
        patient,
        clinician,
        steps=(("2", 21), ("2.5", None)),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    sign_hold(
        patient,
        clinician,
        date(2026, 12, 6),
        date(2026, 12, 9),
        signed=NOW,
        restart_on=date(2026, 12, 12),
    )


def test_a_dated_hold_and_restart_to_come_are_in_your_steps(patient_a, clinician_a):
    _two_mg_plan_held_and_restarted(patient_a, clinician_a)
    assert your_steps(patient_a, NOW) == [
        "2 mg — from 22 Nov to 5 Dec",
        "On hold, no LDN — from 6 Dec to 11 Dec",
        "2 mg — from 12 Dec to 1 Jan",
        "2.5 mg — from 2 Jan onwards",
    ]
    table = _panel_table(patient_a, clinician_a)
    assert "12 Dec 2026 – 1 Jan 2027" in table, table
    assert "2 Jan 2027 – onwards" in table, table


def test_my_plan_and_the_panel_give_the_restarts_steps_the_same_nights(patient_a, clinician_a):
    _two_mg_plan_held_and_restarted(patient_a, clinician_a)
    view = plans.load(patient_a)
    state = panel.plan_state(patient_a, NOW, view)
    # The panel's table is the list My plan shows (it listed the newest version's calendar:
    # tests/prescriptions/test_steps_ahead_dosing_time_and_gaps.py).
    ahead = view.steps_ahead(state["tonight"])
    assert panel.panel_context(patient_a, state)["schedule"] == ahead
    restart = [
        (row.dose_mg, row.first, row.last) for row in ahead if row.first >= date(2026, 12, 12)
    ]
    assert restart == [
        (titration.Decimal("2"), date(2026, 12, 12), date(2027, 1, 1)),
        (titration.Decimal("2.5"), date(2027, 1, 2), None),
    ]


def test_an_open_ended_hold_to_come_with_a_restart_signed(patient_a, clinician_a):
    # 4.5 mg from 1 Sep on; held from 5 Dec open-ended; restarted at 3 mg on 12 Dec.
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", 14), ("3", 14), ("4.5", None)),
        start=date(2026, 8, 4),
    )
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 12, 5),
        signed=NOW,
        restart_on=date(2026, 12, 12),
        restart_step=1,
    )
    assert your_steps(patient_a, NOW) == [
        "4.5 mg — from 1 Sep to 4 Dec",
        "On hold, no LDN — from 5 Dec to 11 Dec",
        "3 mg — from 12 Dec to 25 Dec",
        "4.5 mg — from 26 Dec onwards",
    ]


def test_no_dated_steps_under_an_open_ended_hold_over_a_signed_restart(patient_a, clinician_a):
    # Held from 2 Dec, a restart signed for 14 Dec at 3 mg, then held again, open-ended
    # (as an urgent report's "hold the plan" does): the hold copies the restart's steps and
    # its start date, but no night follows them until a new restart is signed.
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", 14), ("3", 14), ("4.5", None)),
        start=date(2026, 11, 1),
    )
    sign_hold(
        patient_a, clinician_a, DEC_2, signed=NOW, restart_on=date(2026, 12, 14), restart_step=1
    )
    later = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    sign_hold(patient_a, clinician_a, date(2026, 12, 3), signed=later)
    # The hold signed from 3 Dec is a hold of its own (its reason and note; the Resume page
    # names "the hold from 3 Dec until resumed"): listed from its first night, as each
    # signed hold is (test_back_to_back_holds), not from the first night of the run.
    assert your_steps(patient_a, later) == [
        "On hold, no LDN — from 3 Dec until your clinician restarts your plan"
    ]
    # The panel lists the same: the hold, and no step after it (it listed the held steps,
    # undated, "from the restart", until it read PlanView.steps_ahead).
    table = _panel_table(patient_a, clinician_a, later)
    assert table.count("<tr") == 2, table  # the header's and the hold's
    assert "from 3 Dec 2026 until resumed" in table, table
    assert "mg" not in table, table


def test_a_step_taken_up_again_after_a_dated_hold_is_listed_from_the_hold_end():
    held = titration.PlainVersion(
        number=2,
        effective_night=date(2026, 12, 6),
        start_date=date(2026, 11, 22),
        steps=(
            titration.Step(titration.Decimal("2"), 21),
            titration.Step(titration.Decimal("3"), None),
        ),
        hold_from=date(2026, 12, 6),
        hold_until=date(2026, 12, 9),
    )
    plain = (
        titration.replace(
            held, number=1, hold_from=None, hold_until=None, effective_night=date(2026, 11, 22)
        ),
        held,
    )
    assert [
        (row.status, row.dose_mg, row.first, row.last) for row in titration.plan_ahead(plain, DEC_2)
    ] == [
        ("active", 2, date(2026, 11, 22), date(2026, 12, 5)),
        ("on_hold", None, date(2026, 12, 6), date(2026, 12, 9)),
        ("active", 2, date(2026, 12, 10), date(2026, 12, 12)),
        ("active", 3, date(2026, 12, 13), None),
    ]
