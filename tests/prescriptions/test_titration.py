"""The prescribed dose and step for a night, plan versions and holds, and step validation."""

import itertools
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prescriptions.titration import (
    MAX_STEPS,
    PlainVersion,
    PlanPosition,
    Step,
    current_step,
    dose_volume_ml,
    dosing_time_on,
    night_window,
    plan_ahead,
    prescribed_dose,
    status_on,
    step_problems,
    step_schedule,
    tonight,
    version_in_effect,
)
from tests.prescriptions.titration_support import CLASSIC_STEPS, JAN_1, D, step, version

ONE_MG_PER_ML = D("1")
CAPSULES = (D("1.5"), D("3.0"), D("4.5"))


def problems(steps, dose_min, dose_max, formulation, **extra):
    """step_problems' messages, in order (as Prescription.validate_steps reads them)."""
    return [p.phrase for p in step_problems(steps, dose_min, dose_max, formulation, **extra)]


def validate(steps, formulation="other", **extra):
    return problems(steps, D("1"), D("5"), formulation, **extra)


# --- statuses ---------------------------------------------------------------------------


def test_no_versions_means_no_plan():
    position = current_step([], JAN_1)
    assert position == PlanPosition(
        status="no_plan",
        night=JAN_1,
        dose_mg=None,
        step_index=None,
        step_count=0,
        day_in_step=None,
        next_step_night=None,
        next_dose_mg=None,
        version_number=None,
        dosing_time="evening",
        hold_until=None,
    )


def test_a_night_before_the_first_version_takes_effect_has_no_plan():
    assert current_step([version()], JAN_1 - timedelta(days=1)).status == "no_plan"


def test_a_night_before_the_start_date_is_not_started_and_announces_the_first_step():
    plan = [version(effective=date(2023, 12, 20), start=JAN_1)]
    position = current_step(plan, date(2023, 12, 31))
    assert position.status == "not_started"
    assert position.dose_mg is None
    assert position.step_index is None
    assert position.next_step_night == JAN_1
    assert position.next_dose_mg == D("1.5")
    assert position.version_number == 1
    assert position.step_count == 3


@pytest.mark.parametrize(
    ("night", "dose", "index", "day", "next_night", "next_dose"),
    [
        (date(2024, 1, 1), "1.5", 0, 1, date(2024, 1, 15), "3.0"),  # first night of step 1
        (date(2024, 1, 14), "1.5", 0, 14, date(2024, 1, 15), "3.0"),  # last night of step 1
        (date(2024, 1, 15), "3.0", 1, 1, date(2024, 1, 29), "4.5"),
        (date(2024, 1, 28), "3.0", 1, 14, date(2024, 1, 29), "4.5"),
        (date(2024, 1, 29), "4.5", 2, 1, None, None),  # open-ended maintenance
        (date(2027, 6, 1), "4.5", 2, 1220, None, None),  # years later
    ],
)
def test_active_position_on_the_first_and_last_night_of_each_step(
    night, dose, index, day, next_night, next_dose
):
    position = current_step([version()], night)
    assert position.status == "active"
    assert position.dose_mg == D(dose)
    assert position.step_index == index
    assert position.day_in_step == day
    assert position.next_step_night == next_night
    assert position.next_dose_mg == (D(next_dose) if next_dose else None)
    assert position.step_count == 3
    assert position.version_number == 1
    assert position.hold_until is None


def test_after_a_finite_last_step_its_dose_carries_on():
    plan = [version(steps=(step("1.5", 7), step("3.0", 7)))]
    position = current_step(plan, date(2024, 1, 20))
    assert (position.status, position.dose_mg, position.step_index) == ("active", D("3.0"), 1)
    assert position.day_in_step == 13
    assert position.next_step_night is None


def test_prescribed_dose_is_the_step_dose_or_none_when_not_active():
    plan = [version(effective=date(2023, 12, 20), start=JAN_1)]
    assert prescribed_dose(plan, date(2024, 1, 20)) == D("3.0")
    assert prescribed_dose(plan, date(2023, 12, 31)) is None
    assert prescribed_dose(plan, date(2023, 1, 1)) is None
    assert prescribed_dose([], JAN_1) is None


# --- versions ---------------------------------------------------------------------------


