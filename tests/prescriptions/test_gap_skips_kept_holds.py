"""The nights without LDN a steps change asks to confirm are the nights it leaves neither
prescribed nor on hold: not the nights of a hold it keeps (signs again after it).

A steps change carries the first hold to come and signs the later ones again
(changes._holds_signed_again), but the gap was counted on the plan with the change alone:
the nights of the surgery hold signed again counted as nights without LDN, and the
clinician was asked to confirm 27 nights where the plan left 24.
"""

from datetime import UTC, date, datetime

import pytest

from prescriptions import changes, plans, titration
from tests.patients.journal_support import sign_change, sign_hold
from tests.prescriptions.factories import plan_steps

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


def _new_year_steps(patient, clinician, **confirmed):
    return sign_change(
        patient,
        clinician,
        lambda plan: changes.steps_change(
            plan.latest,
            effective_night=DEC[2],
            start_date=date(2027, 1, 1),
            steps=plan_steps((("2", None),)),
            reason="Restart in the new year",
            versions=tuple(plan.versions),
        ),
        NOW,
        **confirmed,
    )


def test_the_nights_of_a_kept_hold_are_not_counted_without_ldn(patient_on_2mg, clinician):
    sign_hold(patient_on_2mg, clinician, DEC[10], DEC[12], signed=NOW, reason="Travel")
    sign_hold(patient_on_2mg, clinician, DEC[20], DEC[22], signed=NOW, reason="Surgery")
    with pytest.raises(changes.NeedsGapConfirmation) as asked:
        _new_year_steps(patient_on_2mg, clinician)
    # 2 to 31 Dec is 30 nights, 6 of them on hold (10-12 carried, 20-22 signed again).
    assert "without LDN for 24 nights, from 2 Dec 2026 to 31 Dec 2026" in str(asked.value)
    version = _new_year_steps(patient_on_2mg, clinician, confirmed_gap=True)
    assert "for 24 nights" in version.confirmed_safety_warning
    plan = plans.load(patient_on_2mg)
    assert [plan.status_on(DEC[day]) for day in (9, 10, 19, 20, 22, 23)] == [
        titration.NOT_STARTED,
        titration.ON_HOLD,
        titration.NOT_STARTED,
        titration.ON_HOLD,
        titration.ON_HOLD,
        titration.NOT_STARTED,
    ]


def test_a_change_signed_during_a_dated_hold_asks_for_the_nights_after_it(
    patient_on_2mg, clinician
):
    """On hold for 2-5 Dec (tonight too): LDN was to restart on the 6th. A change whose
    step 1 starts on 1 Jan left 6-31 Dec without LDN, and nothing was asked."""
    sign_hold(patient_on_2mg, clinician, DEC[2], DEC[5], signed=NOW, reason="Procedure")
    with pytest.raises(changes.NeedsGapConfirmation) as asked:
        _new_year_steps(patient_on_2mg, clinician)
    assert "without LDN for 26 nights, from 6 Dec 2026 to 31 Dec 2026" in str(asked.value)


def test_a_change_signed_during_a_hold_until_resumed_asks_nothing(patient_on_2mg, clinician):
    """No night after a hold until resumed is prescribed before a restart is signed."""
    sign_hold(patient_on_2mg, clinician, DEC[2], None, signed=NOW, reason="Urgent report")
    version = _new_year_steps(patient_on_2mg, clinician)
    assert version.confirmed_safety_warning == ""
    assert plans.load(patient_on_2mg).status_on(DEC[31]) == titration.ON_HOLD
