"""Migration 0009 numbers the versions saved before PlanVersion.steps_before existed: a
restart at step 2 saved then read "Step 1 of 1" (its steps_before defaulted to 0)."""

import importlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.apps import apps

from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import (
    make_plan,
    sign_hold,
    sign_restart,
    sign_steps,
    switch_dosing_time,
)

migration = importlib.import_module(
    "prescriptions.migrations.0009_backfill_plan_version_steps_before"
)

DEC_4 = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
DEC_5, DEC_10, DEC_20 = date(2026, 12, 5), date(2026, 12, 10), date(2026, 12, 20)


def steps(*rows):
    return tuple((Decimal(dose), days) for dose, days in rows)


PLAN = steps(("1.5", 60), ("3", 14), ("4.5", None))


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (PLAN, 2),  # the same steps (a hold, a switch): carried
        (steps(("3", 14), ("4.5", None)), 3),  # from step 2 on: one more dropped
        (steps(("4.5", None)), 4),
        (steps(("3", 14), ("4", None)), 0),  # a dose changed: a new list
        (steps(("3", 7), ("4.5", None)), 0),  # a length changed
        (steps(("1.5", 60), ("3", 14)), 0),  # a prefix is not a restart
        ((), 0),
    ],
)
def test_a_versions_number_follows_from_the_version_before(new, expected):
    assert migration.steps_before_after(PLAN, 2, new) == expected


@pytest.mark.django_db
def test_a_restart_saved_before_the_column_gets_its_number(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", 14), ("4.5", None)))
    sign_hold(patient_a, clinician_a, DEC_5, signed=DEC_4)  # 2
    sign_restart(patient_a, clinician_a, DEC_5, 1, signed=DEC_4)  # 3: at step 2 (3 mg)
    switch_dosing_time(patient_a, clinician_a, "morning", DEC_10, signed=DEC_4)  # 4
    sign_steps(patient_a, clinician_a, DEC_20, (("1.5", None),), signed=DEC_4)  # 5: typed
    numbered = dict(PlanVersion.objects.values_list("number", "steps_before"))
    assert numbered == {1: 0, 2: 0, 3: 1, 4: 1, 5: 0}
    # As saved before 0008 (the column's default), then backfilled:
    PlanVersion.objects.update(steps_before=0)
    migration.forwards(apps, None)

    assert dict(PlanVersion.objects.values_list("number", "steps_before")) == numbered
    position = plans.load(patient_a).on(DEC_10)
    assert (position.step_number, position.step_total) == (2, 3)


@pytest.mark.django_db
def test_a_number_already_saved_is_kept(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", 14), ("4.5", None)))
    sign_hold(patient_a, clinician_a, DEC_5, signed=DEC_4)
    sign_restart(patient_a, clinician_a, DEC_5, 1, signed=DEC_4)
    # Numbers the backfill would not give (it would say 0 and 1):
    PlanVersion.objects.filter(number=2).update(steps_before=5)
    PlanVersion.objects.filter(number=3).update(steps_before=2)
    migration.forwards(apps, None)
    assert dict(PlanVersion.objects.values_list("number", "steps_before")) == {1: 0, 2: 5, 3: 2}


@pytest.mark.django_db
def test_each_prescription_is_numbered_from_its_own_first_version(
    patient_a, clinician_a, patient_b, clinician_b
):
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", 14), ("4.5", None)))
    sign_hold(patient_a, clinician_a, DEC_5, signed=DEC_4)
    sign_restart(patient_a, clinician_a, DEC_5, 1, signed=DEC_4)
    # The next prescription (another patient's): its steps end as patient A's do.
    make_plan(patient_b, clinician_b, steps=(("4.5", None),))
    PlanVersion.objects.update(steps_before=0)
    migration.forwards(apps, None)
    assert PlanVersion.objects.get(prescription__patient=patient_b).steps_before == 0
    assert PlanVersion.objects.get(prescription__patient=patient_a, number=3).steps_before == 1