def test_nights_before_a_change_keep_the_version_in_effect_then():
    slower = version(
        number=2,
        effective=date(2024, 1, 20),
        start=date(2024, 1, 20),
        steps=(step("2.0", 14), step("3.0", None)),
    )
    plan = [version(), slower]
    assert prescribed_dose(plan, date(2024, 1, 19)) == D("3.0")
    assert current_step(plan, date(2024, 1, 19)).version_number == 1
    assert prescribed_dose(plan, date(2024, 1, 20)) == D("2.0")
    assert current_step(plan, date(2024, 1, 20)).version_number == 2


def test_the_highest_numbered_version_wins_even_if_effective_earlier():
    # A correction saved later (number 3) but effective from an earlier night than number 2.
    plan = [
        version(number=1),
        version(number=2, effective=date(2024, 2, 1)),
        version(number=3, effective=date(2024, 1, 15), steps=(step("2.0", None),)),
    ]
    assert version_in_effect(plan, date(2024, 2, 5)).number == 3
    assert version_in_effect(plan, date(2024, 1, 14)).number == 1
    assert version_in_effect(plan, date(2023, 12, 31)) is None


def test_version_order_in_the_sequence_does_not_matter():
    plan = [version(number=2, effective=date(2024, 2, 1)), version(number=1)]
    assert version_in_effect(plan, date(2024, 2, 1)).number == 2
    assert version_in_effect(plan, date(2024, 1, 31)).number == 1


def test_a_later_version_switches_to_morning_dosing_from_its_effective_night():
    morning = version(number=2, effective=date(2024, 2, 1), start=JAN_1, dosing_time="morning")
    plan = [version(), morning]
    assert dosing_time_on(plan, date(2024, 1, 31)) == "evening"
    assert dosing_time_on(plan, date(2024, 2, 1)) == "morning"
    assert current_step(plan, date(2024, 2, 1)).dosing_time == "morning"
    # Same start date: the titration calendar carries on unchanged.
    assert prescribed_dose(plan, date(2024, 2, 1)) == D("4.5")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2024, 1, 31, 20, 0), date(2024, 1, 31)),  # the last evening night
        ((2024, 2, 1, 1, 30), date(2024, 1, 31)),  # its late dose, inside the evening window
        ((2024, 2, 1, 2, 59), date(2024, 1, 31)),
        ((2024, 2, 1, 3, 0), date(2024, 2, 1)),  # the window closed: the first morning
        ((2024, 2, 1, 9, 30), date(2024, 2, 1)),  # the morning dose is due: night N
        ((2024, 2, 1, 13, 0), date(2024, 2, 1)),
        ((2024, 2, 1, 23, 0), date(2024, 2, 1)),
        ((2024, 2, 2, 9, 30), date(2024, 2, 2)),
    ],
)
def test_tonight_on_the_day_a_switch_to_morning_dosing_begins(local, expected):
    """Night N (the first morning) from the close of night N-1's evening window, as the
    reminders have it; it was N-1 until noon, so a 09:15 dose was filed under last night."""
    morning = version(number=2, effective=date(2024, 2, 1), start=JAN_1, dosing_time="morning")
    plan = [version(), morning]
    zone = ZoneInfo("America/St_Johns")
    moment = datetime(*local, tzinfo=zone)
    assert tonight(plan, zone, moment) == expected
    # The evening plan alone: every one of these moments is the evening rule's night.
    evening_rule = (moment - timedelta(hours=12)).date()
    assert tonight([version()], zone, moment) == evening_rule


@pytest.mark.parametrize(
    "local",
    [
        (2024, 2, 1, 0, 0),  # the morning night of 31 January is over
        (2024, 2, 1, 9, 15),  # the usual morning dose, out of habit
        (2024, 2, 1, 11, 59),
        (2024, 2, 1, 21, 0),  # the first evening dose
        (2024, 2, 2, 1, 30),
    ],
)
def test_on_the_day_a_switch_to_evening_dosing_begins_each_moment_is_in_tonights_window(local):
    """From morning to evening dosing on 1 February: a dose taken at 09:15 that day is filed
    under the first evening night, and that night's window holds 09:15 (it began at noon,
    so the dose form refused the very time "Taken now" stored)."""
    evening = version(number=2, effective=date(2024, 2, 1), start=JAN_1)
    plan = [version(dosing_time="morning"), evening]
    zone = ZoneInfo("America/St_Johns")
    moment = datetime(*local, tzinfo=zone)
    night = tonight(plan, zone, moment)
    assert night == date(2024, 2, 1)
    start, end = night_window(plan, zone, night)
    assert start <= moment < end
    # The last morning night ends where the first evening night begins: no gap, no overlap.
    assert night_window(plan, zone, date(2024, 1, 31))[1] == start


