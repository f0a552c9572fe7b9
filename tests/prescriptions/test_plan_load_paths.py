"""`plans.load` reads the steps as an array column on PostgreSQL and by a prefetch elsewhere
(the SQLite fallback of `make run`): both paths must build the same plan."""

from datetime import date

from prescriptions import plans
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_plan


def test_both_ways_of_reading_the_steps_build_the_same_plan(db, clinician_a):
    patient = PatientFactory(clinicians=[clinician_a])
    give_plan(patient, clinician_a, date(2026, 1, 1))
    with_arrays = plans.load(patient, arrays=True)
    without = plans.load(patient, arrays=False)
    assert with_arrays.versions  # a plan with steps, not two empty answers
    assert any(version.steps for version in with_arrays.versions)
    assert without.versions == with_arrays.versions
    assert without.concentration_mg_per_ml == with_arrays.concentration_mg_per_ml
    assert [list(row.steps.all()) for row in without.rows] == [
        list(row.steps.all()) for row in with_arrays.rows
    ]


def test_a_patient_without_a_plan_reads_as_no_plan_both_ways(db):
    patient = PatientFactory()
    assert plans.load(patient, arrays=True) is plans.NO_PLAN
    assert plans.load(patient, arrays=False) is plans.NO_PLAN
