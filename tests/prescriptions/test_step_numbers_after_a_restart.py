"""Step numbers stay the plan's as the clinician chose it. A restart at "Step 2" keeps only
the steps from step 2 on, and every page numbered them from 1 again: the Steps ahead table
read "1 (now) 3 mg" then "1 4.5 mg" after "resume at Step 2 of 2", and three rows of "1"
after a dosing-time switch (found by exploratory QA). A version counts the plan's steps it
dropped (PlainVersion.steps_before), read in one place (titration.step_number)."""

from datetime import UTC, date, datetime

import pytest

from prescriptions import changes, plans
from prescriptions.forms import ResumeForm
from prescriptions.titration import current_step, step_number
from tests.patients.journal_support import (
    make_plan,
    panel_steps_table,
    sign_hold,
    sign_restart,
    switch_dosing_time,
    visible_text,
)
from tests.prescriptions.restart_headers_support import _headers
from tests.prescriptions.titration_support import JAN_1, step, version

DEC_4 = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)  # the night of 4 Dec, in London
DEC_6 = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
DEC_5, DEC_10 = date(2026, 12, 5), date(2026, 12, 10)


def test_a_versions_steps_are_numbered_after_the_steps_it_dropped():
    restarted = version(steps=(step("4.5", None),), steps_before=1)
    position = current_step([restarted], JAN_1)
    # The version's own index and count (what code indexes steps with) ...
    assert (position.step_index, position.step_count) == (0, 1)
    # ... and the plan's numbers, which every page shows.
    assert (position.step_number, position.step_total) == (2, 2)
    assert (restarted.step_number(0), restarted.step_total) == (2, 2)
    assert step_number(0, 0) == 1


def test_a_restart_counts_the_steps_before_it_and_a_switch_or_hold_keeps_them():
    latest = version(steps=(step("1.5", 14), step("3", 14), step("4.5", None)), steps_before=1)
    held = changes.hold_change(latest, hold_from=date(2026, 1, 10), hold_until=None, reason="r")
    assert held.steps_before == 1
    restarted = version(2, effective=date(2026, 1, 10), hold_from=date(2026, 1, 10), steps_before=1)
    resumed = changes.resume_change(
        restarted,
        tonight_night=date(2026, 1, 12),
        resume_on=date(2026, 1, 12),
        step_index=2,
        reason="r",
    )
    # Step 3 of the version's steps, which began at the plan's step 2: the plan's step 4.
    assert (resumed.steps_before, len(resumed.steps)) == (3, 1)
    switched = changes.dosing_time_change(
        latest, dosing_time="morning", effective_night=date(2026, 1, 12), reason="r"
    )
    assert switched.steps_before == 1
    # New steps typed by the clinician are a new list: numbered from 1.
    typed = changes.steps_change(
        latest,
        effective_night=date(2026, 1, 12),
        start_date=date(2026, 1, 12),
        steps=(step("3", None),),
        reason="r",
    )
    assert typed.steps_before == 0


def test_the_resume_page_offers_the_steps_by_their_numbers_in_the_plan():
    form = ResumeForm(tonight=JAN_1, steps=(step("3", 7), step("4.5", None)), steps_before=1)
    labels = [label for _value, label in form.fields["step"].choices]
    assert labels == ["Step 2: 3 mg for 7 nights", "Step 3: 4.5 mg (open-ended)"]


def _hold_resume_at_step_2_then_switch(patient, clinician):
    make_plan(patient, clinician, steps=(("3", 60), ("4.5", None)))
    sign_hold(patient, clinician, DEC_5, signed=DEC_4)
    sign_restart(patient, clinician, DEC_5, 1, signed=DEC_4)  # "Step 2: 4.5 mg"
    view = plans.load(patient)
    assert view.latest.steps_before == 1
    switch_dosing_time(patient, clinician, "morning", DEC_10, signed=DEC_4)
    assert plans.load(patient).latest.steps_before == 1
    # The batch loader (the clinician list, the sweep) reads the same numbers.
    assert plans.load_many([patient.pk])[patient.pk].versions == plans.load(patient).versions


def _step_column(table_html):
    rows = table_html.split("<tbody>", 1)[1].split("<tr")[1:]
    return [visible_text(row.split("<td", 2)[1].split("</td>")[0].split(">", 1)[1]) for row in rows]


@pytest.mark.django_db
def test_after_a_restart_at_step_2_every_surface_says_step_2(patient_a, clinician_a):
    _hold_resume_at_step_2_then_switch(patient_a, clinician_a)

    # Tonight (4 Dec) is step 1 of 2; from 5 Dec step 2, before and after the switch.
    assert _step_column(panel_steps_table(patient_a, clinician_a, DEC_4)) == ["1 now", "2", "2"]
    page, panel, mine = _headers(patient_a, clinician_a, DEC_4)
    assert "Step 1 of 2" in page
    assert "Step 1 of 2, night 34" in panel
    assert "Step 1 of 2, night 34." in mine

    assert _step_column(panel_steps_table(patient_a, clinician_a, DEC_6)) == ["2 now", "2"]
    page, panel, mine = _headers(patient_a, clinician_a, DEC_6)
    assert "Step 2 of 2" in page
    assert "Step 2 of 2, night 2" in panel
    assert "Step 2 of 2, night 2." in mine
    assert "of 1" not in page + panel + mine
