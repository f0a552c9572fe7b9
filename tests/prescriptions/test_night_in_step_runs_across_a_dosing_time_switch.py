"""Tonight's night (or day) of its step counts from the night the step began, across a switch
of dosing time that left the step as it was. QA: step 3 began on 4 Oct, a switch to morning
dosing on 16 Oct, and on 5 Dec the plan read "Step 3 of 3, day 51" beside "4.5 mg from
16 Oct" (an evening plan said "night 93" of the same step). A new dose or a restart still
begins a new count. One answer: titration.plan_ahead's Stretch.counted_from."""

from datetime import UTC, date, datetime, timedelta

import pytest

from prescriptions import titration
from tests.patients.journal_support import (
    make_plan,
    panel_steps_table,
    switch_dosing_time,
    visible_text,
    your_steps,
)
from tests.prescriptions.restart_headers_support import _headers
from tests.prescriptions.titration_support import step, version

SEP_6, OCT_4, OCT_16 = date(2026, 9, 6), date(2026, 10, 4), date(2026, 10, 16)
DEC_5 = date(2026, 12, 5)
DEC_5_MORNING = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # the day of 5 Dec, in London
STEPS = (step("1.5", 14), step("3", 14), step("4.5", None))  # step 3 from 4 Oct


def _switched(*later):
    evening = version(effective=SEP_6, steps=STEPS)
    morning = version(2, effective=OCT_16, start=SEP_6, steps=STEPS, dosing_time="morning")
    return [evening, morning, *later]


def test_a_switch_of_dosing_time_does_not_restart_the_count():
    tonight = titration.plan_ahead(_switched(), DEC_5)[0]
    assert tonight.counted_from == OCT_4
    assert tonight.night_number(DEC_5) == 63  # 4 Oct is day 1
    # One dosing time in the list: the row is the step, from its first night.
    assert tonight.first == OCT_4


def test_with_the_dosing_times_listed_the_row_keeps_the_first_night_of_its_dosing_time():
    back = version(3, effective=date(2026, 12, 20), start=SEP_6, steps=STEPS)
    rows = titration.plan_ahead(_switched(back), DEC_5)
    assert titration.dosing_times_differ(rows)
    # "4.5 mg, morning dosing, 16 Oct - 19 Dec": the dose at that time since 16 Oct ...
    assert (rows[0].first, rows[0].last, rows[0].dosing_time) == (
        OCT_16,
        date(2026, 12, 19),
        "morning",
    )
    # ... and tonight is still day 63 of step 3.
    assert rows[0].night_number(DEC_5) == 63


def test_a_new_dose_begins_a_new_count():
    lower = version(
        3,
        effective=date(2026, 11, 20),
        start=SEP_6,
        steps=(*STEPS[:2], step("3", None)),
        dosing_time="morning",
    )
    tonight = titration.plan_ahead(_switched(lower), DEC_5)[0]
    assert tonight.counted_from == tonight.first == date(2026, 11, 20)
    assert tonight.night_number(DEC_5) == 16


def test_a_restart_after_a_hold_begins_a_new_count():
    held = version(
        3,
        effective=date(2026, 11, 1),
        start=SEP_6,
        steps=STEPS,
        dosing_time="morning",
        hold_from=date(2026, 11, 1),
    )
    restart = version(
        4,
        effective=date(2026, 11, 11),
        steps=(step("4.5", None),),
        dosing_time="morning",
        steps_before=2,
        restarts=True,
    )
    tonight = titration.plan_ahead(_switched(held, restart), DEC_5)[0]
    assert tonight.counted_from == date(2026, 11, 11)
    assert tonight.night_number(DEC_5) == 25


def test_an_evening_plan_without_a_switch_counts_from_the_step_too():
    tonight = titration.plan_ahead([version(effective=SEP_6, steps=STEPS)], DEC_5)[0]
    assert (tonight.first, tonight.counted_from, tonight.night_number(DEC_5)) == (
        OCT_4,
        OCT_4,
        63,
    )


@pytest.mark.django_db
def test_every_surface_counts_step_3_from_its_first_night_after_a_switch(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", 14), ("4.5", None)), start=SEP_6)
    switch_dosing_time(
        patient_a,
        clinician_a,
        "morning",
        OCT_16,
        signed=datetime.combine(OCT_16 - timedelta(days=2), datetime.min.time(), tzinfo=UTC),
    )

    page, panel, mine = _headers(patient_a, clinician_a, DEC_5_MORNING)
    assert "Step 3 of 3" in page
    assert "Step 3 of 3, day 63" in panel
    assert "Step 3 of 3, day 63." in mine
    assert "day 51" not in panel + mine
    # The steps list dates the step from its first night, on both pages.
    table = visible_text(panel_steps_table(patient_a, clinician_a, DEC_5_MORNING))
    assert "3 now 4.5 mg 4 Oct 2026 – onwards" in table
    assert your_steps(patient_a, DEC_5_MORNING)[0] == "4.5 mg — from 4 Oct onwards"
