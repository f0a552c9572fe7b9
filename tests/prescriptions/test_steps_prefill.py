"""What the Change steps page is pre-filled with, and the step number of its first row
(changes.steps_prefill): pure, over titration's plain values, no request or database."""

from datetime import date
from decimal import Decimal

import pytest

from prescriptions import suggestions, titration
from prescriptions.changes import StepsPrefill, steps_prefill

START = date(2026, 3, 1)
FIRST_NIGHT = date(2026, 3, 20)
STEPS = tuple(
    titration.Step(Decimal(dose), days)
    for dose, days in (("1.5", 14), ("3.0", 14), ("4.5", 14), ("6.0", None))
)


def plan(steps_before=0):
    """A plan restarted at step ``steps_before + 1`` (0: numbered from step 1)."""
    return titration.PlainVersion(
        number=1, effective_night=START, start_date=START, steps=STEPS, steps_before=steps_before
    )


def suggestion(kind, *, dose=None, step_index=None):
    return suggestions.Suggestion(
        kind=kind,
        key="k",
        title="",
        detail="",
        evidence=(),
        proposed_dose_mg=None if dose is None else Decimal(dose),
        proposed_step_index=step_index,
    )


@pytest.mark.parametrize("steps_before", [0, 1])
def test_the_plan_as_it_is_keeps_its_start_steps_and_own_number(steps_before):
    prefill = steps_prefill(plan(steps_before), first_night=FIRST_NIGHT)

    assert prefill == StepsPrefill(START, STEPS, steps_before)


def test_a_template_starts_on_the_first_night_numbered_from_step_1():
    template = (titration.Step(Decimal("1.0"), 7), titration.Step(Decimal("2.0"), None))

    prefill = steps_prefill(plan(2), first_night=FIRST_NIGHT, template_steps=template)

    assert prefill == StepsPrefill(FIRST_NIGHT, template, 0)


def test_a_template_wins_over_a_suggestion():
    template = (titration.Step(Decimal("1.0"), None),)
    next_step = suggestion(suggestions.NEXT_STEP, step_index=2)

    prefill = steps_prefill(
        plan(1),
        first_night=FIRST_NIGHT,
        template_steps=template,
        suggestion=next_step,
        current_index=1,
    )

    assert prefill.steps_before == 0
    assert prefill.steps == template


@pytest.mark.parametrize(("steps_before", "expected"), [(0, 2), (1, 3)])
def test_the_next_step_starts_there_and_the_steps_dropped_before_it_still_count(
    steps_before, expected
):
    next_step = suggestion(suggestions.NEXT_STEP, dose="4.5", step_index=2)

    prefill = steps_prefill(
        plan(steps_before), first_night=FIRST_NIGHT, suggestion=next_step, current_index=1
    )

    assert prefill == StepsPrefill(FIRST_NIGHT, STEPS[2:], expected)


@pytest.mark.parametrize(("steps_before", "current_index", "expected"), [(0, 2, 1), (1, 1, 1)])
def test_vivid_dreams_puts_the_previous_dose_back_under_the_previous_steps_number(
    steps_before, current_index, expected
):
    # On step 3 (index 2 of a plan numbered from 1, or index 1 after a restart at step 2):
    # the dose put back is step 2's, numbered 2, and the step up tried again keeps 3.
    dreams = suggestion(suggestions.VIVID_DREAMS, dose="3.0")

    prefill = steps_prefill(
        plan(steps_before), first_night=FIRST_NIGHT, suggestion=dreams, current_index=current_index
    )

    assert prefill.start_date == FIRST_NIGHT
    assert prefill.steps == (titration.Step(Decimal("3.0"), 14), *STEPS[current_index:])
    assert prefill.steps_before == expected


def test_vivid_dreams_on_the_plans_first_step_numbers_the_dose_put_back_step_1():
    dreams = suggestion(suggestions.VIVID_DREAMS, dose="1.0")

    prefill = steps_prefill(plan(0), first_night=FIRST_NIGHT, suggestion=dreams, current_index=0)

    assert prefill.steps_before == 0
    assert prefill.steps == (titration.Step(Decimal("1.0"), 14), *STEPS)


@pytest.mark.parametrize(
    "applied",
    [
        suggestion(suggestions.NEXT_STEP, step_index=2),
        suggestion(suggestions.VIVID_DREAMS, dose="3.0"),
    ],
)
def test_a_suggestion_with_no_step_tonight_leaves_the_plan_as_it_is(applied):
    prefill = steps_prefill(
        plan(1), first_night=FIRST_NIGHT, suggestion=applied, current_index=None
    )

    assert prefill == StepsPrefill(START, STEPS, 1)


@pytest.mark.parametrize(
    "applied",
    [
        suggestion(suggestions.NEXT_STEP),  # no step proposed
        suggestion(suggestions.VIVID_DREAMS),  # no dose proposed
        suggestion("sleep", dose="3.0", step_index=2),  # a kind that proposes no steps
    ],
)
def test_a_suggestion_that_proposes_no_steps_leaves_the_plan_as_it_is(applied):
    prefill = steps_prefill(plan(1), first_night=FIRST_NIGHT, suggestion=applied, current_index=1)

    assert prefill == StepsPrefill(START, STEPS, 1)
