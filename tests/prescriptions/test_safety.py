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