def test_dosing_time_is_evening_without_a_plan():
    assert dosing_time_on([], JAN_1) == "evening"


# --- holds ------------------------------------------------------------------------------


def test_an_open_ended_hold_then_a_resume_version():
    hold = version(number=2, effective=date(2024, 2, 10), start=JAN_1, hold_from=date(2024, 2, 10))
    resume = version(
        number=3,
        effective=date(2024, 3, 1),
        start=date(2024, 3, 1),
        steps=(step("1.5", 7), step("4.5", None)),
    )
    plan = [version(), hold, resume]

    assert prescribed_dose(plan, date(2024, 2, 9)) == D("4.5")
    on_hold = current_step(plan, date(2024, 2, 10))
    assert on_hold.status == "on_hold"
    assert on_hold.dose_mg is None
    assert on_hold.hold_until is None
    assert on_hold.version_number == 2
    assert current_step(plan, date(2024, 2, 29)).status == "on_hold"

    resumed = current_step(plan, date(2024, 3, 1))
    assert (resumed.status, resumed.dose_mg, resumed.step_index) == ("active", D("1.5"), 0)
    assert resumed.next_step_night == date(2024, 3, 8)


def test_an_open_ended_hold_lasts_indefinitely_without_a_new_version():
    plan = [version(hold_from=date(2024, 2, 10))]
    assert current_step(plan, date(2030, 1, 1)).status == "on_hold"


@pytest.mark.parametrize(
    ("night", "status", "dose"),
    [
        (date(2024, 1, 9), "active", "1.5"),
        (date(2024, 1, 10), "on_hold", None),  # hold_from is on hold
        (date(2024, 1, 12), "on_hold", None),  # hold_until is on hold too
        (date(2024, 1, 13), "active", "1.5"),  # the calendar did not pause
        (date(2024, 1, 15), "active", "3.0"),
    ],
)
def test_a_bounded_hold_masks_its_nights_inclusive(night, status, dose):
    plan = [version(hold_from=date(2024, 1, 10), hold_until=date(2024, 1, 12))]
    position = current_step(plan, night)
    assert position.status == status
    assert position.dose_mg == (D(dose) if dose else None)
    assert position.hold_until == (date(2024, 1, 12) if status == "on_hold" else None)


def test_a_hold_wins_over_not_started():
    plan = [version(effective=date(2023, 12, 1), start=JAN_1, hold_from=date(2023, 12, 1))]
    assert current_step(plan, date(2023, 12, 15)).status == "on_hold"


# --- step_schedule ----------------------------------------------------------------------


def test_step_schedule_lists_first_and_last_night_of_each_step():
    assert step_schedule(version()) == [
        (date(2024, 1, 1), date(2024, 1, 14), CLASSIC_STEPS[0]),
        (date(2024, 1, 15), date(2024, 1, 28), CLASSIC_STEPS[1]),
        (date(2024, 1, 29), None, CLASSIC_STEPS[2]),
    ]


def test_one_day_steps_start_and_end_on_the_same_night():
    plan = version(steps=(step("1", 1), step("2", 1), step("3", None)))
    assert step_schedule(plan) == [
        (JAN_1, JAN_1, step("1", 1)),
        (date(2024, 1, 2), date(2024, 1, 2), step("2", 1)),
        (date(2024, 1, 3), None, step("3", None)),
    ]


def test_the_last_step_of_a_plan_with_lengths_carries_on_in_the_schedule():
    """As current_step says: its dose carries on after its 14 days (the plan page gave it a
    last night while marking it as in effect after that night)."""
    plan = version(steps=(step("1.5", 14), step("3", 14)))
    assert step_schedule(plan) == [
        (JAN_1, date(2024, 1, 14), step("1.5", 14)),
        (date(2024, 1, 15), None, step("3", 14)),
    ]
    assert current_step([plan], date(2024, 3, 1)).step_index == 1


# --- data classes -----------------------------------------------------------------------


def test_a_float_dose_is_refused():
    with pytest.raises(TypeError, match="Decimal"):
        Step(1.5, 7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((), "at least one step"),
        ((step("1.5", None), step("3.0", 7)), "open-ended but is not the last"),
        ((step("1.5", 0),), "at least 1"),
    ],
)
def test_a_structurally_impossible_plan_version_is_refused(steps, message):
    with pytest.raises(ValueError, match=message):
        version(steps=steps)


