"""The FHIR export's MedicationRequests say what the plan page and My plan say, night by night.

Each request's dosage instructions came from the version's own calendar (step_schedule), which
ignores the holds and switches of dosing time around it (found by exploratory QA on 5 Dec):
a switch to mornings from 7 Dec went out "4.5 mg once daily in the morning ... from 6 Dec"
(MORN from 6 Dec) while every page said evening on 6 Dec; a hold of 5-8 Dec inside a step of
5-11 Dec left the step dated 5-11 Dec beside its own "On hold 5-8 Dec", where the plan page
says "3 mg 9 Dec - 11 Dec, 3 nights". They now come from PlanView.steps_as_signed, the steps
list of the plan page (titration.plan_ahead).
"""

from datetime import UTC, date, datetime

import pytest
import time_machine

from prescriptions import plans
from tests.patients.fhir_requests_support import disagreements, exported_requests, instructions
from tests.patients.journal_support import (
    make_plan,
    panel_steps_table,
    sign_hold,
    sign_steps,
    switch_dosing_time,
    visible_text,
)

pytestmark = pytest.mark.django_db

DEC_5 = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)  # before the night's dose (London, GMT)
NOW = "2026-12-05T18:30:00Z"
UNTIL = date(2027, 1, 31)


@pytest.fixture
def switched_to_mornings(patient_a, clinician_a):
    """Evening dosing: 3 mg from 22 Nov for 14 nights (to 5 Dec), then 4.5 mg from 6 Dec;
    on 5 Dec the clinician signs "Morning from 7 Dec"."""
    make_plan(patient_a, clinician_a, steps=(("3", 14), ("4.5", None)), start=date(2026, 11, 22))
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 12, 7), signed=DEC_5)
    return patient_a


@pytest.fixture
def held_inside_a_step(patient_a, clinician_a):
    """On 5 Dec: Change steps to 3 mg x 7 nights then 4.5 mg from 5 Dec, then Hold from
    5 Dec until 8 Dec."""
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 1))
    sign_steps(patient_a, clinician_a, date(2026, 12, 5), (("3", 7), ("4.5", None)), signed=DEC_5)
    sign_hold(patient_a, clinician_a, date(2026, 12, 5), date(2026, 12, 8), signed=DEC_5)
    return patient_a


@time_machine.travel(NOW, tick=False)
def test_a_switch_to_mornings_goes_out_morning_from_the_switch_night_not_the_step_s_start(
    clinician_client, switched_to_mornings
):
    found = exported_requests(clinician_client, switched_to_mornings)
    [(bounds, when, text)] = instructions(found[next(k for k in found if k.endswith("-2"))])
    assert (bounds, when) == ({"start": "2026-12-07"}, "MORN")
    assert text == "Step 2: 4.5 mg once daily in the morning, ongoing, from 7 Dec 2026."


@time_machine.travel(NOW, tick=False)
def test_the_version_before_a_switch_still_doses_its_last_evening_at_4_5_mg(
    clinician_client, switched_to_mornings
):
    found = exported_requests(clinician_client, switched_to_mornings)
    first = found[next(k for k in found if k.endswith("-1"))]
    assert first["dispenseRequest"]["validityPeriod"] == {
        "start": "2026-11-22",
        "end": "2026-12-06",
    }
    assert [(bounds, when) for bounds, when, _text in instructions(first)] == [
        ({"start": "2026-11-22", "end": "2026-12-05"}, "HS"),
        ({"start": "2026-12-06"}, "HS"),
    ]


@time_machine.travel(NOW, tick=False)
def test_a_hold_inside_a_step_cuts_the_step_as_the_plan_page_does(
    clinician_client, clinician_a, held_inside_a_step
):
    found = exported_requests(clinician_client, held_inside_a_step)
    held = found[next(k for k in found if k.endswith("-3"))]
    assert instructions(held) == [
        (
            {"start": "2026-12-05", "end": "2026-12-08"},
            "HS",
            "On hold: do not take from the night of 5 Dec 2026 to the night of 8 Dec 2026.",
        ),
        (
            {"start": "2026-12-09", "end": "2026-12-11"},
            "HS",
            "Step 1: 3 mg once daily in the evening for 3 nights, from 9 Dec 2026.",
        ),
        (
            {"start": "2026-12-12"},
            "HS",
            "Step 2: 4.5 mg once daily in the evening, ongoing, from 12 Dec 2026.",
        ),
    ]
    # The plan page's steps list says the same nights, with the same step numbers.
    table = visible_text(panel_steps_table(held_inside_a_step, clinician_a, NOW))
    assert "On hold 5 Dec 2026 – 8 Dec 2026 4 nights" in table
    assert "1 3 mg 9 Dec 2026 – 11 Dec 2026 3 nights" in table
    assert "2 4.5 mg 12 Dec 2026 – onwards" in table


@pytest.fixture
def held_then_switched_in_the_last_step(patient_a, clinician_a):
    """On 5 Dec: Change steps to 3 mg x 7 nights then 4.5 mg x 14 from 5 Dec; Hold 12-13 Dec
    (the first two nights of the 4.5 mg step: it is counted from 14 Dec); mornings from
    17 Dec."""
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 1))
    sign_steps(patient_a, clinician_a, date(2026, 12, 5), (("3", 7), ("4.5", 14)), signed=DEC_5)
    sign_hold(patient_a, clinician_a, date(2026, 12, 12), date(2026, 12, 13), signed=DEC_5)
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 12, 17), signed=DEC_5)
    return patient_a


@time_machine.travel(NOW, tick=False)
def test_a_last_step_a_hold_cut_says_the_nights_it_has_left_as_the_plan_page_counts_them(
    clinician_client, clinician_a, held_then_switched_in_the_last_step
):
    """The switch's request said "4.5 mg ... in the morning for 14 days, then continuing,
    from 17 Dec" where the plan page counts the step's 14 nights from 14 Dec, the night after
    the hold: 3 evenings, then 11 mornings."""
    patient = held_then_switched_in_the_last_step
    found = exported_requests(clinician_client, patient)
    held = found[next(k for k in found if k.endswith("-3"))]
    assert instructions(held)[-1] == (
        {"start": "2026-12-14"},
        "HS",
        "Step 2: 4.5 mg once daily in the evening for 14 nights, then continuing until the "
        "plan changes, from 14 Dec 2026.",
    )
    switched = found[next(k for k in found if k.endswith("-4"))]
    [(bounds, when, text)] = instructions(switched)
    assert (bounds, when) == ({"start": "2026-12-17"}, "MORN")
    assert text == (
        "Step 2: 4.5 mg once daily in the morning for 11 days, then continuing until the plan "
        "changes, from 17 Dec 2026."
    )
    # The signed length still travels in the extension.
    [planned] = switched["dosageInstruction"][0]["extension"]
    assert planned["valueInteger"] == 14
    table = visible_text(panel_steps_table(patient, clinician_a, NOW))
    assert "2 4.5 mg evening dosing 14 Dec 2026 – 16 Dec 2026 3 nights" in table
    assert "2 4.5 mg morning dosing 17 Dec 2026 – onwards 3 nights, then 11 days" in table


@pytest.mark.parametrize(
    "plan", ["switched_to_mornings", "held_inside_a_step", "held_then_switched_in_the_last_step"]
)
@time_machine.travel(NOW, tick=False)
def test_every_request_says_what_the_plan_says_on_every_night_it_dates(
    clinician_client, request, plan
):
    patient = request.getfixturevalue(plan)
    found = exported_requests(clinician_client, patient)
    assert disagreements(found, plans.load(patient), UNTIL) == []
