"""The Resume form words each step it offers night by night from the restart night, across
a pending switch of dosing time, as the plan panel's steps table words the step once the
restart is signed (titration.restart_runs and the table's stretch_runs both read
night_runs; panel.step_length says them).

1.5 mg for 7 nights, 3 mg for 14, then 4.5 mg, each evening from 22 Nov; mornings signed
from 10 Dec; a hold until resumed from 4 Dec. A restart on 5 Dec at step 1 doses 5-9 Dec in
the evening and 10-11 Dec in the morning: the form offered "Step 1: 1.5 mg for 7 nights"
(the restart night's dosing time only) where the steps table then said "5 nights, then
2 days".
"""

from datetime import UTC, date, datetime

import pytest

from prescriptions import plans, titration
from tests.factories import PatientFactory
from tests.patients.journal_support import (
    make_plan,
    panel_steps_table,
    sign_hold,
    sign_restart,
    switch_dosing_time,
    visible_text,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC_4, DEC_5, DEC_10 = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 10)


@pytest.fixture
def held_before_mornings(clinician):
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, steps=(("1.5", 7), ("3", 14), ("4.5", None)), start=NOW.date())
    switch_dosing_time(patient, clinician, titration.MORNING, DEC_10, signed=NOW)
    sign_hold(patient, clinician, DEC_4, signed=NOW)
    return patient


def _resume_post(patient, restart):
    return {
        "based_on": plans.load(patient).latest.number,
        "resume_on": restart,
        "step": "0",
        "reason": "",  # refused: the page is drawn again for the posted restart night
    }


def test_the_resume_form_words_a_step_cut_by_a_pending_switch_run_by_run(
    held_before_mornings, clinic_page
):
    page = clinic_page("clinic:plan_resume", held_before_mornings, NOW)
    assert "Restart on the night of" in page  # the form opens on 5 Dec, an evening
    assert "Step 1: 1.5 mg for 5 nights, then 2 days" in page
    assert "Step 2: 3 mg for 5 nights, then 9 days" in page
    assert "Step 3: 4.5 mg (open-ended)" in page
    assert "Step 1: 1.5 mg for 7 nights" not in page


@pytest.mark.parametrize(
    ("restart", "said"),
    [
        ("2026-12-08", "Step 1: 1.5 mg for 2 nights, then 5 days"),
        ("2026-12-10", "Step 1: 1.5 mg for 7 days"),  # all of it mornings: one run
        ("2026-12-03", "Step 1: 1.5 mg for 7 nights"),  # refused (before the hold): as typed
    ],
)
def test_the_choices_count_from_the_restart_night_posted(
    held_before_mornings, clinic_page, restart, said
):
    page = clinic_page(
        "clinic:plan_resume",
        held_before_mornings,
        NOW,
        data=_resume_post(held_before_mornings, restart),
    )
    assert said in page


@pytest.mark.parametrize(
    ("step", "choice", "rows"),
    [
        (
            0,
            "1.5 mg for 5 nights, then 2 days",
            [
                "1.5 mg evening dosing 5 Dec 2026 – 9 Dec 2026 5 nights",
                "10 Dec 2026 – 11 Dec 2026 2 days",
            ],
        ),
        (
            1,
            "3 mg for 5 nights, then 9 days",
            [
                "3 mg evening dosing 5 Dec 2026 – 9 Dec 2026 5 nights",
                "10 Dec 2026 – 18 Dec 2026 9 days",
            ],
        ),
    ],
)
def test_the_choice_signed_is_the_step_the_plan_pages_then_count(
    held_before_mornings, clinician, clinic_page, step, choice, rows
):
    assert f"Step {step + 1}: {choice}" in clinic_page(
        "clinic:plan_resume", held_before_mornings, NOW
    )
    sign_restart(held_before_mornings, clinician, DEC_5, step, signed=NOW)
    # "Current plan" (step_runs) words the restart's first step as the choice did ...
    assert f"steps {choice} →" in clinic_page("clinic:plan_change", held_before_mornings, NOW)
    # ... and the steps table dates the same runs, one row each.
    table = visible_text(panel_steps_table(held_before_mornings, clinician, NOW))
    for row in rows:
        assert row in table


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "Stufe 1: 1,5 mg für 5 Nächte, dann 2 Tage"),
        ("es", "Paso 1: 1,5 mg durante 5 noches y luego 2 días"),
    ],
)
def test_the_choice_cut_by_a_switch_is_worded_in_german_and_spanish(
    held_before_mornings, clinic_page, language, said
):
    assert said in clinic_page("clinic:plan_resume", held_before_mornings, NOW, language=language)