def test_a_plan_version_with_an_unknown_dosing_time_is_refused():
    with pytest.raises(ValueError, match="dosing time"):
        version(dosing_time="noon")


def test_plan_version_steps_given_as_a_list_are_stored_as_a_tuple():
    assert version(steps=list(CLASSIC_STEPS)).steps == CLASSIC_STEPS


# --- validation -------------------------------------------------------------------------


def test_valid_classic_capsule_plan_has_no_errors():
    assert validate(CLASSIC_STEPS, "capsule", strengths=CAPSULES) == []


@pytest.mark.parametrize(
    ("dose", "message"),
    [
        ("0.5", "Step 1: 0.5 mg is outside the allowed range: use a dose from 1 to 5 mg."),
        ("5.5", "Step 1: 5.5 mg is outside the allowed range: use a dose from 1 to 5 mg."),
        (
            "3.333",
            "Step 1: 3.333 mg has more than two decimal places: "
            "give the dose to the nearest 0.01 mg.",
        ),
    ],
)
def test_a_step_dose_outside_the_range_or_too_precise_is_refused(dose, message):
    assert validate([step(dose, None)]) == [message]


@pytest.mark.parametrize("dose", ["1", "5", "1.00", "4.50", "2.75"])
def test_range_ends_and_two_decimals_are_accepted(dose):
    assert validate([step(dose, None)]) == []


def test_the_range_is_taken_from_the_arguments():
    assert problems([step("0.5", None)], D("0.5"), D("4.5"), "other") == []
    assert problems([step("5", None)], D("0.5"), D("4.5"), "other") == [
        "Step 1: 5 mg is outside the allowed range: use a dose from 0.5 to 4.5 mg."
    ]


def test_a_dose_that_is_not_an_available_capsule_strength_is_refused():
    assert validate([step("2.0", None)], "capsule", strengths=CAPSULES) == [
        "Step 1: 2 mg is not an available capsule strength (1.5, 3, 4.5 mg)."
    ]


def test_a_capsule_strength_matches_by_value_not_by_spelling():
    assert validate([step("3", None)], "capsule", strengths=CAPSULES) == []


def test_a_liquid_dose_that_cannot_be_measured_is_refused():
    errors = validate([step("1.03", None)], "liquid", concentration_mg_per_ml=ONE_MG_PER_ML)
    assert errors == [
        "Step 1: 1.03 mg = 1.03 mL, which cannot be measured: use multiples of 0.05 mL "
        "(the nearest measurable doses are 1 mg and 1.05 mg)."
    ]


def test_a_liquid_dose_is_measured_at_the_given_concentration():
    # At 2 mg/mL, 0.05 mL holds 0.1 mg: 1.1 mg is 0.55 mL, 1.15 mg is not measurable.
    two_mg_per_ml = {"concentration_mg_per_ml": D("2")}
    assert validate([step("1.1", None)], "liquid", **two_mg_per_ml) == []
    assert "1.15 mg = 0.58 mL" in validate([step("1.15", None)], "liquid", **two_mg_per_ml)[0]


def test_other_formulation_has_no_extra_check():
    assert validate([step("1.03", None)], "other") == []


@pytest.mark.parametrize("days", [0, -3, 10000])
def test_a_step_length_outside_1_to_365_days_is_refused(days):
    assert validate([step("1.5", days), step("3.0", None)]) == [
        f"Step 1: {days} days is not a valid length: use 1 to 365 days."
    ]


@pytest.mark.parametrize("days", [1, 365])
def test_step_lengths_of_1_and_365_days_are_accepted(days):
    assert validate([step("1.5", days), step("3.0", days)]) == []


def test_no_steps_is_refused():
    assert validate([]) == ["A plan needs at least one step."]


def test_an_open_ended_step_that_is_not_last_is_refused():
    assert validate([step("1.5", None), step("3.0", 14)]) == [
        "Step 1: only the last step may be open-ended: give this step a length of 1 to 365 days."
    ]


def test_more_than_52_steps_is_refused():
    assert validate([step("1.5", 7)] * MAX_STEPS) == []
    assert validate([step("1.5", 7)] * (MAX_STEPS + 1)) == [
        "A plan can have at most 52 steps; this one has 53."
    ]


def _rising_by_quarter_mg(last: str) -> list[Step]:
    doses = []
    dose = D("1.0")
    while dose <= D(last):
        doses.append(dose)
        dose += D("0.25")
    return [Step(d, 7) for d in doses[:-1]] + [Step(doses[-1], None)]


