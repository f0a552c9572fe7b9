"""titration.first_plan_night: the first night a plan prescribes or holds, which the
patient's calendar reads as where their record begins (journal.first_night_of_record)."""

from datetime import date
from decimal import Decimal

from prescriptions import titration

STEPS = (titration.Step(Decimal("1.5"), None),)


def _version(**fields):
    return titration.PlainVersion(number=1, steps=STEPS, **fields)


def test_a_plan_signed_ahead_of_its_start_begins_on_its_start():
    version = _version(effective_night=date(2026, 12, 1), start_date=date(2026, 12, 5))
    assert titration.first_plan_night([version]) == date(2026, 12, 5)


def test_a_plan_whose_steps_began_earlier_begins_on_the_night_it_takes_effect():
    version = _version(effective_night=date(2026, 12, 5), start_date=date(2026, 11, 20))
    assert titration.first_plan_night([version]) == date(2026, 12, 5)


def test_a_plan_held_from_its_first_night_begins_on_that_night():
    version = _version(
        effective_night=date(2026, 12, 5),
        start_date=date(2026, 12, 5),
        hold_from=date(2026, 12, 5),
    )
    assert titration.first_plan_night([version]) == date(2026, 12, 5)


def test_no_plan_never_begins():
    assert titration.first_plan_night([]) is None
