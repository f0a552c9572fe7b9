"""A hold or a switch of dosing time never undoes, nor brings forward, a change signed for
later nights.

Both are built from the newest version and govern every night from their first (the highest
number wins). With a switch to morning dosing signed from 25 Dec, a hold for 15-16 Dec moved
the mornings to 17 Dec; with steps signed for later nights, a hold (or a switch) before them
brought their doses forward, with no increase confirmed and nothing said. Refused now, naming
the later change; nothing is stored.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import sign_change, sign_hold, sign_restart, sign_steps

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}
REFUSED = "A change to the plan is signed from 25 Dec 2026"


@pytest.fixture
def patient(patient_on_2mg, clinician):
    patient = patient_on_2mg
    sign_hold(patient, clinician, DEC[20], DEC[22], signed=NOW, reason="Knee surgery")
    return patient


def _switch(patient, clinician, dosing_time, night):
    return sign_change(
        patient,
        clinician,
        lambda plan: changes.dosing_time_change(
            plan.latest,
            dosing_time=dosing_time,
            effective_night=night,
            reason="Sleep",
            versions=tuple(plan.versions),
        ),
        NOW,
    )


def _steps_from(patient, clinician, night, steps, start):
    return sign_steps(patient, clinician, night, steps, signed=NOW, start=start)


def _plan_as_signed(patient):
    plan = plans.load(patient)
    return [
        (plan.status_on(DEC[day]), plan.dose_on(DEC[day]), plan.dosing_time_on(DEC[day]))
        for day in range(2, 32)
    ]


def _refused(patient, sign):
    before = PlanVersion.objects.filter(prescription__patient=patient).count()
    nights = _plan_as_signed(patient)
    with pytest.raises(changes.PlanChangeError, match=REFUSED):
        sign()
    assert PlanVersion.objects.filter(prescription__patient=patient).count() == before
    assert _plan_as_signed(patient) == nights


def test_a_switch_before_signed_steps_does_not_bring_their_doses_forward(patient, clinician):
    _steps_from(patient, clinician, DEC[25], (("3", None),), DEC[25])
    _refused(patient, lambda: _switch(patient, clinician, titration.MORNING, DEC[5]))


def test_a_hold_after_the_later_change_or_with_none_is_signed(patient, clinician):
    _switch(patient, clinician, titration.MORNING, DEC[25])
    sign_hold(patient, clinician, DEC[27], DEC[28], signed=NOW)
    plan = plans.load(patient)
    assert [plan.status_on(DEC[day]) for day in (20, 26, 27, 28, 29)] == [
        titration.ON_HOLD,
        titration.ACTIVE,
        titration.ON_HOLD,
        titration.ON_HOLD,
        titration.ACTIVE,
    ]
    assert plan.dosing_time_on(DEC[29]) == titration.MORNING
    assert plan.dosing_time_on(DEC[24]) == titration.EVENING


def test_a_switch_and_a_hold_before_the_surgery_hold_still_keep_it(patient, clinician):
    _switch(patient, clinician, titration.MORNING, DEC[5])
    sign_hold(patient, clinician, DEC[15], DEC[16], signed=NOW)
    plan = plans.load(patient)
    assert [plan.status_on(DEC[day]) == titration.ON_HOLD for day in (15, 17, 20, 22, 23)] == [
        True,
        False,
        True,
        True,
        False,
    ]
    assert {plan.dosing_time_on(DEC[day]) for day in (5, 17, 23)} == {titration.MORNING}
    assert plan.dose_on(DEC[23]) == Decimal("2")


def test_a_restart_before_a_signed_switch_does_not_bring_it_forward(patient, clinician):
    """A hold until resumed from 5 Dec, a switch to mornings signed from 25 Dec (it carries
    the hold): a restart on 10 Dec took the mornings from 10 Dec. With the surgery hold of
    20-22 Dec between them, a restart cannot yet keep both the hold and the switch (each
    signed again lifts the other): refused, naming the night the plan would change, and
    nothing stored."""
    sign_hold(patient, clinician, DEC[5], None, signed=NOW, reason="Urgent")
    _switch(patient, clinician, titration.MORNING, DEC[25])
    before = PlanVersion.objects.filter(prescription__patient=patient).count()
    nights = _plan_as_signed(patient)
    with pytest.raises(changes.PlanChangeError, match="change the plan on 25 Dec 2026"):
        sign_restart(patient, clinician, DEC[10], 0, signed=NOW)
    assert PlanVersion.objects.filter(prescription__patient=patient).count() == before
    assert _plan_as_signed(patient) == nights


def test_a_restart_before_a_signed_switch_resumes_on_evenings_until_it(patient_on_2mg, clinician):
    """With no hold between them, the restart is signed: evenings from 10 Dec, the switch
    signed again after it, mornings from 25 Dec."""
    sign_hold(patient_on_2mg, clinician, DEC[5], None, signed=NOW, reason="Urgent")
    _switch(patient_on_2mg, clinician, titration.MORNING, DEC[25])
    sign_restart(patient_on_2mg, clinician, DEC[10], 0, signed=NOW)
    plan = plans.load(patient_on_2mg)
    assert [(plan.status_on(DEC[d]), plan.dosing_time_on(DEC[d])) for d in (9, 10, 24, 25)] == [
        (titration.ON_HOLD, titration.EVENING),
        (titration.ACTIVE, titration.EVENING),
        (titration.ACTIVE, titration.EVENING),
        (titration.ACTIVE, titration.MORNING),
    ]