def test_fifteen_steps_rising_by_a_quarter_mg_on_a_liquid_are_accepted():
    steps = _rising_by_quarter_mg("4.5")
    assert len(steps) == 15
    assert validate(steps, "liquid", concentration_mg_per_ml=ONE_MG_PER_ML) == []


def test_the_same_climb_ending_at_525_mg_is_refused_for_its_last_step_only():
    steps = _rising_by_quarter_mg("5.25")
    assert validate(steps, "liquid", concentration_mg_per_ml=ONE_MG_PER_ML) == [
        f"Step {len(steps)}: 5.25 mg is outside the allowed range: use a dose from 1 to 5 mg."
    ]


def test_every_problem_in_a_plan_is_reported_with_its_step_number():
    errors = validate(
        [step("2.0", 0), step("1.5", None), step("9", 7)], "capsule", strengths=CAPSULES
    )
    assert errors == [
        "Step 1: 2 mg is not an available capsule strength (1.5, 3, 4.5 mg).",
        "Step 1: 0 days is not a valid length: use 1 to 365 days.",
        "Step 2: only the last step may be open-ended: give this step a length of 1 to 365 days.",
        "Step 3: 9 mg is outside the allowed range: use a dose from 1 to 5 mg.",
    ]


@pytest.mark.parametrize(
    ("formulation", "extra", "message"),
    [
        ("tablet", {}, "Unknown formulation"),
        ("liquid", {}, "concentration"),
        ("liquid", {"concentration_mg_per_ml": D("0")}, "concentration"),
    ],
)
def test_configuration_errors_raise_rather_than_blame_the_clinician(formulation, extra, message):
    with pytest.raises(ValueError, match=message):
        validate([step("1.5", None)], formulation, **extra)


@pytest.mark.parametrize(
    ("dose", "concentration", "volume"),
    [("1.5", "1", "1.50"), ("4.5", "1", "4.50"), ("1", "3", "0.33"), ("2.5", "2", "1.25")],
)
def test_dose_volume_is_quantized_to_a_hundredth_of_a_ml(dose, concentration, volume):
    result = dose_volume_ml(D(dose), D(concentration))
    assert result == D(volume)
    assert str(result) == volume


# --- properties -------------------------------------------------------------------------

DOSE_MIN, DOSE_MAX = D("1"), D("5")
doses = st.integers(20, 100).map(lambda twentieths: D(twentieths) * D("0.05"))
nights = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def steps_tuples(draw):
    count = draw(st.integers(1, 6))
    lengths = draw(st.lists(st.integers(1, 60), min_size=count, max_size=count))
    last_open = draw(st.booleans())
    return tuple(
        Step(draw(doses), None if (last_open and i == count - 1) else lengths[i])
        for i in range(count)
    )


@st.composite
def plan_versions(draw, number, effective):
    start = effective + timedelta(days=draw(st.integers(0, 30)))
    hold_from = draw(st.none() | nights)
    hold_until = None
    if hold_from is not None and draw(st.booleans()):
        hold_until = hold_from + timedelta(days=draw(st.integers(0, 40)))
    return PlainVersion(
        number=number,
        effective_night=effective,
        start_date=start,
        steps=draw(steps_tuples()),
        dosing_time=draw(st.sampled_from(["evening", "morning"])),
        hold_from=hold_from,
        hold_until=hold_until,
    )


@st.composite
def plans(draw):
    effectives = draw(st.lists(nights, min_size=0, max_size=4))
    return [draw(plan_versions(i + 1, eff)) for i, eff in enumerate(effectives)]


@settings(max_examples=300)
@given(plan=plans(), night=nights)
def test_the_result_is_a_step_dose_within_range_or_not_active(plan, night):
    position = current_step(plan, night)
    if position.status == "active":
        governing = version_in_effect(plan, night)
        assert position.dose_mg in [s.dose_mg for s in governing.steps]
        assert position.dose_mg == governing.steps[position.step_index].dose_mg
        assert DOSE_MIN <= position.dose_mg <= DOSE_MAX
        assert position.day_in_step >= 1
    else:
        assert position.status in {"on_hold", "not_started", "no_plan"}
        assert position.dose_mg is None
        assert position.step_index is None
    assert prescribed_dose(plan, night) == position.dose_mg


