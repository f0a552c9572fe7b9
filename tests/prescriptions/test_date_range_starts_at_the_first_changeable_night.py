"""A plan form's date range starts at the first night it accepts (found by QA: once tonight's
dose was logged, a past date on Change steps, Hold or Resume said "must be between 15 Jan
2026 and 15 Jan 2027", and 15 Jan was then refused because tonight's dose stands). The range
is built once (SignedVersionForm.from_tonight) from the form's first_night
(changes.first_changeable_night), so the message and the rule agree."""

from datetime import date
from decimal import Decimal

import pytest

from prescriptions import titration
from prescriptions.forms import DosingTimeForm, HoldForm, PlanStepsForm, ResumeForm

TONIGHT = date(2026, 1, 15)
TOMORROW = date(2026, 1, 16)
LOGGED = {"tonight": TONIGHT, "first_night": TOMORROW, "tonight_logged": True}
NOT_LOGGED = {"tonight": TONIGHT, "first_night": TONIGHT, "tonight_logged": False}
STANDS = "Tonight’s dose is already logged and stands"

FORMS = {
    "change steps": (
        lambda kwargs, night: PlanStepsForm(
            {"based_on": "1", "reason": "R", "effective_night": night, "start_date": "2026-01-01"},
            current_start=date(2026, 1, 1),
            **kwargs,
        ),
        "effective_night",
        "The change’s first night",
    ),
    "dosing time": (
        lambda kwargs, night: DosingTimeForm(
            {"based_on": "1", "reason": "R", "effective_night": night, "dosing_time": "evening"},
            **kwargs,
        ),
        "effective_night",
        "The switch’s first night",
    ),
    "hold": (
        lambda kwargs, night: HoldForm(
            {"based_on": "1", "reason": "R", "hold_reason": "other", "hold_from": night},
            **kwargs,
        ),
        "hold_from",
        "The first night of the hold",
    ),
    "resume": (
        lambda kwargs, night: ResumeForm(
            {"based_on": "1", "reason": "R", "resume_on": night, "step": "0"},
            steps=(titration.Step(Decimal("4.5"), None),),
            **kwargs,
        ),
        "resume_on",
        "The restart night",
    ),
}


def errors(name, kwargs, night):
    build, field, _what = FORMS[name]
    form = build(kwargs, night)
    form.is_valid()
    return [str(error).replace("'", "’") for error in form.errors.get(field, [])]


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("night", ["2026-01-10", "2027-01-16"])
def test_out_of_range_once_tonight_is_logged_names_tomorrow_as_the_first(name, night):
    what = FORMS[name][2]
    assert errors(name, LOGGED, night) == [f"{what} must be between 16 Jan 2026 and 15 Jan 2027."]


@pytest.mark.parametrize("name", FORMS)
def test_the_first_night_the_range_names_is_accepted(name):
    assert errors(name, LOGGED, "2026-01-16") == []


@pytest.mark.parametrize("name", FORMS)
def test_tonight_once_logged_still_says_the_logged_dose_stands(name):
    (error,) = errors(name, LOGGED, "2026-01-15")
    assert error.startswith(STANDS)


@pytest.mark.parametrize("name", FORMS)
def test_before_tonights_dose_is_logged_the_range_starts_tonight(name):
    what = FORMS[name][2]
    assert errors(name, NOT_LOGGED, "2026-01-10") == [
        f"{what} must be between 15 Jan 2026 and 15 Jan 2027."
    ]
    assert errors(name, NOT_LOGGED, "2026-01-15") == []


def test_a_holds_last_night_too_far_ahead_names_the_first_accepted_night():
    form = HoldForm(
        {
            "based_on": "1",
            "reason": "R",
            "hold_reason": "other",
            "hold_from": "2026-01-16",
            "hold_until": "2027-01-16",
        },
        **LOGGED,
    )
    assert not form.is_valid()
    assert form.errors["hold_until"] == [
        "The last night of the hold must be between 16 Jan 2026 and 15 Jan 2027."
    ]
