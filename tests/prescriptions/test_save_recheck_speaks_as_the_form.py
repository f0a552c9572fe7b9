"""What the save rechecks (changes._check) is said as the change form says it. Its recheck
of the steps said a length in days to an evening doser, whose steps editor counts nights
(Prescription.validate_steps without counts_nights), and "from tonight …; earlier nights
keep the plan they had" to a morning doser, whose form says "Today or later: days before
keep the plan they had". One function decides each word: titration.counts_nights for a
step's length (with the steps editor's dosing time, that of the version built on) and
changes.words_dosing_time for the dates (the plan's dosing time tonight, the form's)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from prescriptions import changes, plans, titration
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # London: tonight (today) is 25 Nov


def _save(patient, clinician, **change):
    view = plans.load(patient)
    values = {
        "effective_night": date(2026, 11, 25),
        "start_date": date(2026, 11, 25),
        "steps": (titration.Step(Decimal("3"), 14), titration.Step(Decimal("4.5"), None)),
        "reason": "Review",
        "versions": view.versions,
        **change,
    }
    with pytest.raises(changes.PlanChangeError) as refused:
        changes.save_version(
            prescription_id=view.prescription.pk,
            author=clinician,
            based_on=view.latest.number,
            change=changes.steps_change(view.latest, **values),
            now=NOW,
        )
    return str(refused.value)


LENGTHS = {
    "zero": (
        (titration.Step(Decimal("3"), 0), titration.Step(Decimal("4.5"), None)),
        "Step 1: 0 {unit}s is not a valid length: use 1 to 365 {unit}s.",
    ),
    "open-ended first": (
        (titration.Step(Decimal("3"), None), titration.Step(Decimal("4.5"), None)),
        "Step 1: only the last step may be open-ended: give this step a length of 1 to 365 "
        "{unit}s.",
    ),
}
UNIT = {"evening": "night", "morning": "day"}


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("case", sorted(LENGTHS))
def test_the_saves_step_length_error_counts_as_the_steps_editor(
    patient_a, clinician_a, dosing_time, case
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    steps, expected = LENGTHS[case]
    message = _save(patient_a, clinician_a, steps=steps)
    assert message == expected.format(unit=UNIT[dosing_time])


SAID = {
    "evening": "A change can take effect from tonight (25 Nov 2026) or later; earlier nights "
    "keep the plan they had.",
    "morning": "A change can take effect from today (25 Nov 2026) or later; earlier days "
    "keep the plan they had.",
}


@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
def test_the_saves_refusal_of_a_past_date_names_it_as_the_form_does(
    patient_a, clinician_a, dosing_time
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    message = _save(patient_a, clinician_a, effective_night=date(2026, 11, 20))
    assert message == SAID[dosing_time]
