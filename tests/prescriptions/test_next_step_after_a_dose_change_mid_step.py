""" "Ready for the next step" after the dose was changed partway through a step that is not
the last (rule (c): suggestions._finished_step).

The step counted complete only when its nights at tonight's dose reached its planned length.
After a change partway through, that count begins at the change, and the plan moves on to
the next step on the step's own calendar first: 1.5 mg for 14, 3 mg for 14, then 4.5 mg
from 1 Jan; step 2 lowered to 2.5 mg from 20 Jan (its sixth night). Its calendar ends on
28 Jan, night 9 at 2.5 mg, and 4.5 mg begins on 29 Jan: the suggestion was never raised.
It is now raised on the step's last night when the patient has had a week at the dose,
judged on those nights; the last step carries on and still waits for its length at its dose.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from prescriptions import suggestions as rules
from prescriptions.suggestions import NightFacts, suggestions_for
from prescriptions.titration import PlainVersion
from tests.prescriptions.titration_support import step

JAN_1 = date(2026, 1, 1)
STEPS = (step("1.5", 14), step("3", 14), step("4.5", None))


def jan(day):
    return date(2026, 1, day)


def changed_mid_step(change_night, steps=STEPS, lowered=1):
    """The plan from 1 Jan with step ``lowered`` at 2.5 mg from ``change_night`` (same
    calendar: the clinician's Change steps keeps the start)."""
    changed = list(steps)
    changed[lowered] = step("2.5", steps[lowered].days)
    return [
        PlainVersion(number=1, effective_night=JAN_1, start_date=JAN_1, steps=steps),
        PlainVersion(
            number=2, effective_night=change_night, start_date=JAN_1, steps=tuple(changed)
        ),
    ]


def nights_taken(first, last, skipped=(), **values):
    out = []
    night = first
    while night <= last:
        dose = Decimal("2.5") if night >= jan(20) else Decimal("3")
        out.append(NightFacts(night=night, taken=night not in skipped, dose_mg=dose, **values))
        night += timedelta(days=1)
    return out


def next_steps(versions, nights, tonight):
    found = suggestions_for(versions, nights, tonight - timedelta(days=1))
    return [s for s in found if s.kind == rules.NEXT_STEP]


def test_a_step_whose_dose_changed_partway_is_ready_on_its_last_night():
    versions = changed_mid_step(jan(20))
    [suggestion] = next_steps(versions, nights_taken(jan(15), jan(27)), jan(28))
    # Judged on the nights at 2.5 mg (20-27 Jan), not the step's nights at 3 mg before.
    assert "Step 2 (2.5 mg for 14 nights) is complete: 8 of 8 nights taken (100 %)" in (
        suggestion.detail
    )
    assert suggestion.evidence[0].night == jan(20)
    assert (suggestion.proposed_dose_mg, suggestion.proposed_step_index) == (Decimal("4.5"), 2)
    assert suggestion.key == rules.step_key(Decimal("2.5"), jan(20), 14)


def test_the_night_before_the_steps_last_it_is_not_complete():
    versions = changed_mid_step(jan(20))
    assert next_steps(versions, nights_taken(jan(15), jan(26)), jan(27)) == []


def test_fewer_than_a_week_at_the_new_dose_says_nothing_of_how_it_is_tolerated():
    # Changed on 23 Jan: 5 nights at 2.5 mg before the step's last night.
    versions = changed_mid_step(jan(23))
    assert next_steps(versions, nights_taken(jan(15), jan(27)), jan(28)) == []
    # A week of them (changed on 21 Jan): ready.
    assert len(next_steps(changed_mid_step(jan(21)), nights_taken(jan(15), jan(27)), jan(28))) == 1


@pytest.mark.parametrize(
    ("nights", "why"),
    [
        (nights_taken(jan(15), jan(27), skipped=(jan(21), jan(24))), "6 of 8 nights at 2.5 mg"),
        (nights_taken(jan(15), jan(27), side_effects={"headache": 2}), "a moderate side effect"),
    ],
)
def test_the_nights_at_the_new_dose_must_be_taken_and_tolerated(nights, why):
    assert next_steps(changed_mid_step(jan(20)), nights, jan(28)) == [], why


def test_missed_nights_at_the_old_dose_do_not_count_against_the_new_one():
    nights = nights_taken(jan(15), jan(27), skipped=(jan(15), jan(16), jan(17)))
    assert len(next_steps(changed_mid_step(jan(20)), nights, jan(28))) == 1


def test_the_last_step_changed_partway_still_waits_for_its_length_at_its_dose():
    steps = (step("1.5", 14), step("3", 14))
    versions = changed_mid_step(jan(20), steps=steps)
    # 28 Jan ends the step's calendar, but the dose carries on: night 9 at 2.5 mg.
    assert next_steps(versions, nights_taken(jan(15), jan(27)), jan(28)) == []
    # Night 14 at 2.5 mg (2 Feb): complete.
    [suggestion] = next_steps(versions, nights_taken(jan(15), date(2026, 2, 1)), date(2026, 2, 2))
    assert "13 of 13 nights taken" in suggestion.detail