@settings(max_examples=300)
@given(
    plan=plans(),
    night=nights,
    days_before=st.integers(0, 400),
    days_after=st.integers(1, 400),
    data=st.data(),
)
def test_adding_a_later_version_never_changes_an_earlier_night(
    plan, night, days_before, days_after, data
):
    new = data.draw(plan_versions(len(plan) + 1, night + timedelta(days=days_after)))
    for earlier in (night, night - timedelta(days=days_before)):
        # All but "of y": the plan as signed now (plan_step_total), which a step added from a
        # later night changes ("Step 3 of 4" tonight: tests/prescriptions/
        # test_step_total_counts_the_plan_as_signed.py). How the night is judged stays.
        assert replace(current_step([*plan, new], earlier), step_total=0) == replace(
            current_step(plan, earlier), step_total=0
        )
        assert dosing_time_on([*plan, new], earlier) == dosing_time_on(plan, earlier)


@settings(max_examples=200)
@given(version_=plan_versions(1, JAN_1))
def test_the_schedule_tiles_the_nights_and_agrees_with_current_step(version_):
    schedule = step_schedule(version_)
    for (_, last, _), (next_first, _, _) in itertools.pairwise(schedule):
        assert last + timedelta(days=1) == next_first
    assert schedule[-1][1] is None  # the last step carries on, as current_step says
    unheld = PlainVersion(
        number=1,
        effective_night=version_.effective_night,
        start_date=version_.start_date,
        steps=version_.steps,
    )
    for index, (first, last, step_) in enumerate(schedule):
        for night in {first, last or first + timedelta(days=1000)}:
            position = current_step([unheld], night)
            assert position.step_index == index
            assert position.dose_mg == step_.dose_mg


@settings(max_examples=300)
@given(plan=plans(), night=nights, ends=st.booleans())
def test_status_on_and_prescribed_dose_say_what_current_step_says(plan, night, ends):
    # status_on (adherence) and prescribed_dose (the trend chart) answer a year of nights
    # without building each position: they must say what current_step says, holds, endings
    # and past-the-end included.
    if ends and plan:
        last = plan[-1]
        plan = [*plan, version(number=last.number + 1, effective=last.effective_night, ends=True)]
    position = current_step(plan, night)
    assert status_on(plan, night) == position.status
    assert prescribed_dose(plan, night) == position.dose_mg


# --- the plan ahead ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    plan=st.lists(
        st.tuples(
            st.integers(0, 40),  # effective, days after JAN_1
            st.integers(0, 10),  # start, days after effective
            st.one_of(
                st.none(),
                st.tuples(st.integers(0, 30), st.one_of(st.none(), st.integers(0, 10))),
            ),
            st.booleans(),  # an ending
            st.sampled_from([((("1.5", 3), ("3", 4), ("4.5", None))), (("3", 2), ("4.5", None))]),
            st.integers(0, 1),  # which prescription (a new one after an ending)
        ),
        min_size=1,
        max_size=4,
    ),
    tonight=st.integers(-5, 60),
)
def test_the_plan_ahead_says_what_every_night_asks(plan, tonight):
    # plan_ahead's stretches, night by night, are current_step's answer (one truth): each
    # stretch's state and dose hold from tonight through its last night (or 60 nights on),
    # the stretches follow one another with no gap, and the first begins by tonight.
    versions = []
    for number, (effective, start, hold, ends, steps, prescription) in enumerate(plan, start=1):
        hold_from = hold_until = None
        if hold is not None:
            hold_from = JAN_1 + timedelta(days=effective + hold[0])
            hold_until = None if hold[1] is None else hold_from + timedelta(days=hold[1])
        versions.append(
            version(
                number=number,
                effective=JAN_1 + timedelta(days=effective),
                start=JAN_1 + timedelta(days=effective + start),
                steps=tuple(step(dose, days) for dose, days in steps),
                hold_from=hold_from,
                hold_until=hold_until,
                ends=ends,
                prescription_index=prescription,
            )
        )
    night = JAN_1 + timedelta(days=tonight)
    stretches = plan_ahead(versions, night)
    if current_step(versions, night).status == "no_plan":
        return
    assert stretches
    assert stretches[0].first <= night
    for before, after in itertools.pairwise(stretches):
        assert before.last is not None
        assert after.first == before.last + timedelta(days=1)
    horizon = night + timedelta(days=60)
    for stretch in stretches:
        last = stretch.last if stretch.last is not None else horizon
        day = max(stretch.first, night)
        while day <= min(last, horizon):
            position = current_step(versions, day)
            assert (position.status, position.dose_mg) == (stretch.status, stretch.dose_mg), day
            day += timedelta(days=1)
