"""Plan-change safety as a pure rule: which increases a clinician must confirm."""

from datetime import date
from decimal import Decimal

import pytest

from prescriptions import titration
from prescriptions.safety import increase_warnings

START = date(2026, 3, 1)
MAX_STEP, CLINIC_MAX = Decimal("1.5"), Decimal("4.5")


def version(number, effective, steps, start=None, hold_from=None, hold_until=None):
    return titration.PlainVersion(
        number=number,
        effective_night=effective,
        start_date=start or effective,
        steps=tuple(titration.Step(Decimal(dose), days) for dose, days in steps),
        hold_from=hold_from,
        hold_until=hold_until,
    )


CURRENT = [version(1, START, [("2.75", None)])]


def warnings_for(proposed, versions=CURRENT):
    return increase_warnings(versions, proposed, max_increase=MAX_STEP, clinic_max=CLINIC_MAX)


@pytest.mark.parametrize(
    ("steps", "reasons"),
    [
        ([("4.5", None)], ["step"]),  # 2.75 -> 4.5 overnight: +1.75
        ([("4.25", None)], []),  # +1.5 exactly is allowed
        ([("3", 7), ("4.5", None)], []),  # two steps of at most 1.5
        ([("3", 7), ("4.75", None)], ["step", "maximum"]),
        ([("2", 7), ("4", None)], ["step"]),  # the jump comes a week later
        ([("1.5", None)], []),  # a decrease is never a warning
    ],
)
def test_increases_are_judged_night_to_night_and_against_the_clinic_maximum(steps, reasons):
    proposed = version(2, date(2026, 3, 10), steps)
    assert [w.reason for w in warnings_for(proposed)] == reasons


def test_a_jump_after_a_hold_is_measured_from_the_last_dosed_night():
    held = [*CURRENT, version(2, date(2026, 3, 5), [("2.75", None)], START, date(2026, 3, 5))]
    proposed = version(3, date(2026, 3, 10), [("4.5", None)])
    [warning] = warnings_for(proposed, held)
    assert warning.previous_mg == Decimal("2.75")
    assert "increase of 1.75 mg" in warning.message


def test_a_first_plan_is_only_judged_against_the_clinic_maximum():
    proposed = version(1, START, [("4.5", 7), ("5", None)])
    assert [w.reason for w in warnings_for(proposed, [])] == ["maximum"]


# 2 mg each night; the change: 4 mg for 2 nights from 4 Dec, then 4.5 mg from 6 Dec, in
# effect from 6 Dec, held 6-8 Dec: the first night of its last step is held.
ON_2MG = [version(1, date(2026, 11, 22), [("2", None)])]
DEC_4, DEC_6, DEC_8, DEC_9 = (date(2026, 12, day) for day in (4, 6, 8, 9))


def held_change(last_dose, hold_until=DEC_8):
    return version(
        2, DEC_6, [("4", 2), (last_dose, None)], DEC_4, hold_from=DEC_6, hold_until=hold_until
    )


def test_the_first_dose_after_a_hold_over_the_last_steps_first_night_is_judged():
    [warning] = [w for w in warnings_for(held_change("4.5"), ON_2MG) if w.reason == "step"]
    assert (warning.night, warning.dose_mg, warning.previous_mg) == (
        DEC_9,
        Decimal("4.5"),
        Decimal("2"),
    )


@pytest.mark.parametrize(
    ("last_dose", "reasons"),
    [("3.5", []), ("3.51", ["step"])],  # +1.5 exactly is allowed; +1.51 is asked
)
def test_after_a_hold_the_limit_is_measured_from_the_last_dosed_night(last_dose, reasons):
    assert [w.reason for w in warnings_for(held_change(last_dose), ON_2MG)] == reasons


def test_an_open_ended_hold_over_the_last_steps_first_night_has_no_dose_to_judge():
    assert warnings_for(held_change("4.5", hold_until=None), ON_2MG) == []


def test_a_hold_the_change_signs_again_after_it_is_read_as_the_plan_doses():
    """2 mg, 3 mg for 3 nights from 6 Dec, then 4 mg: one step at a time, but a hold on
    6-8 Dec signed again after the change skips the 3 mg step: 2 mg, then 4 mg on 9 Dec."""
    steps = [("2", 1), ("3", 3), ("4", None)]
    dec_5 = date(2026, 12, 5)
    proposed = version(2, dec_5, steps)
    kept = version(3, DEC_6, steps, dec_5, hold_from=DEC_6, hold_until=DEC_8)
    assert warnings_for(proposed, ON_2MG) == []  # without the hold: one step at a time
    [warning] = increase_warnings(
        ON_2MG, proposed, max_increase=MAX_STEP, clinic_max=CLINIC_MAX, kept=[kept]
    )
    assert (warning.night, warning.previous_mg, warning.dose_mg) == (
        DEC_9,
        Decimal("2"),
        Decimal("4"),
    )


def test_the_warning_names_the_last_dosed_night_when_it_is_not_the_night_before():
    [warning] = [w for w in warnings_for(held_change("4.5"), ON_2MG) if w.reason == "step"]
    assert (
        "4.5 mg on the night of 9 Dec 2026 after 2 mg on the night of 5 Dec 2026 (no dose in "
        "between) is an increase of 2.5 mg" in warning.message
    )


def test_the_warning_says_the_night_before_when_it_is():
    [warning] = warnings_for(version(2, date(2026, 3, 10), [("4.5", None)]))
    assert "after 2.75 mg the night before" in warning.message
